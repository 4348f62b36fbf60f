#include "store/store_conformance_test.h"

#include <algorithm>
#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace kms::store {

std::string StoreBackendName(const ::testing::TestParamInfo<StoreBackend>& info) {
  return info.param.name;
}

void PrintTo(const StoreBackend& backend, std::ostream* os) { *os << backend.name; }

void StoreConformanceTest::SetUp() {
  store_ = GetParam().make();
  if (store_ == nullptr && GetParam().skip_when_unavailable) {
    GTEST_SKIP() << "backend " << GetParam().name << " has no server (see scripts/test.sh)";
  }
  ASSERT_NE(store_, nullptr) << "backend " << GetParam().name << " could not make a store";
}

namespace {

#define ASSERT_OK(expr) KMS_ASSERT_STORE_OK(expr)

Bytes EveryByteValue() {
  Bytes b;
  for (int round = 0; round < 2; ++round) {
    for (int v = 0; v < 256; ++v) b.push_back(static_cast<uint8_t>(v));
  }
  return b;
}

TenantRecord MakeTenant(const std::string& appid) {
  TenantRecord t;
  t.appid = appid;
  t.apikey_blob = ToBytes("apikey-blob-" + appid);
  t.cmk_blob = ToBytes("cmk-blob-" + appid);
  t.sm_default_cmk_blob = ToBytes("sm-cmk-blob-" + appid);
  t.create_time_ms = 1'700'000'000'123;
  return t;
}

KeyRecord MakeKey(const std::string& keyid, const std::string& creator,
                  int64_t creation_date_ms = 1'700'000'000'000) {
  KeyRecord k;
  k.keyid = keyid;
  k.creator = creator;
  k.keyspec = "EH_AES_GCM_256";
  k.origin = "EH_INTERNAL_KEY";
  k.keyusage = "EH_KEYUSAGE_ENCRYPT_DECRYPT";
  k.key_blob = ToBytes("key-blob-" + keyid);
  k.creation_date_ms = creation_date_ms;
  k.expire_time_ms = creation_date_ms + 86'400'000;
  k.alias = "alias-" + keyid;
  k.key_state = 1;
  return k;
}

void ExpectSameTenant(const TenantRecord& want, const TenantRecord& got) {
  EXPECT_EQ(got.appid, want.appid);
  EXPECT_EQ(got.apikey_blob, want.apikey_blob);
  EXPECT_EQ(got.cmk_blob, want.cmk_blob);
  EXPECT_EQ(got.sm_default_cmk_blob, want.sm_default_cmk_blob);
  EXPECT_EQ(got.create_time_ms, want.create_time_ms);
}

// Compares everything but the revision, which the store owns.
void ExpectSameKey(const KeyRecord& want, const KeyRecord& got) {
  EXPECT_EQ(got.keyid, want.keyid);
  EXPECT_EQ(got.creator, want.creator);
  EXPECT_EQ(got.keyspec, want.keyspec);
  EXPECT_EQ(got.origin, want.origin);
  EXPECT_EQ(got.keyusage, want.keyusage);
  EXPECT_EQ(got.key_blob, want.key_blob);
  EXPECT_EQ(got.creation_date_ms, want.creation_date_ms);
  EXPECT_EQ(got.expire_time_ms, want.expire_time_ms);
  EXPECT_EQ(got.alias, want.alias);
  EXPECT_EQ(got.key_state, want.key_state);
}

std::vector<std::string> KeyIds(const std::vector<KeyRecord>& keys) {
  std::vector<std::string> ids;
  for (const KeyRecord& k : keys) ids.push_back(k.keyid);
  return ids;
}

TEST_P(StoreConformanceTest, PingAnswersOnAnOpenStore) {
  ASSERT_OK(store_->Ping());
  ASSERT_OK(store_->CreateTenant(MakeTenant("app-1")));
  ASSERT_OK(store_->Ping());
}

// --- tenants

TEST_P(StoreConformanceTest, CreatedTenantReadsBackUnchanged) {
  TenantRecord t = MakeTenant("app-1");
  ASSERT_OK(store_->CreateTenant(t));
  StatusOr<TenantRecord> got = store_->GetTenant("app-1");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ExpectSameTenant(t, *got);
}

TEST_P(StoreConformanceTest, DuplicateTenantIsAlreadyExistsAndKeepsTheFirst) {
  TenantRecord first = MakeTenant("app-1");
  ASSERT_OK(store_->CreateTenant(first));
  TenantRecord second = MakeTenant("app-1");
  second.apikey_blob = ToBytes("other");
  EXPECT_TRUE(HasCode(store_->CreateTenant(second), Code::kAlreadyExists));
  StatusOr<TenantRecord> got = store_->GetTenant("app-1");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ExpectSameTenant(first, *got);
}

TEST_P(StoreConformanceTest, MissingTenantIsNotFound) {
  EXPECT_TRUE(HasCode(store_->GetTenant("nobody").status(), Code::kNotFound));
  ASSERT_OK(store_->CreateTenant(MakeTenant("app-1")));
  EXPECT_TRUE(HasCode(store_->GetTenant("app-2").status(), Code::kNotFound));
  EXPECT_TRUE(HasCode(store_->GetTenant("APP-1").status(), Code::kNotFound));
}

// --- keys: create, get

TEST_P(StoreConformanceTest, CreatedKeyReadsBackAtRevisionOne) {
  KeyRecord k = MakeKey("key-1", "app-1");
  k.revision = 42;  // ignored on create
  k.key_state = 0;
  ASSERT_OK(store_->CreateKey(k));
  StatusOr<KeyRecord> got = store_->GetKey("key-1");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ExpectSameKey(k, *got);
  EXPECT_EQ(got->revision, 1);
}

TEST_P(StoreConformanceTest, MissingKeyIsNotFound) {
  EXPECT_TRUE(HasCode(store_->GetKey("nope").status(), Code::kNotFound));
  ASSERT_OK(store_->CreateKey(MakeKey("key-1", "app-1")));
  EXPECT_TRUE(HasCode(store_->GetKey("key-2").status(), Code::kNotFound));
}

TEST_P(StoreConformanceTest, DuplicateKeyIdIsAlreadyExistsEvenForAnotherCreator) {
  KeyRecord first = MakeKey("key-1", "app-1");
  ASSERT_OK(store_->CreateKey(first));
  EXPECT_TRUE(HasCode(store_->CreateKey(MakeKey("key-1", "app-1")), Code::kAlreadyExists));
  EXPECT_TRUE(HasCode(store_->CreateKey(MakeKey("key-1", "app-2")), Code::kAlreadyExists));
  StatusOr<KeyRecord> got = store_->GetKey("key-1");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ExpectSameKey(first, *got);
  StatusOr<std::vector<KeyRecord>> other = store_->ListKeys("app-2");
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  EXPECT_TRUE(other->empty());
}

TEST_P(StoreConformanceTest, KeyWithEmptyBlobReadsBackEmpty) {
  KeyRecord k = MakeKey("external-1", "app-1");
  k.origin = "EH_EXTERNAL_KEY";
  k.key_blob.clear();
  ASSERT_OK(store_->CreateKey(k));
  StatusOr<KeyRecord> got = store_->GetKey("external-1");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ExpectSameKey(k, *got);
}

TEST_P(StoreConformanceTest, BlobsWithEveryByteValueRoundTrip) {
  TenantRecord t = MakeTenant("app-1");
  t.apikey_blob = EveryByteValue();
  t.cmk_blob = Bytes(1000, 0x00);
  t.sm_default_cmk_blob = Bytes(1000, 0xff);
  ASSERT_OK(store_->CreateTenant(t));
  KeyRecord k = MakeKey("key-1", "app-1");
  k.key_blob = EveryByteValue();
  k.alias = "alias \xe5\xaf\x86\xe9\x92\xa5 'quoted' \"double\" ; -- %";
  ASSERT_OK(store_->CreateKey(k));
  KeyRecord big = MakeKey("key-big", "app-1");
  big.key_blob.resize(256 * 1024);
  for (size_t i = 0; i < big.key_blob.size(); ++i) {
    big.key_blob[i] = static_cast<uint8_t>((i * 131) ^ (i >> 8));
  }
  ASSERT_OK(store_->CreateKey(big));

  StatusOr<TenantRecord> got_t = store_->GetTenant("app-1");
  ASSERT_TRUE(got_t.ok()) << got_t.status().ToString();
  ExpectSameTenant(t, *got_t);
  StatusOr<KeyRecord> got_k = store_->GetKey("key-1");
  ASSERT_TRUE(got_k.ok()) << got_k.status().ToString();
  ExpectSameKey(k, *got_k);
  StatusOr<std::vector<KeyRecord>> listed = store_->ListKeys("app-1");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  ASSERT_EQ(listed->size(), 2u);
  for (const KeyRecord& r : *listed) ExpectSameKey(r.keyid == "key-big" ? big : k, r);
}

// --- keys: list

TEST_P(StoreConformanceTest, ListKeysReturnsOnlyTheCreatorsKeysByDateThenId) {
  // Created out of order, with a tie on the date that keyid must break.
  ASSERT_OK(store_->CreateKey(MakeKey("k-c", "app-1", 300)));
  ASSERT_OK(store_->CreateKey(MakeKey("k-b", "app-1", 100)));
  ASSERT_OK(store_->CreateKey(MakeKey("other", "app-2", 150)));
  ASSERT_OK(store_->CreateKey(MakeKey("k-a", "app-1", 200)));
  ASSERT_OK(store_->CreateKey(MakeKey("k-0", "app-1", 200)));
  StatusOr<std::vector<KeyRecord>> keys = store_->ListKeys("app-1");
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  EXPECT_EQ(KeyIds(*keys), (std::vector<std::string>{"k-b", "k-0", "k-a", "k-c"}));
  for (const KeyRecord& k : *keys) {
    EXPECT_EQ(k.creator, "app-1");
    EXPECT_EQ(k.revision, 1);
  }
  StatusOr<std::vector<KeyRecord>> other = store_->ListKeys("app-2");
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  EXPECT_EQ(KeyIds(*other), (std::vector<std::string>{"other"}));
  StatusOr<std::vector<KeyRecord>> none = store_->ListKeys("app-3");
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_TRUE(none->empty());
}

TEST_P(StoreConformanceTest, ListKeysReturnsEveryKeyBeyondAThousand) {
  constexpr int kKeys = 1500;
  // Several writers so backends that batch commits do not make this test slow.
  constexpr int kThreads = 4;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < kKeys; i += kThreads) {
        char id[16];
        std::snprintf(id, sizeof(id), "key-%05d", i);
        if (!store_->CreateKey(MakeKey(id, "app-1", 1000 + i / 10)).ok()) failures++;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  ASSERT_EQ(failures.load(), 0);
  StatusOr<std::vector<KeyRecord>> keys = store_->ListKeys("app-1");
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  ASSERT_EQ(keys->size(), static_cast<size_t>(kKeys));
  for (int i = 0; i < kKeys; ++i) {
    char id[16];
    std::snprintf(id, sizeof(id), "key-%05d", i);
    ASSERT_EQ((*keys)[i].keyid, id) << "at position " << i;
  }
}

// --- keys: optimistic concurrency

TEST_P(StoreConformanceTest, UpdateWithCurrentRevisionReplacesAndBumpsRevision) {
  ASSERT_OK(store_->CreateKey(MakeKey("key-1", "app-1")));
  StatusOr<KeyRecord> read = store_->GetKey("key-1");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  KeyRecord changed = *read;
  changed.key_blob = ToBytes("rotated-blob");
  changed.alias = "renamed";
  changed.key_state = 0;
  changed.expire_time_ms = 5;
  StatusOr<int64_t> rev = store_->UpdateKey(changed);
  ASSERT_TRUE(rev.ok()) << rev.status().ToString();
  EXPECT_EQ(*rev, read->revision + 1);

  StatusOr<KeyRecord> after = store_->GetKey("key-1");
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  ExpectSameKey(changed, *after);
  EXPECT_EQ(after->revision, *rev);

  changed.revision = *rev;
  changed.alias = "again";
  StatusOr<int64_t> rev2 = store_->UpdateKey(changed);
  ASSERT_TRUE(rev2.ok()) << rev2.status().ToString();
  EXPECT_EQ(*rev2, *rev + 1);
}

TEST_P(StoreConformanceTest, UpdateWithStaleRevisionIsAbortedAndChangesNothing) {
  ASSERT_OK(store_->CreateKey(MakeKey("key-1", "app-1")));
  StatusOr<KeyRecord> read = store_->GetKey("key-1");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  KeyRecord winner = *read;
  winner.alias = "winner";
  ASSERT_TRUE(store_->UpdateKey(winner).ok());

  KeyRecord loser = *read;  // still carries the old revision
  loser.alias = "loser";
  EXPECT_TRUE(HasCode(store_->UpdateKey(loser).status(), Code::kAborted));
  loser.revision = read->revision + 100;  // a revision from the future is just as wrong
  EXPECT_TRUE(HasCode(store_->UpdateKey(loser).status(), Code::kAborted));

  StatusOr<KeyRecord> after = store_->GetKey("key-1");
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(after->alias, "winner");
  EXPECT_EQ(after->revision, read->revision + 1);
}

TEST_P(StoreConformanceTest, UpdateOfMissingKeyIsNotFound) {
  KeyRecord k = MakeKey("ghost", "app-1");
  k.revision = 1;
  EXPECT_TRUE(HasCode(store_->UpdateKey(k).status(), Code::kNotFound));
  EXPECT_TRUE(HasCode(store_->GetKey("ghost").status(), Code::kNotFound));
}

TEST_P(StoreConformanceTest, ConcurrentUpdatesFromOneRevisionHaveExactlyOneWinner) {
  ASSERT_OK(store_->CreateKey(MakeKey("key-1", "app-1")));
  StatusOr<KeyRecord> read = store_->GetKey("key-1");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  constexpr int kThreads = 8;
  std::atomic<int> won{0}, aborted{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      KeyRecord k = *read;
      k.alias = "writer-" + std::to_string(t);
      Status s = store_->UpdateKey(k).status();
      if (s.ok()) {
        won++;
      } else if (s.code() == Code::kAborted) {
        aborted++;
      } else {
        other++;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(aborted.load(), kThreads - 1);
  EXPECT_EQ(other.load(), 0);
  StatusOr<KeyRecord> after = store_->GetKey("key-1");
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(after->revision, read->revision + 1);
}

// --- keys: state, delete

TEST_P(StoreConformanceTest, SetKeyStateOnlyForTheOwner) {
  ASSERT_OK(store_->CreateKey(MakeKey("key-1", "app-1")));
  EXPECT_TRUE(HasCode(store_->SetKeyState("key-1", "app-2", 0), Code::kNotFound));
  StatusOr<KeyRecord> unchanged = store_->GetKey("key-1");
  ASSERT_TRUE(unchanged.ok()) << unchanged.status().ToString();
  EXPECT_EQ(unchanged->key_state, 1);

  ASSERT_OK(store_->SetKeyState("key-1", "app-1", 0));
  StatusOr<KeyRecord> disabled = store_->GetKey("key-1");
  ASSERT_TRUE(disabled.ok()) << disabled.status().ToString();
  EXPECT_EQ(disabled->key_state, 0);

  ASSERT_OK(store_->SetKeyState("key-1", "app-1", 1));
  StatusOr<KeyRecord> enabled = store_->GetKey("key-1");
  ASSERT_TRUE(enabled.ok()) << enabled.status().ToString();
  EXPECT_EQ(enabled->key_state, 1);

  EXPECT_TRUE(HasCode(store_->SetKeyState("missing", "app-1", 0), Code::kNotFound));
}

TEST_P(StoreConformanceTest, SetKeyStateMakesEarlierReadsStale) {
  ASSERT_OK(store_->CreateKey(MakeKey("key-1", "app-1")));
  StatusOr<KeyRecord> read = store_->GetKey("key-1");
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_OK(store_->SetKeyState("key-1", "app-1", 0));
  // An update prepared before the disable must not re-enable the key behind its back.
  KeyRecord stale = *read;
  stale.alias = "late";
  EXPECT_TRUE(HasCode(store_->UpdateKey(stale).status(), Code::kAborted));
  StatusOr<KeyRecord> after = store_->GetKey("key-1");
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(after->key_state, 0);
  EXPECT_GT(after->revision, read->revision);
}

TEST_P(StoreConformanceTest, DeleteKeyReportsExistenceAndRespectsCreator) {
  ASSERT_OK(store_->CreateKey(MakeKey("key-1", "app-1")));
  StatusOr<bool> foreign = store_->DeleteKey("key-1", "app-2");
  ASSERT_TRUE(foreign.ok()) << foreign.status().ToString();
  EXPECT_FALSE(*foreign);
  EXPECT_TRUE(store_->GetKey("key-1").ok());

  StatusOr<bool> deleted = store_->DeleteKey("key-1", "app-1");
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_TRUE(*deleted);
  EXPECT_TRUE(HasCode(store_->GetKey("key-1").status(), Code::kNotFound));

  StatusOr<bool> again = store_->DeleteKey("key-1", "app-1");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_FALSE(*again);

  // The id is free again.
  ASSERT_OK(store_->CreateKey(MakeKey("key-1", "app-2")));
  StatusOr<KeyRecord> recreated = store_->GetKey("key-1");
  ASSERT_TRUE(recreated.ok()) << recreated.status().ToString();
  EXPECT_EQ(recreated->creator, "app-2");
  EXPECT_EQ(recreated->revision, 1);
}

TEST_P(StoreConformanceTest, DeleteAllKeysCountsAndLeavesOtherCreatorsAlone) {
  for (int i = 0; i < 5; ++i) {
    ASSERT_OK(store_->CreateKey(MakeKey("a-" + std::to_string(i), "app-1")));
  }
  for (int i = 0; i < 3; ++i) {
    ASSERT_OK(store_->CreateKey(MakeKey("b-" + std::to_string(i), "app-2")));
  }
  ASSERT_OK(store_->CreateTenant(MakeTenant("app-1")));

  StatusOr<int64_t> n = store_->DeleteAllKeys("app-1");
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, 5);
  StatusOr<std::vector<KeyRecord>> gone = store_->ListKeys("app-1");
  ASSERT_TRUE(gone.ok()) << gone.status().ToString();
  EXPECT_TRUE(gone->empty());
  StatusOr<std::vector<KeyRecord>> kept = store_->ListKeys("app-2");
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  EXPECT_EQ(KeyIds(*kept), (std::vector<std::string>{"b-0", "b-1", "b-2"}));
  EXPECT_TRUE(store_->GetTenant("app-1").ok()) << "deleting keys must not delete the tenant";

  StatusOr<int64_t> again = store_->DeleteAllKeys("app-1");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, 0);
}

// --- counting

TEST_P(StoreConformanceTest, CountWrappedObjectsCountsKeysAndTenants) {
  StatusOr<int64_t> empty = store_->CountWrappedObjects();
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_EQ(*empty, 0);

  ASSERT_OK(store_->CreateTenant(MakeTenant("app-1")));
  StatusOr<int64_t> one = store_->CountWrappedObjects();
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ(*one, 1);

  ASSERT_OK(store_->CreateKey(MakeKey("key-1", "app-1")));
  ASSERT_OK(store_->CreateKey(MakeKey("key-2", "app-2")));
  StatusOr<int64_t> three = store_->CountWrappedObjects();
  ASSERT_TRUE(three.ok()) << three.status().ToString();
  EXPECT_EQ(*three, 3);

  ASSERT_TRUE(store_->DeleteKey("key-1", "app-1").ok());
  StatusOr<int64_t> two = store_->CountWrappedObjects();
  ASSERT_TRUE(two.ok()) << two.status().ToString();
  EXPECT_EQ(*two, 2);
}

TEST_P(StoreConformanceTest, SampleWrappedBlobsGivesTenantAndNonEmptyKeyBlobsUpToTheLimit) {
  StatusOr<std::vector<Bytes>> empty = store_->SampleWrappedBlobs(2);
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_TRUE(empty->empty());

  for (const char* appid : {"app-1", "app-2", "app-3"}) {
    ASSERT_OK(store_->CreateTenant(MakeTenant(appid)));
  }
  KeyRecord pending = MakeKey("key-0", "app-1");
  pending.key_blob.clear();  // an external key without material: nothing wrapped
  ASSERT_OK(store_->CreateKey(pending));
  ASSERT_OK(store_->CreateKey(MakeKey("key-1", "app-1")));
  StatusOr<std::vector<Bytes>> sample = store_->SampleWrappedBlobs(2);
  ASSERT_TRUE(sample.ok()) << sample.status().ToString();
  std::vector<std::string> got;
  for (const Bytes& b : *sample) got.emplace_back(AsChars(b));
  std::sort(got.begin(), got.end());
  ASSERT_EQ(got.size(), 3u);  // two of three tenants, the one key with a blob
  EXPECT_TRUE(got[0].starts_with("cmk-blob-app-")) << got[0];
  EXPECT_TRUE(got[1].starts_with("cmk-blob-app-")) << got[1];
  EXPECT_EQ(got[2], "key-blob-key-1");
}

// --- concurrency

TEST_P(StoreConformanceTest, ConcurrentCreatesFromEightThreadsAreAllVisible) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 40;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::string creator = "app-" + std::to_string(t % 2);
      for (int i = 0; i < kPerThread; ++i) {
        std::string id = "t" + std::to_string(t) + "-k" + std::to_string(i);
        if (!store_->CreateKey(MakeKey(id, creator, 1000 + i)).ok()) failures++;
        // Interleave reads with the writes: each thread must see its own key at once.
        if (!store_->GetKey(id).ok()) failures++;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  StatusOr<std::vector<KeyRecord>> even = store_->ListKeys("app-0");
  StatusOr<std::vector<KeyRecord>> odd = store_->ListKeys("app-1");
  ASSERT_TRUE(even.ok() && odd.ok());
  EXPECT_EQ(even->size(), static_cast<size_t>(kThreads / 2 * kPerThread));
  EXPECT_EQ(odd->size(), static_cast<size_t>(kThreads / 2 * kPerThread));
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < kPerThread; ++i) {
      std::string id = "t" + std::to_string(t) + "-k" + std::to_string(i);
      EXPECT_TRUE(store_->GetKey(id).ok()) << id;
    }
  }
  StatusOr<int64_t> count = store_->CountWrappedObjects();
  ASSERT_TRUE(count.ok()) << count.status().ToString();
  EXPECT_EQ(*count, kThreads * kPerThread);
}

TEST_P(StoreConformanceTest, ConcurrentCreatesOfOneIdHaveExactlyOneWinner) {
  constexpr int kThreads = 8;
  std::atomic<int> created{0}, duplicate{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Status s = store_->CreateKey(MakeKey("contested", "app-" + std::to_string(t)));
      if (s.ok()) {
        created++;
      } else if (s.code() == Code::kAlreadyExists) {
        duplicate++;
      } else {
        other++;
      }
      // Unrelated creates in the same burst must not be affected by the collisions.
      if (!store_->CreateKey(MakeKey("own-" + std::to_string(t), "app-x")).ok()) other++;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(duplicate.load(), kThreads - 1);
  EXPECT_EQ(other.load(), 0);
  StatusOr<std::vector<KeyRecord>> own = store_->ListKeys("app-x");
  ASSERT_TRUE(own.ok()) << own.status().ToString();
  EXPECT_EQ(own->size(), static_cast<size_t>(kThreads));
}

TEST_P(StoreConformanceTest, ConcurrentCreatesOfOneTenantHaveExactlyOneWinner) {
  constexpr int kThreads = 8;
  std::atomic<int> created{0}, duplicate{0}, other{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      TenantRecord tenant = MakeTenant("app-1");
      tenant.create_time_ms = t;
      Status s = store_->CreateTenant(tenant);
      if (s.ok()) {
        created++;
      } else if (s.code() == Code::kAlreadyExists) {
        duplicate++;
      } else {
        other++;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(duplicate.load(), kThreads - 1);
  EXPECT_EQ(other.load(), 0);
  StatusOr<int64_t> count = store_->CountWrappedObjects();
  ASSERT_TRUE(count.ok()) << count.status().ToString();
  EXPECT_EQ(*count, 1);
}

// --- the deployment's domain-key fingerprint

TEST_P(StoreConformanceTest, DomainKeyIdIsNotFoundUntilRecorded) {
  EXPECT_TRUE(HasCode(store_->GetDomainKeyId().status(), Code::kNotFound));
}

TEST_P(StoreConformanceTest, FirstRecordedDomainKeyIdWinsAndStays) {
  auto first = store_->RecordDomainKeyId("00112233aabbccdd");
  ASSERT_OK(first.status());
  EXPECT_EQ(*first, "00112233aabbccdd");
  auto second = store_->RecordDomainKeyId("ffeeddcc99887766");
  ASSERT_OK(second.status());
  EXPECT_EQ(*second, "00112233aabbccdd");
  auto read = store_->GetDomainKeyId();
  ASSERT_OK(read.status());
  EXPECT_EQ(*read, "00112233aabbccdd");
}

TEST_P(StoreConformanceTest, EmptyDomainKeyIdIsRefused) {
  EXPECT_TRUE(HasCode(store_->RecordDomainKeyId("").status(), Code::kInvalidArgument));
  EXPECT_TRUE(HasCode(store_->GetDomainKeyId().status(), Code::kNotFound));
}

TEST_P(StoreConformanceTest, DomainKeyIdIsNotAWrappedObject) {
  ASSERT_OK(store_->RecordDomainKeyId("00112233aabbccdd").status());
  auto count = store_->CountWrappedObjects();
  ASSERT_OK(count.status());
  EXPECT_EQ(*count, 0);
  auto sample = store_->SampleWrappedBlobs(4);
  ASSERT_OK(sample.status());
  EXPECT_TRUE(sample->empty());
}

// Two KMSs starting together on an empty store must agree on one fingerprint.
TEST_P(StoreConformanceTest, RacingRecordersAllSeeTheSameDomainKeyId) {
  constexpr int kRacers = 8;
  std::vector<std::string> seen(kRacers);
  std::vector<Status> errors(kRacers, Status::Ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < kRacers; ++t) {
    threads.emplace_back([&, t] {
      auto r = store_->RecordDomainKeyId("racer" + std::to_string(t) + "00000000000");
      if (r.ok()) seen[t] = *r;
      else errors[t] = r.status();
    });
  }
  for (std::thread& t : threads) t.join();
  auto recorded = store_->GetDomainKeyId();
  ASSERT_OK(recorded.status());
  for (int t = 0; t < kRacers; ++t) {
    ASSERT_OK(errors[t]);
    EXPECT_EQ(seen[t], *recorded) << "racer " << t;
  }
}


}  // namespace
}  // namespace kms::store
