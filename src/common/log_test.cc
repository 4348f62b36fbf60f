#include "common/log.h"

#include <gtest/gtest.h>

namespace kms::log {
namespace {

TEST(Log, PlainValuesAreBare) {
  EXPECT_EQ(FormatFields({{"a", "b"}, {"n", 42}}), " a=b n=42");
}

TEST(Log, ValuesThatWouldBreakParsingAreQuotedAndEscaped) {
  EXPECT_EQ(FormatFields({{"m", "two words"}}), " m=\"two words\"");
  EXPECT_EQ(FormatFields({{"m", "a=b"}}), " m=\"a=b\"");
  EXPECT_EQ(FormatFields({{"m", "x\"y\nz"}}), " m=\"x\\\"y\\nz\"");
  EXPECT_EQ(FormatFields({{"m", ""}}), " m=\"\"");
}

}  // namespace
}  // namespace kms::log
