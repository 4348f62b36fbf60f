#include "keys/symmetric_cipher.h"

#include <gtest/gtest.h>

#include <numeric>

#include "crypto/base64.h"

namespace kms::keys {
namespace {

SecretBytes Seq(uint8_t from, size_t n) {
  Bytes b(n);
  std::iota(b.begin(), b.end(), from);
  return SecretBytes(b);
}

std::unique_ptr<SymmetricCipher> Cipher(KeySpec spec) {
  return std::move(SymmetricCipher::New(spec, Seq(0, SymmetricKeySize(spec)))).value();
}

std::string Plain(const StatusOr<SecretBytes>& r) {
  return r.ok() ? std::string(AsChars(r->view())) : "<" + r.status().ToString() + ">";
}

// The vectors of the eHSM API contract (§3.2): fixed IVs, so these pin the byte layouts.
TEST(SymmetricCipher, DecryptsContractVectors) {
  auto aes = Cipher(KeySpec::kAesGcm256);
  auto ct = crypto::Base64Decode("L2e6d6rFtXT/LfMAAQIDBAUGBwgJCguyuulya2q7J3qnPA2PBoWE");
  ASSERT_TRUE(ct.ok());
  EXPECT_EQ(ct->size(), 39u);
  EXPECT_EQ(Plain(aes->Decrypt(*ct, AsBytes("challenge"))), "hello world");
  EXPECT_FALSE(aes->Decrypt(*ct, AsBytes("other")).ok());

  auto cbc = Cipher(KeySpec::kSm4Cbc);
  EXPECT_EQ(Plain(cbc->Decrypt(*crypto::Base64Decode(
                                   "vYZYzOkg82jVYv69La5mqBAREhMUFRYXGBkaGxwdHh8="),
                               {})),
            "hello world");
  auto ctr = Cipher(KeySpec::kSm4Ctr);
  EXPECT_EQ(
      Plain(ctr->Decrypt(*crypto::Base64Decode("z109xixhnge1cbwQERITFBUWFxgZGhscHR4f"), {})),
      "hello world");
}

TEST(SymmetricCipher, LayoutSizes) {
  Bytes pt(100, 'x');
  EXPECT_EQ(Cipher(KeySpec::kAesGcm128)->Encrypt(pt, {})->size(), 100u + 28);
  EXPECT_EQ(Cipher(KeySpec::kAesGcm192)->Encrypt(pt, {})->size(), 100u + 28);
  EXPECT_EQ(Cipher(KeySpec::kSm4Ctr)->Encrypt(pt, {})->size(), 100u + 16);
  EXPECT_EQ(Cipher(KeySpec::kSm4Cbc)->Encrypt(pt, {})->size(), 112u + 16);
  EXPECT_EQ(Cipher(KeySpec::kSm4Cbc)->Encrypt(Bytes(16, 'x'), {})->size(), 32u + 16);
}

TEST(SymmetricCipher, RoundTripsEveryKeyspecAndLength) {
  for (KeySpec spec : {KeySpec::kAesGcm128, KeySpec::kAesGcm192, KeySpec::kAesGcm256,
                       KeySpec::kSm4Ctr, KeySpec::kSm4Cbc}) {
    auto c = Cipher(spec);
    for (size_t n : {1, 15, 16, 17, 31, 32, 33, 1000, 6144}) {
      Bytes pt(n);
      std::iota(pt.begin(), pt.end(), 3);
      auto ct = c->Encrypt(pt, AsBytes("aad"));
      ASSERT_TRUE(ct.ok());
      auto back = c->Decrypt(*ct, AsBytes("aad"));
      ASSERT_TRUE(back.ok()) << Name(spec) << " " << n;
      EXPECT_EQ(Bytes(back->view().begin(), back->view().end()), pt);
    }
  }
}

TEST(SymmetricCipher, FreshIvEveryCall) {
  auto c = Cipher(KeySpec::kAesGcm256);
  EXPECT_NE(*c->Encrypt(AsBytes("same"), {}), *c->Encrypt(AsBytes("same"), {}));
}

TEST(SymmetricCipher, GcmRejectsEveryBitFlip) {
  auto c = Cipher(KeySpec::kAesGcm128);
  auto ct = c->Encrypt(AsBytes("payload"), AsBytes("a"));
  for (size_t i = 0; i < ct->size() * 8; ++i) {
    Bytes t = *ct;
    t[i / 8] ^= static_cast<uint8_t>(1u << (i % 8));
    EXPECT_EQ(c->Decrypt(t, AsBytes("a")).status().code(), Code::kDataLoss) << i;
  }
}

TEST(SymmetricCipher, ShortCiphertextsFailWithOneMessage) {
  for (KeySpec spec : {KeySpec::kAesGcm256, KeySpec::kSm4Ctr, KeySpec::kSm4Cbc}) {
    auto c = Cipher(spec);
    for (size_t n : {0, 1, 16, 28}) {
      auto r = c->Decrypt(Bytes(n, 0), {});
      if (spec == KeySpec::kSm4Ctr && n > 16) continue;  // CTR has no integrity
      EXPECT_EQ(r.status().code(), Code::kDataLoss) << Name(spec) << " " << n;
      EXPECT_EQ(r.status().message(), "decryption failed");
    }
  }
}

TEST(SymmetricCipher, WrongMaterialSizeIsRefused) {
  EXPECT_FALSE(SymmetricCipher::New(KeySpec::kAesGcm256, SecretBytes(16)).ok());
  EXPECT_FALSE(SymmetricCipher::New(KeySpec::kRsa2048, SecretBytes(16)).ok());
}

}  // namespace
}  // namespace kms::keys
