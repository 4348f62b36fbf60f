#include "protocol/js_value.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <cmath>
#include <limits>

namespace kms::protocol {
namespace {

namespace json = boost::json;

TEST(JsNumberToString, MatchesNumberPrototypeToString) {
  EXPECT_EQ(JsNumberToString(0.0), "0");
  EXPECT_EQ(JsNumberToString(-0.0), "0");
  EXPECT_EQ(JsNumberToString(16), "16");
  EXPECT_EQ(JsNumberToString(-1), "-1");
  EXPECT_EQ(JsNumberToString(1.5), "1.5");
  EXPECT_EQ(JsNumberToString(-1.5), "-1.5");
  EXPECT_EQ(JsNumberToString(100), "100");
  EXPECT_EQ(JsNumberToString(1e20), "100000000000000000000");
  EXPECT_EQ(JsNumberToString(1e21), "1e+21");
  EXPECT_EQ(JsNumberToString(1.5e21), "1.5e+21");
  EXPECT_EQ(JsNumberToString(123456789012345680000.0), "123456789012345680000");
  EXPECT_EQ(JsNumberToString(1e-6), "0.000001");
  EXPECT_EQ(JsNumberToString(1.5e-6), "0.0000015");
  EXPECT_EQ(JsNumberToString(1e-7), "1e-7");
  EXPECT_EQ(JsNumberToString(-1e-7), "-1e-7");
  EXPECT_EQ(JsNumberToString(1.23e-7), "1.23e-7");
  EXPECT_EQ(JsNumberToString(0.1), "0.1");
  EXPECT_EQ(JsNumberToString(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(JsNumberToString(123.456), "123.456");
  EXPECT_EQ(JsNumberToString(9007199254740993.0), "9007199254740992");
  EXPECT_EQ(JsNumberToString(18446744073709551616.0), "18446744073709552000");
  EXPECT_EQ(JsNumberToString(5e-324), "5e-324");
  EXPECT_EQ(JsNumberToString(1.7976931348623157e308), "1.7976931348623157e+308");
  EXPECT_EQ(JsNumberToString(std::numeric_limits<double>::infinity()), "Infinity");
  EXPECT_EQ(JsNumberToString(-std::numeric_limits<double>::infinity()), "-Infinity");
  EXPECT_EQ(JsNumberToString(std::numeric_limits<double>::quiet_NaN()), "NaN");
}

TEST(JsStringToNumber, DecimalForms) {
  EXPECT_EQ(JsStringToNumber("1700000000000"), 1700000000000.0);
  EXPECT_EQ(JsStringToNumber("  1700000000000\n"), 1700000000000.0);
  EXPECT_EQ(JsStringToNumber(""), 0.0);
  EXPECT_EQ(JsStringToNumber("   "), 0.0);
  EXPECT_EQ(JsStringToNumber("-12"), -12.0);
  EXPECT_EQ(JsStringToNumber("+12"), 12.0);
  EXPECT_EQ(JsStringToNumber("1.7e12"), 1.7e12);
  EXPECT_EQ(JsStringToNumber("17000000000E2"), 1.7e12);
  EXPECT_EQ(JsStringToNumber(".5"), 0.5);
  EXPECT_EQ(JsStringToNumber("5."), 5.0);
  EXPECT_EQ(JsStringToNumber("-Infinity"), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(JsStringToNumber("1e400"), std::numeric_limits<double>::infinity());
  EXPECT_EQ(JsStringToNumber("1e-400"), 0.0);
}

TEST(JsStringToNumber, RadixPrefixes) {
  EXPECT_EQ(JsStringToNumber("0x18BCFE56800"), 1700000000000.0);
  EXPECT_EQ(JsStringToNumber("0o17"), 15.0);
  EXPECT_EQ(JsStringToNumber("0b101"), 5.0);
  EXPECT_TRUE(std::isnan(JsStringToNumber("-0x10")));
  EXPECT_TRUE(std::isnan(JsStringToNumber("0x")));
  EXPECT_TRUE(std::isnan(JsStringToNumber("0b102")));
}

TEST(JsStringToNumber, GarbageIsNaN) {
  for (const char* s : {"abc", "12a", "1e", "1e+", ".", "+", "-", "--1", "1 2", "inf", "nan",
                        "Infinityx", "0x1g", "1,5", "١٢"}) {
    EXPECT_TRUE(std::isnan(JsStringToNumber(s))) << s;
  }
}

TEST(IsTruthy, FollowsJavaScript) {
  for (const char* t : {"null", "\"\"", "0", "-0", "0.0", "false"}) {
    EXPECT_FALSE(IsTruthy(json::parse(t))) << t;
  }
  for (const char* t : {"\"0\"", "\" \"", "1", "-1", "0.5", "true", "[]", "{}", "[0]"}) {
    EXPECT_TRUE(IsTruthy(json::parse(t))) << t;
  }
}

TEST(Utf16Length, CountsSurrogatePairsTwice) {
  EXPECT_EQ(Utf16Length(""), 0u);
  EXPECT_EQ(Utf16Length("abc"), 3u);
  EXPECT_EQ(Utf16Length("\xC3\xA9"), 1u);          // U+00E9
  EXPECT_EQ(Utf16Length("\xE4\xB8\xAD"), 1u);      // U+4E2D
  EXPECT_EQ(Utf16Length("\xF0\x9F\x98\x80"), 2u);  // U+1F600
  EXPECT_EQ(Utf16Length("a\xF0\x9F\x98\x80z"), 4u);
}

TEST(Utf16Less, AsciiOrder) {
  EXPECT_TRUE(Utf16Less("B", "Z"));
  EXPECT_TRUE(Utf16Less("Z", "_"));
  EXPECT_TRUE(Utf16Less("_", "a"));
  EXPECT_TRUE(Utf16Less("", "a"));
  EXPECT_TRUE(Utf16Less("a", "aa"));
  EXPECT_TRUE(Utf16Less("10", "2"));
  EXPECT_FALSE(Utf16Less("a", "a"));
}

TEST(Utf16Less, SupplementaryPlaneSortsBeforePrivateUseAndSpecials) {
  const std::string bmp_low = "\xE4\xB8\xAD";      // U+4E2D
  const std::string private_use = "\xEE\x80\x80";  // U+E000
  const std::string bmp_max = "\xEF\xBF\xBF";      // U+FFFF
  const std::string emoji = "\xF0\x9F\x98\x80";    // U+1F600 = D83D DE00
  const std::string clef = "\xF0\x9D\x84\x9E";     // U+1D11E = D834 DD1E
  EXPECT_TRUE(Utf16Less(bmp_low, emoji));
  EXPECT_TRUE(Utf16Less(emoji, private_use));
  EXPECT_TRUE(Utf16Less(emoji, bmp_max));
  EXPECT_TRUE(Utf16Less(clef, emoji));
  EXPECT_FALSE(Utf16Less(private_use, emoji));
  EXPECT_TRUE(Utf16Less("x" + emoji, "x" + bmp_max));
  EXPECT_TRUE(Utf16Less("\xC4\x80", emoji));  // U+0100
}

}  // namespace
}  // namespace kms::protocol
