#include "crypto/sm4.h"

#include <gtest/gtest.h>

#include "crypto/base64.h"
#include "crypto/test_util.h"

namespace kms::crypto {
namespace {

using testing::Hex;

Bytes Seq(uint8_t first, size_t n) {
  Bytes b(n);
  for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(first + i);
  return b;
}

Bytes Concat(ByteView a, ByteView b) {
  Bytes out(a.begin(), a.end());
  out.insert(out.end(), b.begin(), b.end());
  return out;
}

// GB/T 32907-2016 Appendix A.1 single-block example.
const Bytes kGbKey = Hex("0123456789abcdeffedcba9876543210");
const Bytes kGbCipher = Hex("681edf34d206965e86b3e94f536e4246");

TEST(Sm4, GbtKnownAnswerThroughCbcWithZeroIv) {
  // With a zero IV the first CBC block is the raw block cipher output (ECB).
  auto ct = Sm4CbcEncrypt(kGbKey, Bytes(16, 0), kGbKey);
  ASSERT_TRUE(ct.ok());
  ASSERT_EQ(ct->size(), 32u);
  EXPECT_EQ(HexEncode(ByteView(*ct).first(16)), HexEncode(kGbCipher));
}

TEST(Sm4, GbtKnownAnswerThroughCtr) {
  // CTR's first keystream block is E(IV); XOR with zeros exposes it.
  auto ct = Sm4CtrEncrypt(kGbKey, kGbKey, Bytes(16, 0));
  ASSERT_TRUE(ct.ok());
  EXPECT_EQ(HexEncode(*ct), HexEncode(kGbCipher));
}

// The eHSM wire vectors: base64(C || IV), key 00..0f, IV 10..1f, plaintext "hello world".
TEST(Sm4, EhsmCbcWireVector) {
  Bytes key = Seq(0, 16), iv = Seq(0x10, 16);
  auto ct = Sm4CbcEncrypt(key, iv, AsBytes("hello world"));
  ASSERT_TRUE(ct.ok());
  EXPECT_EQ(Base64Encode(Concat(*ct, iv)), "vYZYzOkg82jVYv69La5mqBAREhMUFRYXGBkaGxwdHh8=");
  auto pt = Sm4CbcDecrypt(key, iv, *ct);
  ASSERT_TRUE(pt.ok());
  EXPECT_EQ(AsChars(pt->view()), "hello world");
}

TEST(Sm4, EhsmCtrWireVector) {
  Bytes key = Seq(0, 16), iv = Seq(0x10, 16);
  auto ct = Sm4CtrEncrypt(key, iv, AsBytes("hello world"));
  ASSERT_TRUE(ct.ok());
  EXPECT_EQ(Base64Encode(Concat(*ct, iv)), "z109xixhnge1cbwQERITFBUWFxgZGhscHR4f");
  auto pt = Sm4CtrDecrypt(key, iv, *ct);
  ASSERT_TRUE(pt.ok());
  EXPECT_EQ(AsChars(pt->view()), "hello world");
}

TEST(Sm4, RoundTripsAllLengths) {
  Bytes key = Seq(3, 16), iv = Seq(7, 16);
  for (size_t n = 0; n <= 70; ++n) {
    Bytes pt = Seq(static_cast<uint8_t>(n), n);
    auto cbc = Sm4CbcEncrypt(key, iv, pt);
    ASSERT_TRUE(cbc.ok());
    EXPECT_EQ(cbc->size(), (n / 16 + 1) * 16);
    auto back = Sm4CbcDecrypt(key, iv, *cbc);
    ASSERT_TRUE(back.ok()) << n;
    EXPECT_EQ(Bytes(back->view().begin(), back->view().end()), pt);

    auto ctr = Sm4CtrEncrypt(key, iv, pt);
    ASSERT_TRUE(ctr.ok());
    EXPECT_EQ(ctr->size(), n);
    auto back2 = Sm4CtrDecrypt(key, iv, *ctr);
    ASSERT_TRUE(back2.ok());
    EXPECT_EQ(Bytes(back2->view().begin(), back2->view().end()), pt);
  }
}

TEST(Sm4, RejectsWrongKeyAndIvSizes) {
  for (size_t n : {0, 1, 15, 17, 24, 32}) {
    EXPECT_EQ(Sm4CtrEncrypt(Bytes(n), Bytes(16), {}).status().code(), Code::kInvalidArgument);
    EXPECT_EQ(Sm4CtrDecrypt(Bytes(16), Bytes(n), {}).status().code(), Code::kInvalidArgument);
    EXPECT_EQ(Sm4CbcEncrypt(Bytes(n), Bytes(16), {}).status().code(), Code::kInvalidArgument);
    EXPECT_EQ(Sm4CbcDecrypt(Bytes(16), Bytes(n), Bytes(16)).status().code(),
              Code::kInvalidArgument);
  }
}

TEST(Sm4, CbcRejectsBadLengths) {
  for (size_t n : {0, 1, 15, 17, 31, 33}) {
    EXPECT_EQ(Sm4CbcDecrypt(Bytes(16), Bytes(16), Bytes(n)).status().code(), Code::kDataLoss) << n;
  }
}

TEST(Sm4, CbcRejectsBadPadding) {
  Bytes key = Seq(0, 16), iv = Seq(0x10, 16);
  // Dropping the padding block leaves a ciphertext whose last plaintext byte is 0x00.
  auto ct = Sm4CbcEncrypt(key, iv, Bytes(16, 0));
  ASSERT_TRUE(ct.ok());
  EXPECT_EQ(Sm4CbcDecrypt(key, iv, ByteView(*ct).first(16)).status().code(), Code::kDataLoss);
  // And one whose last plaintext byte is 0x11, above the block size.
  Bytes block(16, 0x11);
  auto ct2 = Sm4CbcEncrypt(key, iv, block);
  ASSERT_TRUE(ct2.ok());
  EXPECT_EQ(Sm4CbcDecrypt(key, iv, ByteView(*ct2).first(16)).status().code(), Code::kDataLoss);
}

}  // namespace
}  // namespace kms::crypto
