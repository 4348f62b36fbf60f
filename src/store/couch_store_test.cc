// Behaviour of CouchStore against a live server (EHSM_TEST_COUCHDB_URL); each test owns a fresh
// database, so tests may run in parallel against one server.

#include "store/couch_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "store/couch_test_env.h"

namespace kms::store {
namespace {

Bytes AllByteValues() {
  Bytes b(256);
  for (int i = 0; i < 256; ++i) b[i] = static_cast<uint8_t>(255 - i);
  return b;
}

KeyRecord MakeKey(const std::string& keyid, const std::string& creator, int64_t created = 1000) {
  KeyRecord k;
  k.keyid = keyid;
  k.creator = creator;
  k.keyspec = "EH_AES_GCM_256";
  k.origin = "EH_INTERNAL_KEY";
  k.keyusage = "EH_KEYUSAGE_ENCRYPT_DECRYPT";
  k.key_blob = Bytes{1, 2, 3, 4};
  k.creation_date_ms = created;
  k.expire_time_ms = created + 100000;
  k.key_state = 1;
  return k;
}

TenantRecord MakeTenant(const std::string& appid) {
  TenantRecord t;
  t.appid = appid;
  t.apikey_blob = Bytes(60, 0xaa);
  t.cmk_blob = Bytes(100, 0xbb);
  t.sm_default_cmk_blob = Bytes(100, 0xcc);
  t.create_time_ms = 1234;
  return t;
}

class CouchStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto url = testing::TestCouchUrl();
    if (!url) {
      if (testing::CouchRequired()) FAIL() << "EHSM_REQUIRE_COUCHDB=1 but no EHSM_TEST_COUCHDB_URL";
      GTEST_SKIP() << "EHSM_TEST_COUCHDB_URL not set";
    }
    options_ = testing::TestOptions(*url, "store");
    store_ = OpenOrDie(options_);
  }
  void TearDown() override {
    if (store_) {
      EXPECT_TRUE(store_->DropDatabase().ok());
    }
  }
  static std::unique_ptr<CouchStore> OpenOrDie(const CouchOptions& options) {
    auto s = CouchStore::Open(options);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s).value() : nullptr;
  }
  // Creates keys from several threads: one HTTP round trip each would be slow in a row.
  void CreateKeys(const std::vector<KeyRecord>& keys) {
    std::atomic<size_t> next{0};
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
      threads.emplace_back([&] {
        for (size_t i = next++; i < keys.size(); i = next++) {
          if (!store_->CreateKey(keys[i]).ok()) ++failures;
        }
      });
    }
    for (auto& th : threads) th.join();
    ASSERT_EQ(failures.load(), 0);
  }

  CouchOptions options_;
  std::unique_ptr<CouchStore> store_;
};

// The test server's URL carries the administrator's credentials; Describe (used in logs and
// messages) must not.
TEST_F(CouchStoreTest, DescribeNamesServerAndDatabaseWithoutCredentials) {
  EXPECT_EQ(store_->Describe(), "couchdb:" + RedactUrl(options_.url) + "/" + options_.database);
  EXPECT_EQ(store_->Describe().find('@'), std::string::npos) << store_->Describe();
}

TEST_F(CouchStoreTest, TenantCreateGetDuplicate) {
  TenantRecord t = MakeTenant("app-1");
  t.apikey_blob = AllByteValues();
  ASSERT_TRUE(store_->CreateTenant(t).ok());
  auto got = store_->GetTenant("app-1");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->appid, "app-1");
  EXPECT_EQ(got->apikey_blob, t.apikey_blob);
  EXPECT_EQ(got->cmk_blob, t.cmk_blob);
  EXPECT_EQ(got->sm_default_cmk_blob, t.sm_default_cmk_blob);
  EXPECT_EQ(got->create_time_ms, 1234);
  EXPECT_EQ(store_->CreateTenant(t).code(), Code::kAlreadyExists);
  EXPECT_EQ(store_->GetTenant("app-2").status().code(), Code::kNotFound);
}

TEST_F(CouchStoreTest, KeyCreateGetDuplicate) {
  KeyRecord k = MakeKey("k1", "app-1");
  k.revision = 99;  // ignored by CreateKey
  ASSERT_TRUE(store_->CreateKey(k).ok());
  auto got = store_->GetKey("k1");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->revision, 1);
  EXPECT_EQ(got->creator, "app-1");
  EXPECT_EQ(got->keyspec, k.keyspec);
  EXPECT_EQ(got->origin, k.origin);
  EXPECT_EQ(got->keyusage, k.keyusage);
  EXPECT_EQ(got->key_blob, k.key_blob);
  EXPECT_EQ(got->creation_date_ms, k.creation_date_ms);
  EXPECT_EQ(got->expire_time_ms, k.expire_time_ms);
  EXPECT_EQ(got->key_state, 1);
  EXPECT_EQ(store_->CreateKey(k).code(), Code::kAlreadyExists);
  EXPECT_EQ(store_->GetKey("k2").status().code(), Code::kNotFound);
}

TEST_F(CouchStoreTest, BlobsKeepEveryByteValue) {
  KeyRecord k = MakeKey("blob", "app-1");
  k.key_blob = AllByteValues();
  k.key_blob.insert(k.key_blob.end(), {0, 0, '"', '\\', 0xff});
  ASSERT_TRUE(store_->CreateKey(k).ok());
  KeyRecord empty = MakeKey("empty", "app-1");
  empty.key_blob.clear();  // an external key without material yet
  ASSERT_TRUE(store_->CreateKey(empty).ok());
  EXPECT_EQ(store_->GetKey("blob")->key_blob, k.key_blob);
  EXPECT_TRUE(store_->GetKey("empty")->key_blob.empty());
}

TEST_F(CouchStoreTest, IdsWithUrlSpecialCharacters) {
  for (std::string id : {"a/b", "a?b=c&d", "a b%20", "ü:ñ#"}) {
    ASSERT_TRUE(store_->CreateKey(MakeKey(id, "app/1")).ok()) << id;
    auto got = store_->GetKey(id);
    ASSERT_TRUE(got.ok()) << id << got.status().ToString();
    EXPECT_EQ(got->keyid, id);
  }
  auto list = store_->ListKeys("app/1");
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(list->size(), 4u);
}

TEST_F(CouchStoreTest, ListKeysReturnsEveryPageSortedByCreationThenKeyid) {
  std::vector<KeyRecord> keys;
  for (int i = 0; i < 1100; ++i) {
    char id[16];
    snprintf(id, sizeof(id), "k%05d", i);
    // Creation dates run against the keyid order, with ties every 10 keys.
    keys.push_back(MakeKey(id, "owner", 1'000'000 - (i / 10) * 1000));
  }
  for (int i = 0; i < 30; ++i) keys.push_back(MakeKey("other" + std::to_string(i), "stranger"));
  ASSERT_NO_FATAL_FAILURE(CreateKeys(keys));

  auto list = store_->ListKeys("owner");
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->size(), 1100u);
  for (size_t i = 1; i < list->size(); ++i) {
    const KeyRecord& a = (*list)[i - 1];
    const KeyRecord& b = (*list)[i];
    ASSERT_TRUE(a.creation_date_ms < b.creation_date_ms ||
                (a.creation_date_ms == b.creation_date_ms && a.keyid < b.keyid))
        << a.keyid << " before " << b.keyid;
    EXPECT_EQ(b.creator, "owner");
  }
  EXPECT_EQ(list->front().keyid, "k01090");
  EXPECT_EQ(store_->ListKeys("stranger")->size(), 30u);
  EXPECT_TRUE(store_->ListKeys("nobody")->empty());
}

TEST_F(CouchStoreTest, TinyPagesStillReturnEverything) {
  CouchOptions small = options_;
  small.page_size = 2;
  auto store = OpenOrDie(small);
  ASSERT_TRUE(store);
  for (int i = 0; i < 7; ++i) {
    ASSERT_TRUE(store->CreateKey(MakeKey("k" + std::to_string(i), "a", i)).ok());
  }
  ASSERT_TRUE(store->CreateTenant(MakeTenant("t1")).ok());
  auto list = store->ListKeys("a");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 7u);
  for (int i = 0; i < 7; ++i) EXPECT_EQ((*list)[i].keyid, "k" + std::to_string(i));
  EXPECT_EQ(*store->CountWrappedObjects(), 8);
  EXPECT_EQ(*store->DeleteAllKeys("a"), 7);
  EXPECT_EQ(*store->CountWrappedObjects(), 1);
}

TEST_F(CouchStoreTest, UpdateKeyChecksRevision) {
  ASSERT_TRUE(store_->CreateKey(MakeKey("k1", "a")).ok());
  KeyRecord k = *store_->GetKey("k1");
  k.alias = "renamed";
  k.key_blob = Bytes{9, 9};
  auto rev = store_->UpdateKey(k);
  ASSERT_TRUE(rev.ok()) << rev.status().ToString();
  EXPECT_EQ(*rev, 2);
  KeyRecord now = *store_->GetKey("k1");
  EXPECT_EQ(now.revision, 2);
  EXPECT_EQ(now.alias, "renamed");
  EXPECT_EQ(now.key_blob, (Bytes{9, 9}));

  k.alias = "stale write";  // still revision 1
  EXPECT_EQ(store_->UpdateKey(k).status().code(), Code::kAborted);
  EXPECT_EQ(store_->GetKey("k1")->alias, "renamed");

  KeyRecord missing = MakeKey("nope", "a");
  missing.revision = 1;
  EXPECT_EQ(store_->UpdateKey(missing).status().code(), Code::kNotFound);
}

TEST_F(CouchStoreTest, SetKeyStateChecksCreator) {
  ASSERT_TRUE(store_->CreateKey(MakeKey("k1", "a")).ok());
  EXPECT_EQ(store_->SetKeyState("k1", "b", 0).code(), Code::kNotFound);
  EXPECT_EQ(store_->SetKeyState("missing", "a", 0).code(), Code::kNotFound);
  EXPECT_EQ(store_->GetKey("k1")->key_state, 1);
  ASSERT_TRUE(store_->SetKeyState("k1", "a", 0).ok());
  KeyRecord k = *store_->GetKey("k1");
  EXPECT_EQ(k.key_state, 0);
  EXPECT_EQ(k.revision, 2);
  ASSERT_TRUE(store_->SetKeyState("k1", "a", 1).ok());
  EXPECT_EQ(store_->GetKey("k1")->key_state, 1);
}

TEST_F(CouchStoreTest, DeleteKeyChecksCreatorAndAllowsReuseOfId) {
  ASSERT_TRUE(store_->CreateKey(MakeKey("k1", "a")).ok());
  EXPECT_FALSE(*store_->DeleteKey("k1", "b"));
  EXPECT_TRUE(store_->GetKey("k1").ok());
  EXPECT_TRUE(*store_->DeleteKey("k1", "a"));
  EXPECT_EQ(store_->GetKey("k1").status().code(), Code::kNotFound);
  EXPECT_FALSE(*store_->DeleteKey("k1", "a"));
  // A deleted document leaves a tombstone; creating the id again must still work.
  ASSERT_TRUE(store_->CreateKey(MakeKey("k1", "c")).ok());
  EXPECT_EQ(store_->GetKey("k1")->creator, "c");
  EXPECT_EQ(store_->GetKey("k1")->revision, 1);
}

TEST_F(CouchStoreTest, DeleteAllKeysOnlyTouchesCreator) {
  std::vector<KeyRecord> keys;
  for (int i = 0; i < 1050; ++i) keys.push_back(MakeKey("a" + std::to_string(i), "a"));
  for (int i = 0; i < 3; ++i) keys.push_back(MakeKey("b" + std::to_string(i), "b"));
  ASSERT_NO_FATAL_FAILURE(CreateKeys(keys));
  auto n = store_->DeleteAllKeys("a");
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, 1050);
  EXPECT_TRUE(store_->ListKeys("a")->empty());
  EXPECT_EQ(store_->ListKeys("b")->size(), 3u);
  EXPECT_EQ(*store_->DeleteAllKeys("a"), 0);
  EXPECT_EQ(*store_->CountWrappedObjects(), 3);
}

TEST_F(CouchStoreTest, CountWrappedObjectsCountsKeysAndTenants) {
  EXPECT_EQ(*store_->CountWrappedObjects(), 0);
  ASSERT_TRUE(store_->CreateTenant(MakeTenant("t1")).ok());
  ASSERT_TRUE(store_->CreateTenant(MakeTenant("t2")).ok());
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(store_->CreateKey(MakeKey(std::to_string(i), "t1")).ok());
  EXPECT_EQ(*store_->CountWrappedObjects(), 5);
  ASSERT_TRUE(*store_->DeleteKey("1", "t1"));
  EXPECT_EQ(*store_->CountWrappedObjects(), 4);
}

TEST_F(CouchStoreTest, TwoStoresOnOneDatabaseSeeEachOther) {
  auto other = OpenOrDie(options_);  // also proves Open is idempotent
  ASSERT_TRUE(other);
  ASSERT_TRUE(store_->CreateTenant(MakeTenant("t1")).ok());
  ASSERT_TRUE(store_->CreateKey(MakeKey("k1", "t1")).ok());
  EXPECT_TRUE(other->GetTenant("t1").ok());
  EXPECT_EQ(other->CreateKey(MakeKey("k1", "t1")).code(), Code::kAlreadyExists);

  // Disabled through one, refused through the other at once: nothing is cached.
  ASSERT_TRUE(other->SetKeyState("k1", "t1", 0).ok());
  EXPECT_EQ(store_->GetKey("k1")->key_state, 0);

  // A revision read before the other store's write is stale.
  KeyRecord seen_by_other = *other->GetKey("k1");
  ASSERT_TRUE(store_->SetKeyState("k1", "t1", 1).ok());
  EXPECT_EQ(other->UpdateKey(seen_by_other).status().code(), Code::kAborted);
  EXPECT_EQ(other->ListKeys("t1")->size(), 1u);
}

TEST_F(CouchStoreTest, ConcurrentSetKeyStateLosesNoWrite) {
  ASSERT_TRUE(store_->CreateKey(MakeKey("k1", "a")).ok());
  auto other = OpenOrDie(options_);
  ASSERT_TRUE(other);
  constexpr int kThreads = 4;
  constexpr int kCalls = 25;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    CouchStore* s = t % 2 == 0 ? store_.get() : other.get();
    threads.emplace_back([&, s, t] {
      for (int i = 0; i < kCalls; ++i) {
        Status st = s->SetKeyState("k1", "a", (t + i) % 2);
        if (!st.ok()) {
          ++failures;
          ADD_FAILURE() << st.ToString();
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  // Every call wrote once: the conflicts were retried, none overwritten.
  EXPECT_EQ(store_->GetKey("k1")->revision, 1 + kThreads * kCalls);
}

TEST_F(CouchStoreTest, ConcurrentUpdateKeyIsCompareAndSwap) {
  ASSERT_TRUE(store_->CreateKey(MakeKey("k1", "a", 0)).ok());
  constexpr int kThreads = 4;
  constexpr int kIncrements = 10;
  std::atomic<int> aborted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIncrements;) {
        auto k = store_->GetKey("k1");
        if (!k.ok()) {
          ADD_FAILURE() << k.status().ToString();
          return;
        }
        k->expire_time_ms += 1;
        auto rev = store_->UpdateKey(*k);
        if (rev.ok()) {
          ++i;
        } else if (rev.status().code() == Code::kAborted) {
          ++aborted;
        } else {
          ADD_FAILURE() << rev.status().ToString();
          return;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  KeyRecord k = *store_->GetKey("k1");
  EXPECT_EQ(k.expire_time_ms, 100000 + kThreads * kIncrements);
  EXPECT_EQ(k.revision, 1 + kThreads * kIncrements);
}

TEST_F(CouchStoreTest, WrongCredentialsFailClearlyWithoutLeakingThem) {
  CouchOptions bad = options_;
  bad.username = "nobody";
  bad.password = "wrong-pass-123";
  auto s = CouchStore::Open(bad);
  if (s.ok()) GTEST_SKIP() << "server accepts any credentials";
  EXPECT_EQ(s.status().code(), Code::kInternal);
  EXPECT_NE(s.status().message().find("401"), std::string::npos) << s.status().ToString();
  EXPECT_EQ(s.status().message().find("wrong-pass-123"), std::string::npos);
}

}  // namespace
}  // namespace kms::store
