#include <gtest/gtest.h>

#include "crypto/rsa.h"
#include "keys/import_token.h"
#include "keys/vault_test_fixture.h"

namespace kms::keys {
namespace {

constexpr int64_t kNow = 1700000000000;

class VaultImport : public VaultTest {
 protected:
  // What a client does with GetParametersForImport's answer.
  static Bytes Wrap(const ImportParameters& p, ByteView raw, PaddingMode padding) {
    auto pub = crypto::RsaKey::FromPem(p.pubkey_pem);
    EXPECT_TRUE(pub.ok());
    auto ct =
        (*pub)->Encrypt(padding == PaddingMode::kRsaPkcs1 ? crypto::RsaEncryptPadding::kPkcs1
                                                          : crypto::RsaEncryptPadding::kOaepSha256,
                        raw);
    EXPECT_TRUE(ct.ok());
    return *ct;
  }
  StoredKey External(KeySpec spec, const std::string& creator = "app") {
    return Create(spec, KeyUsage::kEncryptDecrypt, Origin::kExternal, creator);
  }
  ImportParameters Begin(StoredKey& k, int64_t now = kNow) {
    auto p = vault_->GetParametersForImport(k.ref(), KeySpec::kRsa2048, now);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    k.blob = p->session_blob;
    return std::move(p).value();
  }
};

TEST_F(VaultImport, EverySymmetricKeyspecWithBothPaddings) {
  for (KeySpec spec : {KeySpec::kAesGcm128, KeySpec::kAesGcm192, KeySpec::kAesGcm256,
                       KeySpec::kSm4Ctr, KeySpec::kSm4Cbc}) {
    for (PaddingMode padding : {PaddingMode::kRsaPkcs1, PaddingMode::kRsaPkcs1Oaep}) {
      StoredKey k = External(spec);
      ImportParameters p = Begin(k);
      EXPECT_EQ(p.pubkey_pem.rfind("-----BEGIN RSA PUBLIC KEY-----\n", 0), 0u);
      // Before the import the key cannot be used.
      EXPECT_EQ(vault_->Encrypt(k.ref(), AsBytes("x"), {}).status().code(),
                Code::kFailedPrecondition);
      Bytes raw(SymmetricKeySize(spec), 0x5a);
      auto blob = vault_->ImportKeyMaterial(k.ref(), p.import_token, padding, Wrap(p, raw, padding),
                                            kNow + 1);
      ASSERT_TRUE(blob.ok()) << Name(spec) << " " << blob.status().ToString();
      k.blob = *blob;
      auto ct = vault_->Encrypt(k.ref(), AsBytes("imported"), AsBytes("aad"));
      ASSERT_TRUE(ct.ok()) << ct.status().ToString();
      auto pt = vault_->Decrypt(k.ref(), *ct, AsBytes("aad"));
      ASSERT_TRUE(pt.ok());
      EXPECT_EQ(AsChars(pt->view()), "imported");
      // Imported keys do not make data keys (as upstream).
      EXPECT_EQ(vault_->GenerateDataKey(k.ref(), 16, {}).status().code(), Code::kInvalidArgument);
    }
  }
}

TEST_F(VaultImport, MaterialIsNeverReplaced) {
  StoredKey k = External(KeySpec::kAesGcm256);
  ImportParameters p = Begin(k);
  Bytes wrapped = Wrap(p, Bytes(32, 1), PaddingMode::kRsaPkcs1Oaep);
  auto blob =
      vault_->ImportKeyMaterial(k.ref(), p.import_token, PaddingMode::kRsaPkcs1Oaep, wrapped, kNow);
  ASSERT_TRUE(blob.ok());
  k.blob = *blob;
  // Replaying the same token, or asking for new parameters, is refused.
  auto again =
      vault_->ImportKeyMaterial(k.ref(), p.import_token, PaddingMode::kRsaPkcs1Oaep, wrapped, kNow);
  EXPECT_EQ(again.status().code(), Code::kInvalidArgument);
  EXPECT_NE(again.status().message().find("already been imported"), std::string::npos);
  auto params = vault_->GetParametersForImport(k.ref(), KeySpec::kRsa2048, kNow);
  EXPECT_EQ(params.status().code(), Code::kInvalidArgument);
  EXPECT_NE(params.status().message().find("already been imported"), std::string::npos);
}

TEST_F(VaultImport, NewParametersInvalidateTheOldToken) {
  StoredKey k = External(KeySpec::kSm4Ctr);
  ImportParameters first = Begin(k);
  ImportParameters second = Begin(k);
  auto old = vault_->ImportKeyMaterial(k.ref(), first.import_token, PaddingMode::kRsaPkcs1,
                                       Wrap(second, Bytes(16, 2), PaddingMode::kRsaPkcs1), kNow);
  EXPECT_EQ(old.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(old.status().message(), "importToken invalid");
  EXPECT_TRUE(vault_
                  ->ImportKeyMaterial(k.ref(), second.import_token, PaddingMode::kRsaPkcs1,
                                      Wrap(second, Bytes(16, 2), PaddingMode::kRsaPkcs1), kNow)
                  .ok());
}

TEST_F(VaultImport, TokenExpiresAfter24Hours) {
  StoredKey k = External(KeySpec::kAesGcm128);
  ImportParameters p = Begin(k);
  Bytes wrapped = Wrap(p, Bytes(16, 3), PaddingMode::kRsaPkcs1Oaep);
  auto late = vault_->ImportKeyMaterial(k.ref(), p.import_token, PaddingMode::kRsaPkcs1Oaep,
                                        wrapped, kNow + kImportTokenLifetimeMs + 1);
  EXPECT_EQ(late.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(late.status().message(), kImportTokenExpired);
  EXPECT_TRUE(vault_
                  ->ImportKeyMaterial(k.ref(), p.import_token, PaddingMode::kRsaPkcs1Oaep, wrapped,
                                      kNow + kImportTokenLifetimeMs)
                  .ok());
}

TEST_F(VaultImport, TokenOfAnotherKeyOrTenantIsInvalid) {
  StoredKey a = External(KeySpec::kAesGcm128);
  StoredKey b = External(KeySpec::kAesGcm128);
  ImportParameters pa = Begin(a);
  Begin(b);
  auto r = vault_->ImportKeyMaterial(b.ref(), pa.import_token, PaddingMode::kRsaPkcs1,
                                     Wrap(pa, Bytes(16), PaddingMode::kRsaPkcs1), kNow);
  EXPECT_EQ(r.status().message(), "importToken invalid");
  // The same key id under another owner (binding differs): the token's MAC covers the creator.
  StoredKey foreign = a;
  foreign.binding.creator = "other-app";
  auto f = vault_->ImportKeyMaterial(foreign.ref(), pa.import_token, PaddingMode::kRsaPkcs1,
                                     Wrap(pa, Bytes(16), PaddingMode::kRsaPkcs1), kNow);
  EXPECT_EQ(f.status().message(), "importToken invalid");
}

TEST_F(VaultImport, EveryUnwrapFailureLooksTheSame) {
  StoredKey k = External(KeySpec::kAesGcm256);
  ImportParameters p = Begin(k);
  std::vector<Status> failures = {
      // wrong length
      vault_
          ->ImportKeyMaterial(k.ref(), p.import_token, PaddingMode::kRsaPkcs1Oaep,
                              Wrap(p, Bytes(16, 1), PaddingMode::kRsaPkcs1Oaep), kNow)
          .status(),
      // wrong padding named
      vault_
          ->ImportKeyMaterial(k.ref(), p.import_token, PaddingMode::kRsaPkcs1,
                              Wrap(p, Bytes(32, 1), PaddingMode::kRsaPkcs1Oaep), kNow)
          .status(),
      // garbage
      vault_
          ->ImportKeyMaterial(k.ref(), p.import_token, PaddingMode::kRsaPkcs1, Bytes(256, 7), kNow)
          .status(),
  };
  for (const Status& s : failures) {
    EXPECT_EQ(s.code(), Code::kDataLoss);
    EXPECT_EQ(s.message(), failures[0].message());
  }
  // A non-RSA padding is a plain client mistake.
  EXPECT_EQ(
      vault_
          ->ImportKeyMaterial(k.ref(), p.import_token, PaddingMode::kRsaPkcs1Pss, Bytes(256), kNow)
          .status()
          .code(),
      Code::kInvalidArgument);
}

TEST_F(VaultImport, OnlyExternalSymmetricKeysAndRsaWrappingKeys) {
  StoredKey internal = Create(KeySpec::kAesGcm256);
  auto r1 = vault_->GetParametersForImport(internal.ref(), KeySpec::kRsa2048, kNow);
  EXPECT_EQ(r1.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r1.status().message().find("EH_EXTERNAL_KEY"), std::string::npos);
  StoredKey ext_rsa = External(KeySpec::kRsa2048);
  auto r2 = vault_->GetParametersForImport(ext_rsa.ref(), KeySpec::kRsa2048, kNow);
  EXPECT_EQ(r2.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r2.status().message().find("EH_RSA_2048"), std::string::npos);
  StoredKey ext = External(KeySpec::kAesGcm256);
  auto r3 = vault_->GetParametersForImport(ext.ref(), KeySpec::kSm2, kNow);
  EXPECT_EQ(r3.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r3.status().message().find("EH_SM2"), std::string::npos);
  auto r4 = vault_->ImportKeyMaterial(ext.ref(), "token", PaddingMode::kRsaPkcs1, Bytes(256), kNow);
  EXPECT_EQ(r4.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r4.status().message().find("GetParametersForImport first"), std::string::npos);
}

}  // namespace
}  // namespace kms::keys
