#include <gtest/gtest.h>

#include "crypto/rsa.h"
#include "crypto/sm2.h"
#include "keys/vault_test_fixture.h"

namespace kms::keys {
namespace {

using VaultAsym = VaultTest;

const SignParams kRsaPss{DigestMode::kSha256, PaddingMode::kRsaPkcs1Pss, MessageType::kRaw};
const SignParams kPlain{DigestMode::kSha256, PaddingMode::kNone, MessageType::kRaw};

std::string Str(const SecretBytes& s) { return std::string(AsChars(s.view())); }

TEST_F(VaultAsym, CreatesEveryAsymmetricKeyspecWithEitherUsage) {
  for (KeySpec spec : {KeySpec::kRsa2048, KeySpec::kEcP224, KeySpec::kEcP256, KeySpec::kEcP256K,
                       KeySpec::kEcP384, KeySpec::kEcP521, KeySpec::kSm2}) {
    for (KeyUsage usage : {KeyUsage::kEncryptDecrypt, KeyUsage::kSignVerify}) {
      StoredKey k = Create(spec, usage);
      auto pem = vault_->GetPublicKey(k.ref());
      ASSERT_TRUE(pem.ok()) << Name(spec) << " " << pem.status().ToString();
      EXPECT_NE(pem->find("-----BEGIN"), std::string::npos);
    }
  }
}

TEST_F(VaultAsym, EncryptDecryptWithRsaAndSm2) {
  for (KeySpec spec : {KeySpec::kRsa2048, KeySpec::kSm2}) {
    StoredKey k = Create(spec);
    for (PaddingMode p : {PaddingMode::kRsaPkcs1, PaddingMode::kRsaPkcs1Oaep}) {
      auto ct = vault_->AsymmetricEncrypt(k.ref(), p, AsBytes("payload"));
      ASSERT_TRUE(ct.ok()) << ct.status().ToString();
      auto pt = vault_->AsymmetricDecrypt(k.ref(), p, *ct);
      ASSERT_TRUE(pt.ok()) << pt.status().ToString();
      EXPECT_EQ(Str(*pt), "payload");
    }
  }
}

TEST_F(VaultAsym, UsageRulesNameKeyspecUsageAndNeed) {
  StoredKey rsa_sign = Create(KeySpec::kRsa2048, KeyUsage::kSignVerify);
  auto enc = vault_->AsymmetricEncrypt(rsa_sign.ref(), PaddingMode::kRsaPkcs1, AsBytes("x"));
  EXPECT_EQ(enc.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(enc.status().message(),
            "AsymmetricEncrypt needs an RSA or SM2 key with usage EH_KEYUSAGE_ENCRYPT_DECRYPT; "
            "keyid has keyspec EH_RSA_2048 and usage EH_KEYUSAGE_SIGN_VERIFY");

  StoredKey ec_enc = Create(KeySpec::kEcP256, KeyUsage::kEncryptDecrypt);
  auto ec = vault_->AsymmetricEncrypt(ec_enc.ref(), PaddingMode::kNone, AsBytes("x"));
  EXPECT_EQ(ec.status().code(), Code::kInvalidArgument);
  EXPECT_NE(ec.status().message().find("EH_EC_P256"), std::string::npos);
  auto sign = vault_->Sign(ec_enc.ref(), kPlain, AsBytes("x"));
  EXPECT_EQ(sign.status().code(), Code::kInvalidArgument);
  EXPECT_NE(sign.status().message().find("EH_KEYUSAGE_SIGN_VERIFY"), std::string::npos);

  StoredKey aes = Create(KeySpec::kAesGcm256);
  for (auto s : {vault_->GetPublicKey(aes.ref()).status(),
                 vault_->Sign(aes.ref(), kPlain, AsBytes("x")).status(),
                 vault_->Verify(aes.ref(), kPlain, AsBytes("x"), Bytes(8)).status(),
                 vault_->AsymmetricDecrypt(aes.ref(), PaddingMode::kRsaPkcs1, Bytes(8)).status()}) {
    EXPECT_EQ(s.code(), Code::kInvalidArgument);
    EXPECT_NE(s.message().find("EH_AES_GCM_256"), std::string::npos) << s.message();
  }
  // And the symmetric actions refuse asymmetric keys.
  EXPECT_EQ(vault_->Encrypt(rsa_sign.ref(), AsBytes("x"), {}).status().code(),
            Code::kInvalidArgument);
}

TEST_F(VaultAsym, SignVerifyAndPublicKeyVerifiesOutsideTheVault) {
  StoredKey k = Create(KeySpec::kRsa2048, KeyUsage::kSignVerify);
  auto sig = vault_->Sign(k.ref(), kRsaPss, AsBytes("signed text"));
  ASSERT_TRUE(sig.ok()) << sig.status().ToString();
  EXPECT_TRUE(*vault_->Verify(k.ref(), kRsaPss, AsBytes("signed text"), *sig));
  EXPECT_FALSE(*vault_->Verify(k.ref(), kRsaPss, AsBytes("signed texT"), *sig));
  auto pub = crypto::RsaKey::FromPem(*vault_->GetPublicKey(k.ref()));
  ASSERT_TRUE(pub.ok());
  EXPECT_FALSE((*pub)->has_private());
  EXPECT_TRUE(*(*pub)->Verify(crypto::RsaSignPadding::kPss, crypto::DigestAlg::kSha256,
                              crypto::MessageType::kRaw, AsBytes("signed text"), *sig));
}

TEST_F(VaultAsym, BlobOfAnotherUsageDoesNotUnwrap) {
  // A database edit that flips usage from sign to encrypt is caught by the blob binding.
  StoredKey k = Create(KeySpec::kRsa2048, KeyUsage::kSignVerify);
  k.usage = KeyUsage::kEncryptDecrypt;
  k.binding.usage = std::string(Name(KeyUsage::kEncryptDecrypt));
  EXPECT_EQ(
      vault_->AsymmetricEncrypt(k.ref(), PaddingMode::kRsaPkcs1, AsBytes("x")).status().code(),
      Code::kDataLoss);
}

TEST_F(VaultAsym, CachedKeyPairIsNotUsedForAnotherBlobOrBindingOfTheSameKeyid) {
  StoredKey k = Create(KeySpec::kEcP256, KeyUsage::kSignVerify);
  auto sig = vault_->Sign(k.ref(), kPlain, AsBytes("m"));  // opens and caches the pair
  ASSERT_TRUE(sig.ok()) << sig.status().ToString();

  StoredKey other = Create(KeySpec::kEcP256, KeyUsage::kSignVerify);
  StoredKey swapped = k;
  swapped.blob = other.blob;  // same keyid, another key's blob (bound to another keyid)
  EXPECT_EQ(vault_->Sign(swapped.ref(), kPlain, AsBytes("m")).status().code(), Code::kDataLoss);

  StoredKey rebound = k;
  rebound.binding.creator = "someone-else";
  EXPECT_EQ(vault_->Verify(rebound.ref(), kPlain, AsBytes("m"), *sig).status().code(),
            Code::kDataLoss);

  // The original still signs with its own pair, cached or reopened after ForgetKey.
  for (int round = 0; round < 2; ++round) {
    auto again = vault_->Sign(k.ref(), kPlain, AsBytes("m2"));
    ASSERT_TRUE(again.ok());
    EXPECT_TRUE(*vault_->Verify(k.ref(), kPlain, AsBytes("m2"), *again));
    EXPECT_FALSE(*vault_->Verify(other.ref(), kPlain, AsBytes("m2"), *again));
    vault_->ForgetKey(k.binding.keyid);
  }
}

TEST_F(VaultAsym, ExportDataKeyToRsaAndSm2) {
  StoredKey aes = Create(KeySpec::kAesGcm256);
  auto dk = vault_->GenerateDataKey(aes.ref(), 32, AsBytes("ctx"));
  ASSERT_TRUE(dk.ok());
  StoredKey rsa = Create(KeySpec::kRsa2048);
  auto out = vault_->ExportDataKey(aes.ref(), AsBytes("ctx"), dk->ciphertext, rsa.ref());
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  auto back = vault_->AsymmetricDecrypt(rsa.ref(), PaddingMode::kRsaPkcs1Oaep, *out);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(Str(*back), Str(dk->plaintext));

  StoredKey sm4 = Create(KeySpec::kSm4Cbc);
  auto dk2 = vault_->GenerateDataKey(sm4.ref(), 16, {});
  StoredKey sm2 = Create(KeySpec::kSm2);
  auto out2 = vault_->ExportDataKey(sm4.ref(), {}, dk2->ciphertext, sm2.ref());
  ASSERT_TRUE(out2.ok()) << out2.status().ToString();
  EXPECT_EQ(Str(*vault_->AsymmetricDecrypt(sm2.ref(), PaddingMode::kNone, *out2)),
            Str(dk2->plaintext));
}

TEST_F(VaultAsym, ExportDataKeyErrors) {
  StoredKey aes = Create(KeySpec::kAesGcm128);
  auto dk = vault_->GenerateDataKey(aes.ref(), 16, AsBytes("ctx"));
  StoredKey rsa = Create(KeySpec::kRsa2048);
  // Wrong aad: the data key does not decrypt.
  EXPECT_EQ(
      vault_->ExportDataKey(aes.ref(), AsBytes("other"), dk->ciphertext, rsa.ref()).status().code(),
      Code::kDataLoss);
  // A signing key as target; the message says it is about ukeyid.
  StoredKey rsa_sign = Create(KeySpec::kRsa2048, KeyUsage::kSignVerify);
  auto bad_target =
      vault_->ExportDataKey(aes.ref(), AsBytes("ctx"), dk->ciphertext, rsa_sign.ref());
  EXPECT_EQ(bad_target.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(bad_target.status().message().rfind("ukeyid: ", 0), 0u);
  // An asymmetric key as source.
  EXPECT_EQ(vault_->ExportDataKey(rsa.ref(), {}, dk->ciphertext, rsa.ref()).status().code(),
            Code::kInvalidArgument);
  // A data key longer than OAEP-SHA-256 allows for RSA-2048 (190 bytes).
  auto big = vault_->GenerateDataKey(aes.ref(), 191, {});
  auto too_long = vault_->ExportDataKey(aes.ref(), {}, big->ciphertext, rsa.ref());
  EXPECT_EQ(too_long.status().code(), Code::kInvalidArgument);
  EXPECT_NE(too_long.status().message().find("190"), std::string::npos);
}

}  // namespace
}  // namespace kms::keys
