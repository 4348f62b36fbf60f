#include "protocol/json_parse.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace kms::protocol {
namespace {

double ParseNumber(const std::string& text) {
  auto v = ParseJson("[" + text + "]");
  EXPECT_TRUE(v.ok()) << text;
  return v->as_array()[0].as_double();
}

TEST(ParseJson, DecimalsAreCorrectlyRounded) {
  // Each of these is rounded to a neighbouring double by Boost.JSON 1.81's own parser.
  EXPECT_EQ(ParseNumber("4.963728e-18"), 4.963728e-18);
  EXPECT_EQ(ParseNumber("752.00258e-18"), 752.00258e-18);
  EXPECT_EQ(ParseNumber("200258192034.0885016e2"), 200258192034.0885016e2);
  EXPECT_EQ(ParseNumber("0.1"), 0.1);
  EXPECT_EQ(ParseNumber("-1.5"), -1.5);
}

TEST(ParseJson, OutOfRangeBehavesLikeJsonParse) {
  EXPECT_EQ(ParseNumber("1e400"), INFINITY);
  EXPECT_EQ(ParseNumber("-1e400"), -INFINITY);
  EXPECT_EQ(ParseNumber("1e-400"), 0.0);
  EXPECT_TRUE(std::signbit(ParseNumber("-1e-400")));
  EXPECT_EQ(ParseNumber("18446744073709551616"), 18446744073709551616.0);
}

TEST(ParseJson, IntegersStayIntegers) {
  auto v = ParseJson(R"({"a":-5,"b":18446744073709551615,"c":32.0})");
  ASSERT_TRUE(v.ok());
  EXPECT_TRUE(v->at("a").is_int64());
  EXPECT_TRUE(v->at("b").is_uint64());
  EXPECT_TRUE(v->at("c").is_double());
}

TEST(ParseJson, LastDuplicateKeyWins) {
  auto v = ParseJson(R"({"a":1,"b":2,"a":3})");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->as_object().size(), 2u);
  EXPECT_EQ(v->at("a").as_int64(), 3);
}

TEST(ParseJson, RejectsMalformedInput) {
  for (const char* bad : {"", " ", "{", "{\"a\":}", "{} x", "{}{}", "[1,]", "{'a':1}",
                          "\"\\ud800\"", "\"\xff\"", "01", "NaN", "[1e]", "// c\n{}"}) {
    auto v = ParseJson(bad);
    ASSERT_FALSE(v.ok()) << bad;
    EXPECT_EQ(v.status().code(), Code::kInvalidArgument);
    EXPECT_EQ(v.status().message(), "Invalid JSON");
  }
}

TEST(ParseJson, AcceptsSurroundingWhitespaceAndNonObjectTopLevel) {
  EXPECT_TRUE(ParseJson(" \n{}\t ").ok());
  EXPECT_TRUE(ParseJson("[]").ok());
  EXPECT_TRUE(ParseJson("\"x\"").ok());
}

TEST(ParseJson, DepthIsLimited) {
  std::string deep(40, '[');
  deep += std::string(40, ']');
  EXPECT_FALSE(ParseJson(deep).ok());
  EXPECT_TRUE(ParseJson(deep, {}, {.max_depth = 64}).ok());
}

}  // namespace
}  // namespace kms::protocol
