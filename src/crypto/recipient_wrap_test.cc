// Encryption to a recipient key: both algorithms round trip with the recipient's private key,
// fail with another key or a changed byte, and unsuitable keys and oversize RSA plaintexts
// are refused.

#include "crypto/recipient_wrap.h"

#include <gtest/gtest.h>
#include <openssl/x509.h>

#include "crypto/ossl_ptr.h"

namespace kms::crypto {
namespace {

OsslPtr<EVP_PKEY> NewKey(const char* type, const char* param) {
  if (std::string_view(type) == "RSA")
    return OsslPtr<EVP_PKEY>(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{3072}));
  return OsslPtr<EVP_PKEY>(EVP_PKEY_Q_keygen(nullptr, nullptr, type, param));
}

Bytes Spki(EVP_PKEY& key) {
  unsigned char* out = nullptr;
  int n = i2d_PUBKEY(&key, &out);
  Bytes der(out, out + (n > 0 ? n : 0));
  OPENSSL_free(out);
  return der;
}

class RecipientWrap : public ::testing::TestWithParam<const char*> {
 protected:
  OsslPtr<EVP_PKEY> Key() { return NewKey(GetParam(), "P-256"); }
};

TEST_P(RecipientWrap, RoundTripsOnlyWithTheRecipientsKey) {
  auto key = Key();
  auto other = Key();
  ASSERT_NE(key, nullptr);
  const Bytes plaintext = ToBytes("a data key of thirty-two bytes!!");
  auto c = EncryptToRecipient(Spki(*key), plaintext);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  const bool rsa = std::string_view(GetParam()) == "RSA";
  EXPECT_EQ(c->algorithm, rsa ? kRecipientRsaOaep : kRecipientEcdhAesGcm);
  EXPECT_EQ(c->ephemeral_public_key.empty(), rsa);
  auto opened = DecryptAsRecipient(*key, *c);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(Bytes(opened->view().begin(), opened->view().end()), plaintext);

  EXPECT_EQ(DecryptAsRecipient(*other, *c).status().code(), Code::kDataLoss);
  for (size_t i : {size_t{0}, c->ciphertext.size() / 2, c->ciphertext.size() - 1}) {
    RecipientCiphertext changed{c->algorithm, c->ciphertext, c->ephemeral_public_key};
    changed.ciphertext[i] ^= 1;
    EXPECT_EQ(DecryptAsRecipient(*key, changed).status().code(), Code::kDataLoss) << i;
  }
}

TEST_P(RecipientWrap, EveryCallUsesFreshRandomness) {
  auto key = Key();
  auto a = EncryptToRecipient(Spki(*key), ToBytes("x"));
  auto b = EncryptToRecipient(Spki(*key), ToBytes("x"));
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->ciphertext, b->ciphertext);
}

INSTANTIATE_TEST_SUITE_P(Keys, RecipientWrap, ::testing::Values("RSA", "EC"));

TEST(RecipientWrapKeys, OnlyRsa3072AndP256AreAccepted) {
  auto rsa2048 = OsslPtr<EVP_PKEY>(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048}));
  auto p384 = NewKey("EC", "P-384");
  EXPECT_EQ(CheckRecipientKey(Spki(*rsa2048)).code(), Code::kInvalidArgument);
  EXPECT_EQ(CheckRecipientKey(Spki(*p384)).code(), Code::kInvalidArgument);
  EXPECT_EQ(CheckRecipientKey(ToBytes("not a key")).code(), Code::kInvalidArgument);
  Bytes trailing = Spki(*NewKey("EC", "P-256"));
  EXPECT_TRUE(CheckRecipientKey(trailing).ok());
  trailing.push_back(0);
  EXPECT_EQ(CheckRecipientKey(trailing).code(), Code::kInvalidArgument);
}

TEST(RecipientWrapKeys, RsaPlaintextIsBoundedByOaep) {
  auto key = NewKey("RSA", nullptr);
  EXPECT_TRUE(EncryptToRecipient(Spki(*key), Bytes(318, 7)).ok());
  auto too_long = EncryptToRecipient(Spki(*key), Bytes(319, 7));
  EXPECT_EQ(too_long.status().code(), Code::kInvalidArgument);
  EXPECT_NE(too_long.status().message().find("P-256"), std::string::npos);
}

}  // namespace
}  // namespace kms::crypto
