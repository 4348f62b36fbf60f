#pragma once
// The few JavaScript value semantics the eHSM wire contract depends on, applied to Boost.JSON
// values: truthiness, String(number), Number(string), string length and default sort order.
// The upstream service is JavaScript, so signatures and validation results are only
// reproducible when these match it exactly. All functions are pure and thread-safe.

#include <boost/json/value.hpp>
#include <cstddef>
#include <string>
#include <string_view>

namespace kms::protocol {

// JavaScript truthiness of a JSON value: false for null, "", 0, -0 and false; true otherwise
// (including empty objects and arrays).
bool IsTruthy(const boost::json::value& v);

// The numeric value of a JSON number as JavaScript sees it (integers beyond 2^53 are rounded to
// the nearest double, as JSON.parse does). REQUIRES: v.is_number().
double JsonNumberAsDouble(const boost::json::value& v);

// Number.prototype.toString() for radix 10: shortest round-trip digits, plain notation for
// 1e-7 < |d| < 1e21 ("16", "1.5", "0.000001"), exponent notation otherwise ("1e+21", "1e-7",
// "1.5e-10"); "NaN", "Infinity", "-Infinity"; -0 gives "0".
std::string JsNumberToString(double d);

// JavaScript Number(s) for a string: surrounding ASCII whitespace ignored, "" -> 0, decimal
// literals with optional sign, fraction and exponent, "Infinity", and unsigned 0x/0o/0b
// integer literals; anything else -> NaN. Unicode whitespace is not trimmed (such a string
// yields NaN, i.e. it is rejected, where JavaScript would accept it).
double JsStringToNumber(std::string_view s);

// The JavaScript `length` (UTF-16 code units) of a UTF-8 string: code points above U+FFFF
// count twice.
size_t Utf16Length(std::string_view utf8);

// JavaScript's default Array.prototype.sort order on strings: ascending UTF-16 code units.
// For UTF-8 input this is code point order, except that U+E000..U+FFFF sort after the
// supplementary planes (whose surrogates are 0xD800..0xDFFF). Total order for any bytes.
bool Utf16Less(std::string_view a, std::string_view b);

}  // namespace kms::protocol
