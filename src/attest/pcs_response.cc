#include "attest/pcs_response.h"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <optional>

#include "attest/collateral.h"

namespace kms::attest {
namespace {
namespace json = boost::json;

// Index just past the JSON string that starts at `i` (a '"'), or npos when it does not end.
size_t SkipString(std::string_view s, size_t i) {
  for (++i; i < s.size(); ++i) {
    if (s[i] == '\\') {
      ++i;
    } else if (s[i] == '"') {
      return i + 1;
    }
  }
  return std::string_view::npos;
}

size_t SkipSpace(std::string_view s, size_t i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r')) ++i;
  return i;
}

// Index just past the object or array that starts at `i`, or npos.
size_t SkipNested(std::string_view s, size_t i) {
  int depth = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == '"') {
      i = SkipString(s, i);
      if (i == std::string_view::npos) return i;
      continue;
    }
    if (c == '{' || c == '[') ++depth;
    if (c == '}' || c == ']') {
      if (--depth == 0) return i + 1;
    }
    ++i;
  }
  return std::string_view::npos;
}

// The raw text of the value of member `"key"` at depth 1 of the object `s`; nullopt when it is
// not there (or not written literally). Values other than objects are skipped by scanning, so
// a string containing `"key":` cannot be mistaken for the member.
std::optional<std::string_view> TopLevelMember(std::string_view s, std::string_view key) {
  size_t i = SkipSpace(s, 0);
  if (i >= s.size() || s[i] != '{') return std::nullopt;
  ++i;
  while (true) {
    i = SkipSpace(s, i);
    if (i >= s.size() || s[i] != '"') return std::nullopt;
    size_t name_end = SkipString(s, i);
    if (name_end == std::string_view::npos) return std::nullopt;
    std::string_view name = s.substr(i + 1, name_end - i - 2);
    i = SkipSpace(s, name_end);
    if (i >= s.size() || s[i] != ':') return std::nullopt;
    i = SkipSpace(s, i + 1);
    if (i >= s.size()) return std::nullopt;
    size_t value_start = i;
    if (s[i] == '{' || s[i] == '[') {
      i = SkipNested(s, i);
    } else if (s[i] == '"') {
      i = SkipString(s, i);
    } else {
      while (i < s.size() && s[i] != ',' && s[i] != '}') ++i;
    }
    if (i == std::string_view::npos) return std::nullopt;
    if (name == key) return s.substr(value_start, i - value_start);
    i = SkipSpace(s, i);
    if (i >= s.size() || s[i] != ',') return std::nullopt;
    ++i;
  }
}

}  // namespace

StatusOr<SignedJson> ParsePcsSignedJson(std::string_view body, std::string_view key) {
  const std::string what = "PCS \"" + std::string(key) + "\" response";
  if (body.size() > kMaxCollateralJsonSize) {
    return Status::InvalidArgument(what + " larger than " +
                                   std::to_string(kMaxCollateralJsonSize) + " bytes");
  }
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return Status::InvalidArgument(what + " is not a JSON object");
  const json::object& o = v.get_object();
  const json::value* inner = o.if_contains(key);
  const json::value* sig = o.if_contains("signature");
  if (inner == nullptr || !inner->is_object() || sig == nullptr || !sig->is_string()) {
    return Status::InvalidArgument(what + " lacks \"" + std::string(key) +
                                   "\" (object) or \"signature\" (string)");
  }
  // Boost.JSON keeps the last of duplicate keys; the scanner finds the first. Refuse both.
  size_t count = 0;
  for (const auto& member : o) count += member.key() == key ? 1 : 0;
  if (count != 1) return Status::InvalidArgument(what + " has \"" + std::string(key) + "\" twice");
  std::optional<std::string_view> raw = TopLevelMember(body, key);
  // The cut text must be the very object the parser saw (guards the scanner).
  json::value cut = raw ? json::parse(*raw, ec) : json::value();
  if (!raw || ec || cut != *inner) {
    return Status::InvalidArgument(what + ": cannot locate the exact text of \"" +
                                   std::string(key) + "\"");
  }
  std::optional<Bytes> signature = HexDecode(sig->get_string());
  if (!signature || signature->size() != 64) {
    return Status::InvalidArgument(what + ": \"signature\" is not 128 hex digits");
  }
  return SignedJson{std::string(*raw), *std::move(signature)};
}

std::string PcsSignedJsonBody(std::string_view key, std::string_view signed_text,
                              ByteView signature) {
  std::string out = "{\"";
  out.append(key).append("\":").append(signed_text).append(",\"signature\":\"");
  out.append(HexEncode(signature)).append("\"}");
  return out;
}

}  // namespace kms::attest
