#pragma once
// Helpers for the crypto tests only: hex literals and Wycheproof JSON loading.

#include <boost/json.hpp>

#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

#include "common/bytes.h"

namespace kms::crypto::testing {

// Decodes lowercase or uppercase hex; throws on malformed input (a bug in the test itself).
inline Bytes Hex(std::string_view s) {
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    throw std::invalid_argument("bad hex");
  };
  if (s.size() % 2 != 0) throw std::invalid_argument("odd hex length");
  Bytes out(s.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) {
    out[i] = static_cast<uint8_t>(nibble(s[2 * i]) << 4 | nibble(s[2 * i + 1]));
  }
  return out;
}

inline Bytes HexField(const boost::json::object& o, std::string_view key) {
  return Hex(o.at(key).as_string());
}

inline std::string StringField(const boost::json::object& o, std::string_view key) {
  return std::string(o.at(key).as_string());
}

// Parses test/vectors/wycheproof/<name>; throws if it is missing, so a lost file fails loudly
// instead of silently running zero cases.
inline boost::json::object LoadWycheproof(std::string_view name) {
  std::string path = std::string(KMS_TEST_DATA_DIR) + "/wycheproof/" + std::string(name);
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return boost::json::parse(ss.str()).as_object();
}

}  // namespace kms::crypto::testing
