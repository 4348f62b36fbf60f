#include "keys/key_vault.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>

#include "crypto/base64.h"
#include "crypto/hmac.h"
#include "keys/vault_test_fixture.h"

namespace kms::keys {
namespace {

// Lowercase RFC 4122 version 4. By hand: <regex> trips g++ 12's -Wmaybe-uninitialized under
// the sanitizer build.
bool IsUuidV4(const std::string& s) {
  if (s.size() != 36 || s[14] != '4' || std::string_view("89ab").find(s[19]) == std::string::npos) {
    return false;
  }
  for (size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : std::string_view("0123456789abcdef").find(s[i]) == std::string::npos) {
      return false;
    }
  }
  return true;
}

class KeyVaultTest : public VaultTest {
 protected:
  using Stored = StoredKey;
  Stored Create(KeySpec spec, Origin origin = Origin::kInternal) {
    return VaultTest::Create(spec, KeyUsage::kEncryptDecrypt, origin);
  }
};

TEST_F(KeyVaultTest, EncryptDecryptEverySymmetricKeyspec) {
  for (KeySpec spec : {KeySpec::kAesGcm128, KeySpec::kAesGcm192, KeySpec::kAesGcm256,
                       KeySpec::kSm4Ctr, KeySpec::kSm4Cbc}) {
    Stored k = Create(spec);
    auto ct = vault_->Encrypt(k.ref(), AsBytes("hello"), AsBytes("aad"));
    ASSERT_TRUE(ct.ok()) << ct.status().ToString();
    auto pt = vault_->Decrypt(k.ref(), *ct, AsBytes("aad"));
    ASSERT_TRUE(pt.ok()) << pt.status().ToString();
    EXPECT_EQ(AsChars(pt->view()), "hello");
  }
}

TEST_F(KeyVaultTest, BlobOfOneKeyCannotBeUsedUnderAnotherId) {
  Stored a = Create(KeySpec::kAesGcm256);
  Stored b = Create(KeySpec::kAesGcm256);
  KeyRef swapped = b.ref();
  swapped.blob = a.blob;  // a database row edited to point b at a's material
  EXPECT_EQ(vault_->Encrypt(swapped, AsBytes("x"), {}).status().code(), Code::kDataLoss);
}

TEST_F(KeyVaultTest, SymmetricKeysRefuseSignUsage) {
  BlobBinding b{"k", "app", "EH_AES_GCM_256", "EH_INTERNAL_KEY", "EH_KEYUSAGE_SIGN_VERIFY"};
  EXPECT_EQ(vault_->CreateKey(b, KeySpec::kAesGcm256, Origin::kInternal, KeyUsage::kSignVerify)
                .status()
                .code(),
            Code::kInvalidArgument);
}

TEST_F(KeyVaultTest, ExternalKeyStartsEmptyAndCannotEncrypt) {
  Stored k = Create(KeySpec::kAesGcm256, Origin::kExternal);
  EXPECT_TRUE(k.blob.empty());
  EXPECT_EQ(vault_->Encrypt(k.ref(), AsBytes("x"), {}).status().code(),
            Code::kFailedPrecondition);
}

TEST_F(KeyVaultTest, GenerateDataKeyDecryptsToItsPlaintext) {
  Stored k = Create(KeySpec::kAesGcm128);
  auto dk = vault_->GenerateDataKey(k.ref(), 32, AsBytes("test"));
  ASSERT_TRUE(dk.ok());
  EXPECT_EQ(dk->plaintext.size(), 32u);
  EXPECT_EQ(dk->ciphertext.size(), 32u + 28);
  auto back = vault_->Decrypt(k.ref(), dk->ciphertext, AsBytes("test"));
  ASSERT_TRUE(back.ok());
  EXPECT_TRUE(crypto::ConstantTimeEquals(back->view(), dk->plaintext.view()));
  EXPECT_FALSE(vault_->GenerateDataKey(k.ref(), 0, {}).ok());
  EXPECT_FALSE(vault_->GenerateDataKey(k.ref(), 1025, {}).ok());
  EXPECT_TRUE(vault_->GenerateDataKey(k.ref(), 1024, {}).ok());
}

TEST_F(KeyVaultTest, EnrollMakesVerifiableCredentials) {
  auto e = vault_->Enroll();
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_TRUE(IsUuidV4(e->appid)) << e->appid;
  std::string apikey(AsChars(e->apikey.view()));
  ASSERT_EQ(apikey.size(), kApikeyLength);
  for (char c : apikey) EXPECT_NE(kApikeyAlphabet.find(c), std::string_view::npos);

  std::string msg = "appid=" + e->appid + "&timestamp=1700000000000";
  std::string sign = crypto::Base64Encode(*crypto::HmacSha256(AsBytes(apikey), AsBytes(msg)));
  EXPECT_TRUE(*vault_->VerifyRequestMac(e->appid, e->cmk_blob, e->apikey_blob, msg, sign));
  EXPECT_FALSE(*vault_->VerifyRequestMac(e->appid, e->cmk_blob, e->apikey_blob, msg + "x", sign));
  std::string upper = sign;
  for (auto& c : upper) c = static_cast<char>(toupper(c));
  EXPECT_FALSE(*vault_->VerifyRequestMac(e->appid, e->cmk_blob, e->apikey_blob, msg, upper));
  // Another tenant's blobs do not verify under this appid.
  auto other = vault_->Enroll();
  EXPECT_FALSE(vault_->VerifyRequestMac(e->appid, other->cmk_blob, other->apikey_blob, msg, sign)
                   .ok());
}

TEST_F(KeyVaultTest, TenantSecretKeyRoundTrip) {
  auto e = vault_->Enroll();
  auto ct = vault_->EncryptWithTenantKey(e->appid, e->sm_default_cmk_blob, AsBytes("pw"));
  ASSERT_TRUE(ct.ok());
  auto pt = vault_->DecryptWithTenantKey(e->appid, e->sm_default_cmk_blob, *ct);
  ASSERT_TRUE(pt.ok());
  EXPECT_EQ(AsChars(pt->view()), "pw");
}

TEST_F(KeyVaultTest, TenantSecretKeyAuthenticatesTheAssociatedData) {
  auto e = vault_->Enroll();
  auto ct = vault_->EncryptWithTenantKey(e->appid, e->sm_default_cmk_blob, AsBytes("pw"),
                                         AsBytes("secret a v1"));
  ASSERT_TRUE(ct.ok());
  auto same = vault_->DecryptWithTenantKey(e->appid, e->sm_default_cmk_blob, *ct,
                                           AsBytes("secret a v1"));
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(AsChars(same->view()), "pw");
  for (std::string_view other : {"secret a v2", "secret b v1", ""}) {
    auto moved = vault_->DecryptWithTenantKey(e->appid, e->sm_default_cmk_blob, *ct,
                                              AsBytes(other));
    EXPECT_EQ(moved.status().code(), Code::kDataLoss) << other;
  }
}

}  // namespace
}  // namespace kms::keys

namespace kms::keys {
namespace {

// The opened-key cache must never serve a blob other than the one the caller holds.
TEST_F(KeyVaultTest, CachedKeyIsNotUsedForAnotherBlobOrBindingOfTheSameKeyid) {
  Stored k = Create(KeySpec::kAesGcm256);
  auto ct = vault_->Encrypt(k.ref(), AsBytes("hello"), {});  // opens and caches the key
  ASSERT_TRUE(ct.ok());

  Stored other = Create(KeySpec::kAesGcm256);
  Stored swapped = k;
  swapped.blob = other.blob;  // same keyid, another key's blob (bound to another keyid)
  EXPECT_EQ(vault_->Encrypt(swapped.ref(), AsBytes("x"), {}).status().code(), Code::kDataLoss);

  Stored rebound = k;
  rebound.binding.creator = "someone-else";
  EXPECT_EQ(vault_->Decrypt(rebound.ref(), *ct, {}).status().code(), Code::kDataLoss);

  Stored flipped = k;
  flipped.blob.back() ^= 1;
  EXPECT_EQ(vault_->Encrypt(flipped.ref(), AsBytes("x"), {}).status().code(), Code::kDataLoss);

  // The original still works, from the cache or not.
  auto pt = vault_->Decrypt(k.ref(), *ct, {});
  ASSERT_TRUE(pt.ok());
  EXPECT_EQ(std::string(AsChars(pt->view())), "hello");
}

TEST_F(KeyVaultTest, ForgetKeyKeepsTheKeyUsable) {
  Stored k = Create(KeySpec::kAesGcm256);
  auto ct = vault_->Encrypt(k.ref(), AsBytes("hello"), {});
  ASSERT_TRUE(ct.ok());
  vault_->ForgetKey(k.binding.keyid);
  ASSERT_TRUE(vault_->Decrypt(k.ref(), *ct, {}).ok());
  vault_->ForgetAllKeys();
  ASSERT_TRUE(vault_->Decrypt(k.ref(), *ct, {}).ok());
}

TEST_F(KeyVaultTest, RequestMacKeyCacheChecksTheTenantBlobs) {
  auto a = vault_->Enroll();
  auto b = vault_->Enroll();
  ASSERT_TRUE(a.ok() && b.ok());
  std::string apikey(AsChars(a->apikey.view()));
  auto mac = crypto::HmacSha256(AsBytes(apikey), AsBytes("msg"));
  std::string sign = crypto::Base64Encode(*mac);
  for (int round = 0; round < 2; ++round) {  // second round hits the cache
    auto ok = vault_->VerifyRequestMac(a->appid, a->cmk_blob, a->apikey_blob, "msg", sign);
    ASSERT_TRUE(ok.ok());
    EXPECT_TRUE(*ok);
    auto wrong = vault_->VerifyRequestMac(a->appid, a->cmk_blob, a->apikey_blob, "msg2", sign);
    ASSERT_TRUE(wrong.ok());
    EXPECT_FALSE(*wrong);
  }
  // Tenant b's blobs under tenant a's appid do not unwrap, cached entry or not.
  EXPECT_FALSE(vault_->VerifyRequestMac(a->appid, b->cmk_blob, b->apikey_blob, "msg", sign).ok());
}

TEST_F(KeyVaultTest, ZeroCapacityOpensEveryTime) {
  KeyVault uncached(*platform_, TestDomainKey(), /*open_key_capacity=*/0);
  Stored k = Create(KeySpec::kAesGcm256);
  for (int i = 0; i < 3; ++i) {
    auto ct = uncached.Encrypt(k.ref(), AsBytes("hello"), {});
    ASSERT_TRUE(ct.ok());
    ASSERT_TRUE(vault_->Decrypt(k.ref(), *ct, {}).ok());
  }
}

}  // namespace
}  // namespace kms::keys
