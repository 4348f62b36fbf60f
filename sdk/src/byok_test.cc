#include "kms/byok.h"

#include <gtest/gtest.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <string>

namespace kms::client {
namespace {

struct KeyPair {
  EVP_PKEY* pkey = nullptr;
  ~KeyPair() { EVP_PKEY_free(pkey); }
};

std::string PublicPem(EVP_PKEY* pkey, const char* structure) {
  OSSL_ENCODER_CTX* ctx = OSSL_ENCODER_CTX_new_for_pkey(pkey, EVP_PKEY_PUBLIC_KEY, "PEM",
                                                        structure, nullptr);
  unsigned char* data = nullptr;
  size_t len = 0;
  EXPECT_EQ(OSSL_ENCODER_to_data(ctx, &data, &len), 1);
  OSSL_ENCODER_CTX_free(ctx);
  std::string pem(reinterpret_cast<char*>(data), len);
  OPENSSL_free(data);
  return pem;
}

Bytes RsaDecrypt(EVP_PKEY* pkey, ByteView ct, bool oaep) {
  EVP_PKEY_CTX* ctx = EVP_PKEY_CTX_new_from_pkey(nullptr, pkey, nullptr);
  EXPECT_EQ(EVP_PKEY_decrypt_init(ctx), 1);
  if (oaep) {
    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING);
    EVP_PKEY_CTX_set_rsa_oaep_md_name(ctx, "SHA256", nullptr);
    EVP_PKEY_CTX_set_rsa_mgf1_md_name(ctx, "SHA256", nullptr);
  } else {
    EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_PADDING);
  }
  Bytes out(512);
  size_t len = out.size();
  int rc = EVP_PKEY_decrypt(ctx, out.data(), &len, ct.data(), ct.size());
  EVP_PKEY_CTX_free(ctx);
  if (rc != 1) return {};
  out.resize(len);
  return out;
}

TEST(WrapKeyMaterial, OaepAndPkcs1DecryptWithThePrivateKey) {
  KeyPair kp;
  kp.pkey = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048});
  ASSERT_NE(kp.pkey, nullptr);
  Bytes raw(32);
  for (size_t i = 0; i < raw.size(); ++i) raw[i] = static_cast<uint8_t>(i);
  // The server sends PKCS#1 ("RSA PUBLIC KEY"); SPKI works as well.
  for (const char* structure : {"type-specific", "SubjectPublicKeyInfo"}) {
    std::string pem = PublicPem(kp.pkey, structure);
    auto oaep = WrapKeyMaterial(pem, raw, "EH_RSA_PKCS1_OAEP");
    ASSERT_TRUE(oaep.ok()) << structure << ": " << oaep.error().ToString();
    EXPECT_EQ(oaep->size(), 256u);
    EXPECT_EQ(RsaDecrypt(kp.pkey, *oaep, true), raw);
    EXPECT_TRUE(RsaDecrypt(kp.pkey, *oaep, false).empty());
    auto v15 = WrapKeyMaterial(pem, raw, "EH_RSA_PKCS1");
    ASSERT_TRUE(v15.ok());
    EXPECT_EQ(RsaDecrypt(kp.pkey, *v15, false), raw);
  }
}

TEST(WrapKeyMaterial, RejectsBadInputs) {
  EXPECT_EQ(WrapKeyMaterial("not a pem", ToBytes("k"), "EH_RSA_PKCS1_OAEP").error().kind(),
            ErrorKind::kInvalidArgument);
  EXPECT_EQ(WrapKeyMaterial("x", ToBytes("k"), "EH_PAD_NONE").error().kind(),
            ErrorKind::kInvalidArgument);
}

}  // namespace
}  // namespace kms::client
