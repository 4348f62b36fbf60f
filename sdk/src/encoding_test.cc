#include "kms/encoding.h"

#include <gtest/gtest.h>

namespace kms::client {
namespace {

TEST(Base64, RoundTripsEveryLength) {
  Bytes data;
  for (int n = 0; n < 40; ++n) {
    auto decoded = Base64Decode(Base64Encode(data));
    ASSERT_TRUE(decoded.has_value()) << n;
    EXPECT_EQ(*decoded, data);
    data.push_back(static_cast<uint8_t>(n * 37 + 11));
  }
}

TEST(Base64, KnownValues) {
  EXPECT_EQ(Base64Encode(AsBytes("hello world")), "aGVsbG8gd29ybGQ=");
  EXPECT_EQ(Base64Encode(AsBytes("")), "");
  EXPECT_EQ(*Base64Decode("aGVsbG8gd29ybGQ=\n"), ToBytes("hello world"));
}

TEST(Base64, RejectsMalformedText) {
  for (const char* bad : {"a", "abc", "ab=c", "a===", "ab-_", "ab==cd==", "=abc", "ab c"}) {
    EXPECT_FALSE(Base64Decode(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace kms::client
