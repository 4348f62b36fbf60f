#include "protocol/js_value.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <system_error>

namespace kms::protocol {
namespace {

bool IsJsAsciiSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

bool IsDigitIn(char c, int base) {
  if (base <= 10) return c >= '0' && c < '0' + base;
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int DigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return c - 'A' + 10;
}

// Parses a StrUnsignedDecimalLiteral (no sign, no "Infinity"); NaN if `s` is not one.
double ParseUnsignedDecimal(std::string_view s) {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  size_t i = 0;
  size_t int_digits = 0;
  size_t frac_digits = 0;
  while (i < s.size() && IsDigitIn(s[i], 10)) ++i, ++int_digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && IsDigitIn(s[i], 10)) ++i, ++frac_digits;
  }
  if (int_digits + frac_digits == 0) return kNaN;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    size_t exp_digits = 0;
    while (i < s.size() && IsDigitIn(s[i], 10)) ++i, ++exp_digits;
    if (exp_digits == 0) return kNaN;
  }
  if (i != s.size()) return kNaN;
  double value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec == std::errc::result_out_of_range) {
    // Out of range means overflow to Infinity or underflow to 0, as JavaScript rounds.
    std::string copy(s);
    return std::strtod(copy.c_str(), nullptr);
  }
  if (ec != std::errc() || ptr != s.data() + s.size()) return kNaN;
  return value;
}

}  // namespace

bool IsTruthy(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::null:
      return false;
    case boost::json::kind::bool_:
      return v.get_bool();
    case boost::json::kind::int64:
      return v.get_int64() != 0;
    case boost::json::kind::uint64:
      return v.get_uint64() != 0;
    case boost::json::kind::double_:
      return v.get_double() != 0 && !std::isnan(v.get_double());
    case boost::json::kind::string:
      return !v.get_string().empty();
    case boost::json::kind::array:
    case boost::json::kind::object:
      return true;
  }
  return false;
}

double JsonNumberAsDouble(const boost::json::value& v) {
  switch (v.kind()) {
    case boost::json::kind::int64:
      return static_cast<double>(v.get_int64());
    case boost::json::kind::uint64:
      return static_cast<double>(v.get_uint64());
    case boost::json::kind::double_:
      return v.get_double();
    default:
      return std::numeric_limits<double>::quiet_NaN();
  }
}

std::string JsNumberToString(double d) {
  if (std::isnan(d)) return "NaN";
  if (d == 0) return "0";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  std::string out;
  if (d < 0) {
    out.push_back('-');
    d = -d;
  }
  // Shortest round-trip digits d1.d2d3...e±x; JavaScript specifies the same digit string.
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), d, std::chars_format::scientific);
  std::string_view sci(buf, static_cast<size_t>(res.ptr - buf));
  size_t e_pos = sci.find('e');
  std::string digits;
  for (char c : sci.substr(0, e_pos)) {
    if (c != '.') digits.push_back(c);
  }
  int exp10 = 0;
  std::string_view exp_text = sci.substr(e_pos + 1);
  if (!exp_text.empty() && exp_text[0] == '+') exp_text.remove_prefix(1);
  std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exp10);
  const int k = static_cast<int>(digits.size());
  const int n = exp10 + 1;  // the decimal point sits after n digits
  if (k <= n && n <= 21) {
    out += digits;
    out.append(static_cast<size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out.append(digits, 0, static_cast<size_t>(n));
    out.push_back('.');
    out.append(digits, static_cast<size_t>(n), std::string::npos);
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(static_cast<size_t>(-n), '0');
    out += digits;
  } else {
    out.push_back(digits[0]);
    if (k > 1) {
      out.push_back('.');
      out.append(digits, 1, std::string::npos);
    }
    out.push_back('e');
    out.push_back(n - 1 >= 0 ? '+' : '-');
    out += std::to_string(std::abs(n - 1));
  }
  return out;
}

double JsStringToNumber(std::string_view s) {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  while (!s.empty() && IsJsAsciiSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsJsAsciiSpace(s.back())) s.remove_suffix(1);
  if (s.empty()) return 0;
  if (s.size() > 2 && s[0] == '0') {
    int base = 0;
    switch (s[1]) {
      case 'x':
      case 'X':
        base = 16;
        break;
      case 'o':
      case 'O':
        base = 8;
        break;
      case 'b':
      case 'B':
        base = 2;
        break;
      default:
        break;
    }
    if (base != 0) {
      double value = 0;
      for (char c : s.substr(2)) {
        if (!IsDigitIn(c, base)) return kNaN;
        value = value * base + DigitValue(c);
      }
      return value;
    }
  }
  double sign = 1;
  if (s[0] == '+' || s[0] == '-') {
    if (s[0] == '-') sign = -1;
    s.remove_prefix(1);
  }
  if (s == "Infinity") return sign * std::numeric_limits<double>::infinity();
  return sign * ParseUnsignedDecimal(s);
}

size_t Utf16Length(std::string_view utf8) {
  // ASCII prefix, 8 bytes at a time: request fields are mostly base64, one unit per byte.
  size_t i = 0;
  for (; i + 8 <= utf8.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, utf8.data() + i, 8);
    if (w & 0x8080808080808080ULL) break;
  }
  size_t units = i;
  for (unsigned char c : utf8.substr(i)) {
    if ((c & 0xC0) != 0x80) ++units;  // every lead byte starts one code point
    if (c >= 0xF0) ++units;           // four-byte sequences need a surrogate pair
  }
  return units;
}

bool Utf16Less(std::string_view a, std::string_view b) {
  // UTF-8 byte order is code point order. Only the lead bytes 0xEE/0xEF (U+E000..U+FFFF) must
  // move above 0xF0..0xF4 (supplementary planes); swapping them with the never-valid
  // 0xFE/0xFF keeps the byte map a bijection, so the result stays a strict total order.
  auto rank = [](char ch) -> unsigned {
    unsigned c = static_cast<unsigned char>(ch);
    if (c == 0xEE || c == 0xEF) return c + 0x10;
    if (c == 0xFE || c == 0xFF) return c - 0x10;
    return c;
  };
  return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(),
                                      [&](char x, char y) { return rank(x) < rank(y); });
}

}  // namespace kms::protocol
