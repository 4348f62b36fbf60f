#pragma once
// Helpers for the crypto tests only: hex literals and Wycheproof JSON loading.

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
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

// gtest parameter name for a vector file name: "rsa_pkcs1_2048_test.json" -> "rsa_pkcs1_2048".
inline std::string FileParamName(const ::testing::TestParamInfo<const char*>& p) {
  std::string name = p.param;
  name = name.substr(0, name.find("_test.json"));
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

// A fresh directory under the system temp dir, removed with its contents on destruction.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "kms_crypto_XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  // Writes `data` to <dir>/<name> and returns the full path.
  std::string Write(std::string_view name, ByteView data) const {
    std::string p = (path_ / std::string(name)).string();
    std::ofstream out(p, std::ios::binary);
    out.write(reinterpret_cast<const char*>(data.data()), static_cast<std::streamsize>(data.size()));
    if (!out) throw std::runtime_error("cannot write " + p);
    return p;
  }
  Bytes Read(std::string_view name) const {
    std::ifstream in(path_ / std::string(name), std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + std::string(name));
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  std::string path(std::string_view name) const { return (path_ / std::string(name)).string(); }

 private:
  std::filesystem::path path_;
};

// Runs `openssl <args>` (output discarded) and returns its exit code, or -1 if it did not exit.
inline int RunOpenssl(const std::string& args) {
  int r = std::system(("openssl " + args + " >/dev/null 2>&1").c_str());
  return (r != -1 && WIFEXITED(r)) ? WEXITSTATUS(r) : -1;
}

}  // namespace kms::crypto::testing
