#include "crypto/siphash.h"

#include <gtest/gtest.h>

#include <set>

namespace kms::crypto {
namespace {

SipHashKey SequentialKey() {
  SipHashKey k;
  for (size_t i = 0; i < k.size(); ++i) k[i] = static_cast<uint8_t>(i);
  return k;
}

// Reference vectors of the SipHash paper / reference implementation (key 00..0f, message
// 00..(n-1)), read as little-endian 64-bit values.
TEST(SipHash24, ReferenceVectors) {
  Bytes msg;
  EXPECT_EQ(SipHash24(SequentialKey(), msg), 0x726fdb47dd0e0e31ULL);
  for (uint8_t i = 0; i < 15; ++i) msg.push_back(i);
  EXPECT_EQ(SipHash24(SequentialKey(), msg), 0xa129ca6149be45e5ULL);
  msg.resize(8);
  EXPECT_EQ(SipHash24(SequentialKey(), msg), 0x93f5f5799a932462ULL);
}

TEST(SipHash24, KeyAndEveryByteMatter) {
  Bytes msg(24, 0x5a);
  SipHashKey other = SequentialKey();
  other[15] ^= 1;
  EXPECT_NE(SipHash24(SequentialKey(), msg), SipHash24(other, msg));
  std::set<uint64_t> seen = {SipHash24(SequentialKey(), msg)};
  for (size_t i = 0; i < msg.size(); ++i) {
    Bytes flipped = msg;
    flipped[i] ^= 0x01;
    EXPECT_TRUE(seen.insert(SipHash24(SequentialKey(), flipped)).second) << i;
  }
}

}  // namespace
}  // namespace kms::crypto
