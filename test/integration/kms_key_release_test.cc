// Attestation-gated key release end to end against the real binary: Decrypt, GenerateDataKey
// and GetSecretValue with a `recipient` block answer the plaintext only encrypted to the
// recipient's key (P-256 and RSA-3072), and refuse — without any plaintext — a quote that does
// not bind the key, does not match the policy, is broken, or names an unknown policy. In the sim
// backend the KMS's own platform plays the recipient enclave: its GenerateQuote over the
// publicKey text is the quote the recipient presents.

#include <openssl/evp.h>
#include <openssl/x509.h>

#include <boost/json/serialize.hpp>

#include "crypto/base64.h"
#include "crypto/ossl_ptr.h"
#include "crypto/recipient_wrap.h"
#include "kms_test_fixture.h"

namespace kms::testing {
namespace {

using boost::json::object;

constexpr char kMrEnclave[] = "70de1979095b7b85c18adefb1e1df55780e09ac3c1cc0e56a0df018a130b2fbd";
constexpr char kMrSigner[] = "c30446b4be9baf0f69728423ea613ef81a63e72acf7439fa0549001fd5482835";

std::string B64(std::string_view s) { return crypto::Base64Encode(AsBytes(s)); }

// A recipient's key pair and its publicKey field (base64 of the DER SubjectPublicKeyInfo).
struct RecipientKey {
  crypto::OsslPtr<EVP_PKEY> pkey;
  std::string public_key;
};

RecipientKey NewRecipientKey(bool rsa) {
  RecipientKey k;
  k.pkey.reset(rsa ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{3072})
                   : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  unsigned char* der = nullptr;
  int n = i2d_PUBKEY(k.pkey.get(), &der);
  k.public_key = crypto::Base64Encode(ByteView(der, n > 0 ? n : 0));
  OPENSSL_free(der);
  return k;
}

class KmsKeyRelease : public KmsFixture {
 protected:
  std::vector<std::string> extra_args_or(std::vector<std::string> extra) override {
    return WithSimAttestation(std::move(extra), kMrEnclave, kMrSigner);
  }
  void SetUp() override {
    KmsFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    client_->Enroll();
    auto up =
        client_->Call("UploadQuotePolicy", {{"mr_enclave", kMrEnclave}, {"mr_signer", kMrSigner}});
    policy_id_ = ResultString(up, "policyId");
    keyid_ = CreateKey("EH_AES_GCM_256");
  }

  // The quote the recipient enclave presents: report data = SHA-256(challenge text).
  std::string QuoteOver(const std::string& challenge) {
    auto r = client_->Call("GenerateQuote", {{"challenge", challenge}});
    EXPECT_EQ(CodeOf(r), 200) << MessageOf(r);
    return ResultString(r, "quote");
  }
  object Block(const RecipientKey& k, const std::string& quote, const std::string& policy) {
    return {{"quote", quote}, {"policyId", policy}, {"publicKey", k.public_key}};
  }
  // The plaintext the reply's `recipient` object carries, opened with the recipient's key.
  std::string Open(const RecipientKey& k, const boost::json::value& reply) {
    const auto* result = reply.as_object().if_contains("result");
    if (result == nullptr || !result->as_object().contains("recipient")) {
      ADD_FAILURE() << "no recipient in " << boost::json::serialize(reply);
      return "";
    }
    EXPECT_FALSE(result->as_object().contains("plaintext"));
    EXPECT_FALSE(result->as_object().contains("secretData"));
    const object& sealed = result->as_object().at("recipient").as_object();
    crypto::RecipientCiphertext c;
    c.algorithm = std::string(sealed.at("algorithm").as_string());
    c.ciphertext = *crypto::Base64Decode(sealed.at("ciphertext").as_string());
    if (const auto* e = sealed.if_contains("ephemeralPublicKey")) {
      c.ephemeral_public_key = *crypto::Base64Decode(e->as_string());
    }
    auto opened = crypto::DecryptAsRecipient(*k.pkey, c);
    EXPECT_TRUE(opened.ok()) << opened.status().ToString();
    return opened.ok() ? std::string(AsChars(opened->view())) : "";
  }
  std::string Ciphertext(const std::string& plaintext) {
    auto r = client_->Call("Encrypt", {{"keyid", keyid_}, {"plaintext", B64(plaintext)}});
    EXPECT_EQ(CodeOf(r), 200) << MessageOf(r);
    return ResultString(r, "ciphertext");
  }

  std::string policy_id_;
  std::string keyid_;
};

TEST_F(KmsKeyRelease, DecryptReleasesOnlyToTheAttestedP256Key) {
  RecipientKey k = NewRecipientKey(/*rsa=*/false);
  auto r = client_->Call("Decrypt", {{"keyid", keyid_},
                                     {"ciphertext", Ciphertext("the secret")},
                                     {"recipient", Block(k, QuoteOver(k.public_key), policy_id_)}});
  ASSERT_EQ(CodeOf(r), 200) << MessageOf(r);
  EXPECT_EQ(r.at("result").at("recipient").at("algorithm"), "ECDH-P256-HKDF-SHA256-AES256GCM");
  EXPECT_EQ(Open(k, r), "the secret");
}

TEST_F(KmsKeyRelease, GenerateDataKeyReleasesToAnRsaKeyAndTheCiphertextStillDecrypts) {
  RecipientKey k = NewRecipientKey(/*rsa=*/true);
  auto r = client_->Call("GenerateDataKey",
                         {{"keyid", keyid_},
                          {"keylen", 32},
                          {"recipient", Block(k, QuoteOver(k.public_key), policy_id_)}});
  ASSERT_EQ(CodeOf(r), 200) << MessageOf(r);
  EXPECT_EQ(r.at("result").at("recipient").at("algorithm"), "RSA-OAEP-SHA256");
  std::string data_key = Open(k, r);
  EXPECT_EQ(data_key.size(), 32u);
  auto plain =
      client_->Call("Decrypt", {{"keyid", keyid_}, {"ciphertext", ResultString(r, "ciphertext")}});
  ASSERT_EQ(CodeOf(plain), 200) << MessageOf(plain);
  EXPECT_EQ(ResultString(plain, "plaintext"), B64(data_key));
}

TEST_F(KmsKeyRelease, GetSecretValueReleasesToTheAttestedKey) {
  ASSERT_EQ(
      CodeOf(client_->Call("CreateSecret", {{"secretName", "db"}, {"secretData", "p@ssw0rd"}})),
      200);
  RecipientKey k = NewRecipientKey(/*rsa=*/false);
  auto r = client_->Call(
      "GetSecretValue",
      {{"secretName", "db"}, {"recipient", Block(k, QuoteOver(k.public_key), policy_id_)}});
  ASSERT_EQ(CodeOf(r), 200) << MessageOf(r);
  EXPECT_EQ(ResultString(r, "secretName"), "db");
  EXPECT_EQ(Open(k, r), "p@ssw0rd");
}

TEST_F(KmsKeyRelease, UntrustedRecipientsGetNoPlaintext) {
  RecipientKey k = NewRecipientKey(/*rsa=*/false);
  const std::string ct = Ciphertext("the secret");
  const std::string bound = QuoteOver(k.public_key);
  auto other_policy =
      ResultString(client_->Call("UploadQuotePolicy",
                                 {{"mr_enclave", std::string(64, '0')}, {"mr_signer", kMrSigner}}),
                   "policyId");
  Bytes tampered = *crypto::Base64Decode(bound);
  tampered[48 + 64] ^= 1;
  RecipientKey rsa2048;
  rsa2048.pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048}));
  {
    unsigned char* der = nullptr;
    int n = i2d_PUBKEY(rsa2048.pkey.get(), &der);
    rsa2048.public_key = crypto::Base64Encode(ByteView(der, n));
    OPENSSL_free(der);
  }

  struct Case {
    const char* what;
    object block;
    const char* message_part;
  };
  const Case cases[] = {
      {"quote over another challenge", Block(k, QuoteOver(B64("other")), policy_id_),
       "report data is not SHA-256 of its publicKey"},
      {"enclave not the policy's", Block(k, bound, other_policy), "MRENCLAVE"},
      {"tampered quote", Block(k, crypto::Base64Encode(tampered), policy_id_),
       "QuoteSignatureInvalid"},
      {"unknown policy", Block(k, bound, "0f5b6a7c-1d2e-4f30-8a41-b2c3d4e5f607"),
       "Invalid  policyId."},
      {"RSA-2048 key", Block(rsa2048, QuoteOver(rsa2048.public_key), policy_id_), "RSA-3072"},
      {"no publicKey", object{{"quote", bound}, {"policyId", policy_id_}}, "publicKey"},
  };
  for (const Case& c : cases) {
    auto r =
        client_->Call("Decrypt", {{"keyid", keyid_}, {"ciphertext", ct}, {"recipient", c.block}});
    EXPECT_EQ(CodeOf(r), 400) << c.what;
    EXPECT_NE(MessageOf(r).find(c.message_part), std::string::npos)
        << c.what << ": " << MessageOf(r);
    EXPECT_EQ(boost::json::serialize(r).find(B64("the secret")), std::string::npos) << c.what;
  }
  auto not_object =
      client_->Call("Decrypt", {{"keyid", keyid_}, {"ciphertext", ct}, {"recipient", "yes"}});
  EXPECT_EQ(CodeOf(not_object), 400);
}

}  // namespace
}  // namespace kms::testing
