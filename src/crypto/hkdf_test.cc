#include "crypto/hkdf.h"

#include <gtest/gtest.h>

#include "crypto/test_util.h"

namespace kms::crypto {
namespace {

using testing::Hex;

TEST(HkdfSha256, Rfc5869TestCase1) {
  auto okm = HkdfSha256(Bytes(22, 0x0b), Hex("000102030405060708090a0b0c"),
                        Hex("f0f1f2f3f4f5f6f7f8f9"), 42);
  ASSERT_TRUE(okm.ok()) << okm.status().ToString();
  EXPECT_EQ(HexEncode(okm->view()),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865");
}

TEST(HkdfSha256, Rfc5869TestCase3EmptySaltAndInfo) {
  auto okm = HkdfSha256(Bytes(22, 0x0b), {}, {}, 42);
  ASSERT_TRUE(okm.ok()) << okm.status().ToString();
  EXPECT_EQ(HexEncode(okm->view()),
            "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8");
}

TEST(HkdfSha256, LengthLimits) {
  EXPECT_EQ(HkdfSha256(Bytes(16, 1), {}, {}, 0).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(HkdfSha256(Bytes(16, 1), {}, {}, 8161).status().code(), Code::kInvalidArgument);
  auto max = HkdfSha256(Bytes(16, 1), {}, {}, 8160);
  ASSERT_TRUE(max.ok());
  EXPECT_EQ(max->size(), 8160u);
  // Output is a prefix-stable stream: a shorter request is a prefix of a longer one.
  auto short_okm = HkdfSha256(Bytes(16, 1), {}, {}, 50);
  ASSERT_TRUE(short_okm.ok());
  EXPECT_EQ(HexEncode(short_okm->view()), HexEncode(max->view().first(50)));
}

}  // namespace
}  // namespace kms::crypto
