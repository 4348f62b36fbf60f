// The BYOK actions against a real vault and SQLite store with an injected clock: the import
// token's 24-hour lifetime, measured by the service's Clock.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "api/action.h"
#include "crypto/base64.h"
#include "crypto/rsa.h"
#include "keys/import_token.h"
#include "keys/test_domain_key.h"
#include "store/sqlite_store.h"
#include "tee/sim/sim_platform.h"

namespace kms::api {
namespace {

namespace fs = std::filesystem;
using boost::json::object;

constexpr int64_t kStart = 1800000000000;

class ByokActions : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("kms_byok_api_" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    store_ = std::move(store::SqliteStore::Open((dir_ / "kms.db").string())).value();
    platform_ = std::move(tee::SimPlatform::Open(
                              {.secret_path = (dir_ / "secret").string(), .identity = {}}))
                    .value();
    vault_ = std::make_unique<keys::KeyVault>(*platform_, keys::TestDomainKey());
    ctx_ = std::make_unique<KmsContext>(*store_, *vault_, clock_, ServiceOptions{});
  }
  void TearDown() override {
    ctx_.reset();
    vault_.reset();
    store_.reset();
    fs::remove_all(dir_);
  }

  Reply Run(ActionHandler h, const object& payload) { return h(*ctx_, {"app-1", payload, "rid"}); }
  std::string Field(const Reply& r, const char* name) {
    const auto* v = r.result.as_object().if_contains(name);
    return v != nullptr && v->is_string() ? std::string(v->as_string()) : "";
  }
  // CreateKey + GetParametersForImport; returns {keyid, pubkey, token}.
  std::array<std::string, 3> Begin() {
    Reply created = Run(&CreateKey, {{"keyspec", "EH_AES_GCM_256"}, {"origin", "EH_EXTERNAL_KEY"}});
    EXPECT_EQ(created.code, 200) << created.message;
    std::string keyid = Field(created, "keyid");
    Reply params = Run(&GetParametersForImport, {{"keyid", keyid}, {"keyspec", "EH_RSA_2048"}});
    EXPECT_EQ(params.code, 200) << params.message;
    return {keyid, Field(params, "pubkey"), Field(params, "importToken")};
  }
  Reply Import(const std::array<std::string, 3>& b) {
    auto pub = crypto::RsaKey::FromPem(b[1]);
    Bytes raw(32, 0x77);
    Bytes wrapped = *(*pub)->Encrypt(crypto::RsaEncryptPadding::kOaepSha256, raw);
    return Run(&ImportKeyMaterial, {{"keyid", b[0]},
                                    {"padding_mode", "EH_RSA_PKCS1_OAEP"},
                                    {"key_material", crypto::Base64Encode(wrapped)},
                                    {"importToken", b[2]}});
  }

  fs::path dir_;
  FakeClock clock_{kStart};
  std::unique_ptr<store::SqliteStore> store_;
  std::unique_ptr<tee::SimPlatform> platform_;
  std::unique_ptr<keys::KeyVault> vault_;
  std::unique_ptr<KmsContext> ctx_;
};

TEST_F(ByokActions, TokenIsRefusedOneMillisecondAfter24Hours) {
  auto b = Begin();
  clock_.Advance(keys::kImportTokenLifetimeMs + 1);
  Reply late = Import(b);
  EXPECT_EQ(late.code, 400);
  EXPECT_EQ(late.message, keys::kImportTokenExpired);
  // A fresh GetParametersForImport starts over.
  Reply params = Run(&GetParametersForImport, {{"keyid", b[0]}, {"keyspec", "EH_RSA_2048"}});
  ASSERT_EQ(params.code, 200) << params.message;
  Reply ok = Import({b[0], Field(params, "pubkey"), Field(params, "importToken")});
  EXPECT_EQ(ok.code, 200) << ok.message;
}

TEST_F(ByokActions, TokenIsAcceptedAtExactly24Hours) {
  auto b = Begin();
  clock_.Advance(keys::kImportTokenLifetimeMs);
  Reply r = Import(b);
  EXPECT_EQ(r.code, 200) << r.message;
  EXPECT_TRUE(r.result.as_object().at("result").as_bool());
  // Stored: Encrypt works through the cache-bypassing read of the new record.
  Reply enc = Run(&Encrypt, {{"keyid", b[0]}, {"plaintext", crypto::Base64Encode(AsBytes("x"))}});
  EXPECT_EQ(enc.code, 200) << enc.message;
}

// Cache invalidation is limited to the caller's keys (a tenant must not flush another's).
class KeyCacheOwnership : public ByokActions {};

TEST_F(KeyCacheOwnership, AnotherTenantCannotEvictCachedKeys) {
  Reply created = Run(&CreateKey, {{"keyspec", "EH_AES_GCM_256"}, {"origin", "EH_INTERNAL_KEY"}});
  ASSERT_EQ(created.code, 200) << created.message;
  std::string keyid = Field(created, "keyid");
  ASSERT_TRUE(ctx_->GetKey(keyid).ok());
  ASSERT_TRUE(ctx_->KeyCached(keyid));
  object p{{"keyid", keyid}};
  object none;
  EXPECT_EQ(DeleteAllKey(*ctx_, {"app-2", none, "rid"}).code, 200);
  EXPECT_TRUE(ctx_->KeyCached(keyid));
  (void)DisableKey(*ctx_, {"app-2", p, "rid"});
  EXPECT_TRUE(ctx_->KeyCached(keyid));
  (void)DeleteKey(*ctx_, {"app-2", p, "rid"});
  EXPECT_TRUE(ctx_->KeyCached(keyid));
  // The owner's own changes still invalidate.
  EXPECT_EQ(Run(&DisableKey, p).code, 200);
  EXPECT_FALSE(ctx_->KeyCached(keyid));
  ASSERT_TRUE(ctx_->GetKey(keyid).ok());
  EXPECT_EQ(Run(&DeleteAllKey, none).code, 200);
  EXPECT_FALSE(ctx_->KeyCached(keyid));
}

}  // namespace
}  // namespace kms::api
