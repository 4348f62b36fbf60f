#include "common/bytes.h"

#include <gtest/gtest.h>

namespace kms {
namespace {

TEST(Hex, RoundTripsEveryByteValue) {
  Bytes all(256);
  for (int i = 0; i < 256; ++i) all[i] = static_cast<uint8_t>(i);
  std::string hex = HexEncode(all);
  EXPECT_EQ(hex.substr(0, 8), "00010203");
  EXPECT_EQ(hex.substr(hex.size() - 4), "feff");
  EXPECT_EQ(HexDecode(hex), all);
}

TEST(Hex, DecodeAcceptsEitherCase) {
  EXPECT_EQ(HexDecode("aBcD"), (Bytes{0xab, 0xcd}));
  EXPECT_EQ(HexDecode(""), Bytes{});
}

TEST(Hex, DecodeRefusesOddLengthAndNonDigits) {
  EXPECT_FALSE(HexDecode("abc"));
  EXPECT_FALSE(HexDecode("0g"));
  EXPECT_FALSE(HexDecode("g0"));
  EXPECT_FALSE(HexDecode(" 0"));
  EXPECT_FALSE(HexDecode("0x00"));
}

}  // namespace
}  // namespace kms
