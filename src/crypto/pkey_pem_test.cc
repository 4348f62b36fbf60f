#include "crypto/pkey_pem.h"

#include <gtest/gtest.h>

#include <openssl/evp.h>

#include <string>

namespace kms::crypto {
namespace {

class PkeyPem : public ::testing::Test {
 protected:
  void SetUp() override {
    a_.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    b_.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
    ASSERT_NE(a_, nullptr);
    ASSERT_NE(b_, nullptr);
    a_pub_ = *EncodePublicKeyPem(*a_, PemStructure::kSubjectPublicKeyInfo);
    auto priv = EncodePrivateKeyPem(*a_, PemStructure::kTypeSpecific);
    ASSERT_TRUE(priv.ok());
    a_priv_ = std::string(AsChars(priv->view()));
    b_pub_ = *EncodePublicKeyPem(*b_, PemStructure::kSubjectPublicKeyInfo);
  }
  OsslPtr<EVP_PKEY> a_, b_;
  std::string a_pub_, a_priv_, b_pub_;
};

TEST_F(PkeyPem, EncodesRequestedStructures) {
  EXPECT_EQ(a_pub_.rfind("-----BEGIN PUBLIC KEY-----\n", 0), 0u);
  EXPECT_EQ(a_priv_.rfind("-----BEGIN EC PRIVATE KEY-----\n", 0), 0u);
  auto pkcs8 = EncodePrivateKeyPem(*a_, PemStructure::kPrivateKeyInfo);
  ASSERT_TRUE(pkcs8.ok());
  EXPECT_EQ(AsChars(pkcs8->view()).rfind("-----BEGIN PRIVATE KEY-----\n", 0), 0u);
}

TEST_F(PkeyPem, ParsesPublicPrivateAndBundle) {
  auto pub = ParseKeyPem(a_pub_);
  ASSERT_TRUE(pub.ok());
  EXPECT_FALSE(pub->has_private);
  EXPECT_EQ(EVP_PKEY_eq(pub->pkey.get(), a_.get()), 1);

  auto priv = ParseKeyPem(a_priv_);
  ASSERT_TRUE(priv.ok());
  EXPECT_TRUE(priv->has_private);

  auto both = ParseKeyPem(a_pub_ + a_priv_);
  ASSERT_TRUE(both.ok());
  EXPECT_TRUE(both->has_private);
  EXPECT_EQ(EVP_PKEY_eq(both->pkey.get(), a_.get()), 1);

  auto spaced = ParseKeyPem("\n  " + a_pub_ + "\r\n" + a_priv_ + "\n\n");
  EXPECT_TRUE(spaced.ok());
}

TEST_F(PkeyPem, PrivatePemEncodingNeedsPrivateKey) {
  auto pub = ParseKeyPem(a_pub_);
  ASSERT_TRUE(pub.ok());
  EXPECT_EQ(EncodePrivateKeyPem(*pub->pkey, PemStructure::kPrivateKeyInfo).status().code(),
            Code::kFailedPrecondition);
}

TEST_F(PkeyPem, RejectsMalformedOrInconsistentInput) {
  const std::string cert =
      "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  const std::string cases[] = {
      "",
      "   \n",
      "garbage",
      "garbage" + a_pub_,
      a_pub_ + "trailing",
      a_pub_ + a_pub_,                         // two public keys
      a_priv_ + a_priv_,                       // two private keys
      b_pub_ + a_priv_,                        // public key of another pair
      cert,                                    // unsupported label
      a_pub_.substr(0, a_pub_.size() - 10),    // truncated END line
      "-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----\n",  // not base64
      "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n",  // not a key
  };
  for (const auto& pem : cases) {
    EXPECT_EQ(ParseKeyPem(pem).status().code(), Code::kInvalidArgument) << pem;
  }
}

TEST_F(PkeyPem, JoinPemConcatenates) {
  auto priv = EncodePrivateKeyPem(*a_, PemStructure::kTypeSpecific);
  ASSERT_TRUE(priv.ok());
  SecretBytes joined = JoinPem(a_pub_, *priv);
  EXPECT_EQ(AsChars(joined.view()), a_pub_ + a_priv_);
}

}  // namespace
}  // namespace kms::crypto
