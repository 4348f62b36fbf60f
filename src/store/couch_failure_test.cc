// Failure behaviour: a server that goes away, hangs, and comes back with its data.

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

#include "store/couch_store.h"
#include "store/couch_test_env.h"

namespace kms::store {
namespace {

KeyRecord MakeKey(const std::string& keyid) {
  KeyRecord k;
  k.keyid = keyid;
  k.creator = "app";
  k.keyspec = "EH_AES_GCM_256";
  k.origin = "EH_INTERNAL_KEY";
  k.keyusage = "EH_KEYUSAGE_ENCRYPT_DECRYPT";
  k.key_blob = Bytes{7, 7, 7};
  k.creation_date_ms = 5;
  return k;
}

void ExpectUnavailable(const Status& s, const char* what) {
  EXPECT_EQ(s.code(), Code::kUnavailable) << what << ": " << s.ToString();
  EXPECT_NE(s.message().find("127.0.0.1"), std::string::npos) << s.ToString();
}

class CouchFailureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // The shared server's presence says this machine can run pouchdb-server at all.
    if (!testing::TestCouchUrl()) {
      if (testing::CouchRequired()) FAIL() << "EHSM_REQUIRE_COUCHDB=1 but no EHSM_TEST_COUCHDB_URL";
      GTEST_SKIP() << "EHSM_TEST_COUCHDB_URL not set";
    }
    dir_ = std::filesystem::temp_directory_path() / testing::UniqueDbName("srv");
    int port = testing::PickFreePort();
    ASSERT_GT(port, 0);
    server_ = std::make_unique<testing::PrivateCouchServer>(dir_.string(), port);
    ASSERT_TRUE(server_->Start());
  }
  void TearDown() override {
    server_.reset();
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }

  std::filesystem::path dir_;
  std::unique_ptr<testing::PrivateCouchServer> server_;
};

TEST_F(CouchFailureTest, StoppedServerFailsFastAndRecoveryKeepsAcknowledgedWrites) {
  CouchOptions o = testing::TestOptions(server_->url(), "fail");
  o.connect_timeout = std::chrono::milliseconds(1000);
  o.request_timeout = std::chrono::milliseconds(3000);
  auto opened = CouchStore::Open(o);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  std::unique_ptr<CouchStore> store = std::move(opened).value();

  TenantRecord t;
  t.appid = "app";
  t.apikey_blob = Bytes{1};
  ASSERT_TRUE(store->CreateTenant(t).ok());
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(store->CreateKey(MakeKey("k" + std::to_string(i))).ok());
  ASSERT_TRUE(store->SetKeyState("k3", "app", 0).ok());
  ASSERT_TRUE(*store->DeleteKey("k4", "app"));

  ASSERT_TRUE(server_->Stop());
  ExpectUnavailable(store->GetKey("k1").status(), "GetKey");
  ExpectUnavailable(store->GetTenant("app").status(), "GetTenant");
  ExpectUnavailable(store->CreateKey(MakeKey("new")), "CreateKey");
  ExpectUnavailable(store->ListKeys("app").status(), "ListKeys");
  ExpectUnavailable(store->SetKeyState("k1", "app", 0), "SetKeyState");
  ExpectUnavailable(store->DeleteKey("k1", "app").status(), "DeleteKey");
  ExpectUnavailable(store->DeleteAllKeys("app").status(), "DeleteAllKeys");
  ExpectUnavailable(store->CountWrappedObjects().status(), "CountWrappedObjects");
  ExpectUnavailable(store->Ping(), "Ping");
  ExpectUnavailable(CouchStore::Open(o).status(), "Open");

  // Same data directory: every acknowledged write is back, and the old store object works
  // again without being reopened.
  ASSERT_TRUE(server_->Start());
  auto keys = store->ListKeys("app");
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  EXPECT_EQ(keys->size(), 19u);
  EXPECT_EQ(store->GetKey("k3")->key_state, 0);
  EXPECT_EQ(store->GetKey("k4").status().code(), Code::kNotFound);
  EXPECT_TRUE(store->GetTenant("app").ok());
  EXPECT_TRUE(store->CreateKey(MakeKey("new")).ok());
  EXPECT_EQ(*store->CountWrappedObjects(), 21);
  EXPECT_TRUE(store->Ping().ok());
}

TEST_F(CouchFailureTest, HungServerTimesOutThenRecovers) {
  CouchOptions o = testing::TestOptions(server_->url(), "hang");
  o.connect_timeout = std::chrono::milliseconds(500);
  o.request_timeout = std::chrono::milliseconds(1000);
  auto opened = CouchStore::Open(o);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  std::unique_ptr<CouchStore> store = std::move(opened).value();
  ASSERT_TRUE(store->CreateKey(MakeKey("k1")).ok());

  // The kernel still accepts connections, but no reply ever comes: only the timeout ends it.
  ASSERT_TRUE(server_->Pause());
  ExpectUnavailable(store->GetKey("k1").status(), "GetKey while hung");
  ExpectUnavailable(store->SetKeyState("k1", "app", 0), "SetKeyState while hung");
  ASSERT_TRUE(server_->Resume());

  auto k = store->GetKey("k1");
  ASSERT_TRUE(k.ok()) << k.status().ToString();
  // The SetKeyState that timed out may or may not have been applied; either way the key is
  // consistent and writable.
  EXPECT_TRUE(store->SetKeyState("k1", "app", 1).ok());
  EXPECT_EQ(store->GetKey("k1")->key_state, 1);
}

}  // namespace
}  // namespace kms::store
