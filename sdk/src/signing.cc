#include "kms/signing.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "common/bytes.h"
#include "kms/encoding.h"
#include "wipe.h"

namespace kms::client {
namespace json = boost::json;

namespace {

// JavaScript sorts property names by UTF-16 code units, which differs from UTF-8 byte order for
// characters above U+FFFF against U+E000..U+FFFF; compare in UTF-16 to match.
std::u16string ToUtf16(std::string_view s) {
  std::u16string out;
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    uint32_t cp;
    size_t len;
    if (c < 0x80) {
      cp = c, len = 1;
    } else if ((c >> 5) == 0x6) {
      cp = c & 0x1f, len = 2;
    } else if ((c >> 4) == 0xe) {
      cp = c & 0x0f, len = 3;
    } else {
      cp = c & 0x07, len = 4;
    }
    for (size_t j = 1; j < len && i + j < s.size(); ++j) {
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + j]) & 0x3f);
    }
    i += len;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      out.push_back(static_cast<char16_t>(0xd800 + (cp >> 10)));
      out.push_back(static_cast<char16_t>(0xdc00 + (cp & 0x3ff)));
    } else {
      out.push_back(static_cast<char16_t>(cp));
    }
  }
  return out;
}

// Number.prototype.toString() for finite doubles (ECMAScript Number::toString, radix 10).
std::string JsNumber(double x) {
  if (x == 0) return "0";
  if (!std::isfinite(x)) return std::isnan(x) ? "NaN" : (x > 0 ? "Infinity" : "-Infinity");
  std::string sign = x < 0 ? "-" : "";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof(buf), std::fabs(x), std::chars_format::scientific);
  std::string sci(buf, r.ptr);  // "d.ddde+XX" or "de-XX", shortest round trip
  size_t epos = sci.find('e');
  std::string digits = sci.substr(0, epos);
  digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
  int exp10 = std::stoi(sci.substr(epos + 1));
  int k = static_cast<int>(digits.size());
  int n = exp10 + 1;
  std::string out;
  if (k <= n && n <= 21) {
    out = digits + std::string(static_cast<size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out = digits.substr(0, static_cast<size_t>(n)) + "." + digits.substr(static_cast<size_t>(n));
  } else if (-6 < n && n <= 0) {
    out = "0." + std::string(static_cast<size_t>(-n), '0') + digits;
  } else {
    int e = n - 1;
    std::string es = (e >= 0 ? "+" : "-") + std::to_string(std::abs(e));
    out = k == 1 ? digits + "e" + es : digits.substr(0, 1) + "." + digits.substr(1) + "e" + es;
  }
  return sign + out;
}

// String(v) in JavaScript, for the loose-equality test and for scalar values.
std::string JsString(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return v.get_bool() ? "true" : "false";
    case json::kind::int64: return std::to_string(v.get_int64());
    case json::kind::uint64: return std::to_string(v.get_uint64());
    case json::kind::double_: return JsNumber(v.get_double());
    case json::kind::string: return std::string(v.get_string());
    case json::kind::object: return "[object Object]";
    case json::kind::array: {
      std::string out;
      bool first = true;
      for (const auto& e : v.get_array()) {
        if (!first) out += ',';
        first = false;
        if (!e.is_null()) out += JsString(e);
      }
      return out;
    }
  }
  return "";
}

// `v == ""` or `v == null` in JavaScript.
bool LooselyEmpty(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null: return true;
    case json::kind::bool_: return !v.get_bool();
    case json::kind::int64: return v.get_int64() == 0;
    case json::kind::uint64: return v.get_uint64() == 0;
    case json::kind::double_: return v.get_double() == 0;
    case json::kind::string: return v.get_string().empty();
    case json::kind::array: return JsString(v).empty();
    case json::kind::object: return false;
  }
  return false;
}

void CanonInto(const json::value& v, std::string& out);

void CanonEntries(std::vector<std::pair<std::string, const json::value*>> entries,
                  std::string& out) {
  std::vector<std::pair<std::u16string, size_t>> order;
  order.reserve(entries.size());
  for (size_t i = 0; i < entries.size(); ++i) order.emplace_back(ToUtf16(entries[i].first), i);
  std::stable_sort(order.begin(), order.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  bool first = true;
  for (const auto& [unused, idx] : order) {
    const auto& [key, value] = entries[idx];
    if (LooselyEmpty(*value)) continue;
    if (!first) out += '&';
    first = false;
    out += key;
    out += '=';
    CanonInto(*value, out);
  }
}

void CanonInto(const json::value& v, std::string& out) {
  if (v.is_object()) {
    std::vector<std::pair<std::string, const json::value*>> entries;
    for (const auto& kv : v.get_object()) {
      entries.emplace_back(std::string(kv.key()), &kv.value());
    }
    CanonEntries(std::move(entries), out);
  } else if (v.is_array()) {
    std::vector<std::pair<std::string, const json::value*>> entries;
    const auto& arr = v.get_array();
    for (size_t i = 0; i < arr.size(); ++i) entries.emplace_back(std::to_string(i), &arr[i]);
    CanonEntries(std::move(entries), out);
  } else {
    out += JsString(v);
  }
}

}  // namespace

std::string Canonicalize(const json::value& value) {
  std::string out;
  CanonInto(value, out);
  return out;
}

std::string SignCanonical(std::string_view apikey, std::string_view canonical) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  size_t mac_len = 0;
  const char* digest = "SHA256";
  if (EVP_Q_mac(nullptr, "HMAC", nullptr, digest, nullptr, apikey.data(), apikey.size(),
                reinterpret_cast<const unsigned char*>(canonical.data()), canonical.size(), mac,
                sizeof(mac), &mac_len) == nullptr) {
    return "";  // only on allocation failure; the server then answers `sign error`
  }
  return Base64Encode(ByteView(mac, mac_len));
}

void SignBody(json::object& body, std::string_view appid, std::string_view apikey,
              int64_t timestamp_ms, std::string_view nonce) {
  body.erase("sign");
  body["appid"] = appid;
  body["timestamp"] = std::to_string(timestamp_ms);
  if (!nonce.empty()) body["nonce"] = nonce;
  // Exactly the fields the server signs; anything else in the body is ignored by it.
  // Same allocator as the body: a wiping one when the payload holds plaintexts.
  json::object signed_fields(body.storage());
  for (const char* k : {"appid", "nonce", "payload", "timestamp"}) {
    if (const json::value* v = body.if_contains(k)) signed_fields[k] = *v;
  }
  std::string canonical = Canonicalize(signed_fields);
  body["sign"] = SignCanonical(apikey, canonical);
  // The canonical string holds plaintext payload fields.
  internal::WipeString(canonical);
}

std::string NewNonce() {
  uint8_t raw[16];
  if (RAND_bytes(raw, sizeof(raw)) != 1) return "";
  return HexEncode(ByteView(raw, sizeof(raw)));
}

}  // namespace kms::client
