// The Store contract for secrets and their versions, for every backend (see
// store_conformance_test.h).

#include <algorithm>
#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store/store_conformance_test.h"

namespace kms::store {
namespace {

#define ASSERT_OK(expr) KMS_ASSERT_STORE_OK(expr)

// Every printable ASCII character, controls the JSON layer lets through, and non-ASCII text.
std::string AwkwardName() {
  std::string s;
  for (char c = ' '; c <= '~'; ++c) s.push_back(c);
  return s + "\n\t\r" + "\xC3\xA9\xE2\x82\xAC\xF0\x9F\x94\x91";  // é € 🔑
}

SecretRecord MakeSecret(const std::string& appid, const std::string& name, const std::string& uid,
                        int64_t create_time_ms = 1'700'000'000'000) {
  SecretRecord s;
  s.appid = appid;
  s.name = name;
  s.uid = uid;
  s.description = "description of " + name;
  s.encryption_keyid = "";
  s.rotation_interval = "30d";
  s.create_time_ms = create_time_ms;
  s.next_rotation_time_ms = create_time_ms + 30LL * 86'400'000;
  return s;
}

SecretVersionRecord MakeVersion(int64_t id, const std::string& value, int64_t time_ms = 1000) {
  SecretVersionRecord v;
  v.version_id = id;
  v.value_blob = ToBytes(value);
  v.create_time_ms = time_ms;
  return v;
}

std::vector<int64_t> VersionIds(const std::vector<SecretVersionRecord>& versions) {
  std::vector<int64_t> ids;
  for (const SecretVersionRecord& v : versions) ids.push_back(v.version_id);
  return ids;
}

int CountCurrent(const std::vector<SecretVersionRecord>& versions) {
  return static_cast<int>(std::count_if(versions.begin(), versions.end(),
                                        [](const SecretVersionRecord& v) { return v.current; }));
}

std::vector<int64_t> Range(int64_t from, int64_t to) {
  std::vector<int64_t> out;
  for (int64_t i = from; i <= to; ++i) out.push_back(i);
  return out;
}

TEST_P(StoreConformanceTest, CreatedSecretReadsBackWithEveryFieldAndVersionOne) {
  SecretRecord s = MakeSecret("app-1", AwkwardName(), "uid-1");
  s.description = AwkwardName() + " (description)";
  s.encryption_keyid = "2f0ab1c4-2e0a-4c2b-9c1e-2d6e8f9a0b1c";
  Bytes blob;
  for (int v = 0; v < 256; ++v) blob.push_back(static_cast<uint8_t>(v));
  SecretVersionRecord first = MakeVersion(7, "", 1234);  // the id is the store's: 1
  first.value_blob = blob;
  ASSERT_OK(store_->CreateSecret(s, first));

  StatusOr<SecretRecord> got = store_->GetSecret("app-1", AwkwardName());
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->appid, "app-1");
  EXPECT_EQ(got->name, AwkwardName());
  EXPECT_EQ(got->uid, "uid-1");
  EXPECT_EQ(got->description, s.description);
  EXPECT_EQ(got->encryption_keyid, s.encryption_keyid);
  EXPECT_EQ(got->rotation_interval, "30d");
  EXPECT_EQ(got->create_time_ms, s.create_time_ms);
  EXPECT_EQ(got->next_rotation_time_ms, s.next_rotation_time_ms);
  EXPECT_EQ(got->delete_time_ms, 0);
  EXPECT_EQ(got->planned_delete_time_ms, 0);
  EXPECT_FALSE(got->pending_deletion());
  EXPECT_EQ(got->latest_version, 1);

  StatusOr<SecretVersionRecord> current = store_->GetSecretVersion("app-1", AwkwardName(), 0);
  ASSERT_TRUE(current.ok()) << current.status().ToString();
  EXPECT_EQ(current->version_id, 1);
  EXPECT_EQ(current->value_blob, blob);
  EXPECT_EQ(current->create_time_ms, 1234);
  EXPECT_TRUE(current->current);
}

TEST_P(StoreConformanceTest, SecretNamesAreExactAndPerAppid) {
  ASSERT_OK(store_->CreateSecret(MakeSecret("app-1", "db", "u1"), MakeVersion(1, "a")));
  EXPECT_TRUE(HasCode(store_->GetSecret("app-1", "DB").status(), Code::kNotFound));
  EXPECT_TRUE(HasCode(store_->GetSecret("app-1", "db ").status(), Code::kNotFound));
  EXPECT_TRUE(HasCode(store_->GetSecret("app-2", "db").status(), Code::kNotFound));
  // The same name for another tenant, and a name differing only in case, are other secrets.
  ASSERT_OK(store_->CreateSecret(MakeSecret("app-2", "db", "u2"), MakeVersion(1, "b")));
  ASSERT_OK(store_->CreateSecret(MakeSecret("app-1", "DB", "u3"), MakeVersion(1, "c")));
  EXPECT_EQ(store_->GetSecretVersion("app-2", "db", 0)->value_blob, ToBytes("b"));
  EXPECT_EQ(store_->GetSecretVersion("app-1", "DB", 0)->value_blob, ToBytes("c"));
  EXPECT_EQ(store_->GetSecretVersion("app-1", "db", 0)->value_blob, ToBytes("a"));
}

TEST_P(StoreConformanceTest, DuplicateSecretNameIsAlreadyExistsEvenPendingDeletion) {
  ASSERT_OK(store_->CreateSecret(MakeSecret("app-1", "db", "u1"), MakeVersion(1, "a")));
  EXPECT_TRUE(HasCode(store_->CreateSecret(MakeSecret("app-1", "db", "u2"), MakeVersion(1, "b")),
                      Code::kAlreadyExists));
  ASSERT_OK(store_->ScheduleSecretDeletion("app-1", "db", 10, 20));
  EXPECT_TRUE(HasCode(store_->CreateSecret(MakeSecret("app-1", "db", "u3"), MakeVersion(1, "c")),
                      Code::kAlreadyExists));
  StatusOr<SecretVersionRecord> v = store_->GetSecretVersion("app-1", "db", 0);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->value_blob, ToBytes("a"));
}

TEST_P(StoreConformanceTest, MissingSecretIsNotFoundEverywhere) {
  EXPECT_TRUE(HasCode(store_->GetSecret("app-1", "x").status(), Code::kNotFound));
  EXPECT_TRUE(HasCode(store_->SetSecretDescription("app-1", "x", "d"), Code::kNotFound));
  EXPECT_TRUE(
      HasCode(store_->AddSecretVersion("app-1", "x", MakeVersion(2, "v")), Code::kNotFound));
  EXPECT_TRUE(HasCode(store_->GetSecretVersion("app-1", "x", 0).status(), Code::kNotFound));
  EXPECT_TRUE(HasCode(store_->ListSecretVersions("app-1", "x").status(), Code::kNotFound));
  EXPECT_TRUE(HasCode(store_->ScheduleSecretDeletion("app-1", "x", 1, 2), Code::kNotFound));
  EXPECT_TRUE(HasCode(store_->RestoreSecret("app-1", "x"), Code::kNotFound));
  StatusOr<bool> deleted = store_->DeleteSecret("app-1", "x");
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_FALSE(*deleted);
  StatusOr<std::vector<SecretRecord>> list = store_->ListSecrets("app-1");
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  EXPECT_TRUE(list->empty());
}

TEST_P(StoreConformanceTest, VersionsAreAddedOnlyAsTheNextIdAndOneIsCurrent) {
  ASSERT_OK(store_->CreateSecret(MakeSecret("app-1", "s", "u1"), MakeVersion(1, "v1")));
  EXPECT_TRUE(
      HasCode(store_->AddSecretVersion("app-1", "s", MakeVersion(1, "dup")), Code::kAborted));
  EXPECT_TRUE(
      HasCode(store_->AddSecretVersion("app-1", "s", MakeVersion(3, "gap")), Code::kAborted));
  ASSERT_OK(store_->AddSecretVersion("app-1", "s", MakeVersion(2, "v2", 2000)));
  ASSERT_OK(store_->AddSecretVersion("app-1", "s", MakeVersion(3, "v3", 3000)));
  EXPECT_EQ(store_->GetSecret("app-1", "s")->latest_version, 3);

  StatusOr<std::vector<SecretVersionRecord>> all = store_->ListSecretVersions("app-1", "s");
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(VersionIds(*all), Range(1, 3));
  EXPECT_EQ(CountCurrent(*all), 1);
  EXPECT_TRUE(all->back().current);
  EXPECT_EQ((*all)[1].value_blob, ToBytes("v2"));
  EXPECT_EQ((*all)[1].create_time_ms, 2000);

  StatusOr<SecretVersionRecord> current = store_->GetSecretVersion("app-1", "s", 0);
  ASSERT_TRUE(current.ok());
  EXPECT_EQ(current->version_id, 3);
  EXPECT_EQ(current->value_blob, ToBytes("v3"));
  StatusOr<SecretVersionRecord> old = store_->GetSecretVersion("app-1", "s", 1);
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(old->value_blob, ToBytes("v1"));
  EXPECT_FALSE(old->current);
  EXPECT_TRUE(HasCode(store_->GetSecretVersion("app-1", "s", 4).status(), Code::kNotFound));
  EXPECT_TRUE(HasCode(store_->GetSecretVersion("app-1", "s", -1).status(), Code::kNotFound));
}

TEST_P(StoreConformanceTest, ConcurrentVersionAddsGetGaplessUniqueIds) {
  ASSERT_OK(store_->CreateSecret(MakeSecret("app-1", "s", "u1"), MakeVersion(1, "v1")));
  constexpr int kThreads = 6;
  constexpr int kPerThread = 5;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        std::string value = "t" + std::to_string(t) + "-" + std::to_string(i);
        bool added = false;
        for (int attempt = 0; attempt < 200 && !added; ++attempt) {
          StatusOr<SecretRecord> head = store_->GetSecret("app-1", "s");
          if (!head.ok()) break;
          Status s =
              store_->AddSecretVersion("app-1", "s", MakeVersion(head->latest_version + 1, value));
          if (s.ok()) added = true;
          if (!s.ok() && s.code() != Code::kAborted) break;
        }
        if (!added) failures++;
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  StatusOr<std::vector<SecretVersionRecord>> all = store_->ListSecretVersions("app-1", "s");
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(VersionIds(*all), Range(1, 1 + kThreads * kPerThread));
  EXPECT_EQ(CountCurrent(*all), 1);
  std::set<Bytes> values;
  for (const SecretVersionRecord& v : *all) values.insert(v.value_blob);
  EXPECT_EQ(values.size(), all->size()) << "a value was stored twice or overwritten";
}

TEST_P(StoreConformanceTest, ForcedDeletionRemovesEveryVersionAndANewSecretStartsEmpty) {
  constexpr int kVersions = 60;  // well beyond any default page of a query
  ASSERT_OK(store_->CreateSecret(MakeSecret("app-1", "s", "old"), MakeVersion(1, "old-1")));
  for (int i = 2; i <= kVersions; ++i) {
    ASSERT_OK(store_->AddSecretVersion("app-1", "s", MakeVersion(i, "old-" + std::to_string(i))));
  }
  StatusOr<std::vector<SecretVersionRecord>> before = store_->ListSecretVersions("app-1", "s");
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->size(), static_cast<size_t>(kVersions));

  StatusOr<bool> deleted = store_->DeleteSecret("app-1", "s");
  ASSERT_TRUE(deleted.ok()) << deleted.status().ToString();
  EXPECT_TRUE(*deleted);
  EXPECT_TRUE(HasCode(store_->GetSecret("app-1", "s").status(), Code::kNotFound));
  EXPECT_TRUE(HasCode(store_->GetSecretVersion("app-1", "s", 5).status(), Code::kNotFound));

  ASSERT_OK(store_->CreateSecret(MakeSecret("app-1", "s", "new"), MakeVersion(1, "new-1")));
  StatusOr<std::vector<SecretVersionRecord>> after = store_->ListSecretVersions("app-1", "s");
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  ASSERT_EQ(VersionIds(*after), Range(1, 1));
  EXPECT_EQ((*after)[0].value_blob, ToBytes("new-1"));
  EXPECT_TRUE(HasCode(store_->GetSecretVersion("app-1", "s", 2).status(), Code::kNotFound));
  ASSERT_OK(store_->AddSecretVersion("app-1", "s", MakeVersion(2, "new-2")));
  EXPECT_EQ(store_->GetSecretVersion("app-1", "s", 2)->value_blob, ToBytes("new-2"));
  EXPECT_EQ(VersionIds(*store_->ListSecretVersions("app-1", "s")), Range(1, 2));
}

TEST_P(StoreConformanceTest, PendingDeletionBlocksChangesUntilRestored) {
  ASSERT_OK(store_->CreateSecret(MakeSecret("app-1", "s", "u1"), MakeVersion(1, "v1")));
  ASSERT_OK(store_->ScheduleSecretDeletion("app-1", "s", 1000, 5000));
  StatusOr<SecretRecord> pending = store_->GetSecret("app-1", "s");
  ASSERT_TRUE(pending.ok());
  EXPECT_TRUE(pending->pending_deletion());
  EXPECT_EQ(pending->delete_time_ms, 1000);
  EXPECT_EQ(pending->planned_delete_time_ms, 5000);
  EXPECT_TRUE(
      HasCode(store_->SetSecretDescription("app-1", "s", "new"), Code::kFailedPrecondition));
  EXPECT_TRUE(HasCode(store_->AddSecretVersion("app-1", "s", MakeVersion(2, "v2")),
                      Code::kFailedPrecondition));
  // Deleting again reschedules.
  ASSERT_OK(store_->ScheduleSecretDeletion("app-1", "s", 2000, 9000));
  EXPECT_EQ(store_->GetSecret("app-1", "s")->planned_delete_time_ms, 9000);

  ASSERT_OK(store_->RestoreSecret("app-1", "s"));
  StatusOr<SecretRecord> restored = store_->GetSecret("app-1", "s");
  ASSERT_TRUE(restored.ok());
  EXPECT_FALSE(restored->pending_deletion());
  EXPECT_EQ(restored->delete_time_ms, 0);
  ASSERT_OK(store_->SetSecretDescription("app-1", "s", "new"));
  ASSERT_OK(store_->AddSecretVersion("app-1", "s", MakeVersion(2, "v2")));
  EXPECT_EQ(store_->GetSecret("app-1", "s")->description, "new");
  ASSERT_OK(store_->SetSecretDescription("app-1", "s", ""));
  EXPECT_EQ(store_->GetSecret("app-1", "s")->description, "");
  // Restoring a secret that is not pending deletion is allowed and changes nothing.
  ASSERT_OK(store_->RestoreSecret("app-1", "s"));
}

TEST_P(StoreConformanceTest, DueSecretsAreListedAndDeletedOnlyWhileStillDue) {
  ASSERT_OK(store_->CreateSecret(MakeSecret("app-1", "due", "u1"), MakeVersion(1, "a")));
  ASSERT_OK(store_->CreateSecret(MakeSecret("app-2", "later", "u2"), MakeVersion(1, "b")));
  ASSERT_OK(store_->CreateSecret(MakeSecret("app-1", "live", "u3"), MakeVersion(1, "c")));
  ASSERT_OK(store_->CreateSecret(MakeSecret("app-1", "restored", "u4"), MakeVersion(1, "d")));
  ASSERT_OK(store_->ScheduleSecretDeletion("app-1", "due", 100, 1000));
  ASSERT_OK(store_->ScheduleSecretDeletion("app-2", "later", 100, 3000));
  ASSERT_OK(store_->ScheduleSecretDeletion("app-1", "restored", 100, 1000));

  StatusOr<std::vector<SecretRecord>> due = store_->ListSecretsDueForDeletion(2000, 100);
  ASSERT_TRUE(due.ok()) << due.status().ToString();
  std::set<std::string> names;
  for (const SecretRecord& s : *due) names.insert(s.appid + "/" + s.name);
  EXPECT_EQ(names, (std::set<std::string>{"app-1/due", "app-1/restored"}));

  // A restore between the listing and the deletion wins.
  ASSERT_OK(store_->RestoreSecret("app-1", "restored"));
  EXPECT_FALSE(*store_->DeleteSecretIfDue("app-1", "restored", 2000));
  EXPECT_TRUE(store_->GetSecret("app-1", "restored").ok());
  // Not yet due, or not pending at all: kept.
  EXPECT_FALSE(*store_->DeleteSecretIfDue("app-2", "later", 2000));
  EXPECT_FALSE(*store_->DeleteSecretIfDue("app-1", "live", 2000));
  EXPECT_TRUE(store_->GetSecret("app-2", "later").ok());
  EXPECT_TRUE(store_->GetSecret("app-1", "live").ok());

  StatusOr<bool> removed = store_->DeleteSecretIfDue("app-1", "due", 2000);
  ASSERT_TRUE(removed.ok()) << removed.status().ToString();
  EXPECT_TRUE(*removed);
  EXPECT_TRUE(HasCode(store_->GetSecret("app-1", "due").status(), Code::kNotFound));
  EXPECT_TRUE(store_->ListSecretsDueForDeletion(2000, 100)->empty());
  EXPECT_EQ(store_->ListSecretsDueForDeletion(3000, 100)->size(), 1u);
}

TEST_P(StoreConformanceTest, DueListingHonoursTheLimitAmongManySecrets) {
  for (int i = 0; i < 40; ++i) {
    std::string name = "s" + std::to_string(100 + i);
    ASSERT_OK(store_->CreateSecret(MakeSecret("app-1", name, "u" + name), MakeVersion(1, "x")));
    // Every other secret is due; the others are pending but later, or not pending at all.
    if (i % 2 == 0) ASSERT_OK(store_->ScheduleSecretDeletion("app-1", name, 1, 500 + i));
    if (i % 4 == 1) ASSERT_OK(store_->ScheduleSecretDeletion("app-1", name, 1, 99'000));
  }
  int rounds = 0;
  int removed = 0;
  while (rounds++ < 20) {
    StatusOr<std::vector<SecretRecord>> due = store_->ListSecretsDueForDeletion(1000, 7);
    ASSERT_TRUE(due.ok()) << due.status().ToString();
    ASSERT_LE(due->size(), 7u);
    if (due->empty()) break;
    for (const SecretRecord& s : *due) {
      EXPECT_LE(s.planned_delete_time_ms, 1000);
      StatusOr<bool> r = store_->DeleteSecretIfDue(s.appid, s.name, 1000);
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      removed += *r ? 1 : 0;
    }
  }
  EXPECT_EQ(removed, 20);
  EXPECT_EQ(store_->ListSecrets("app-1")->size(), 20u);
}

TEST_P(StoreConformanceTest, ListSecretsReturnsOnlyTheAppidsByCreateTimeIncludingPending) {
  ASSERT_OK(store_->CreateSecret(MakeSecret("app-1", "b", "u1", 300), MakeVersion(1, "x")));
  ASSERT_OK(store_->CreateSecret(MakeSecret("app-1", "a", "u2", 300), MakeVersion(1, "x")));
  ASSERT_OK(store_->CreateSecret(MakeSecret("app-1", "z", "u3", 100), MakeVersion(1, "x")));
  ASSERT_OK(store_->CreateSecret(MakeSecret("app-2", "c", "u4", 200), MakeVersion(1, "x")));
  ASSERT_OK(store_->ScheduleSecretDeletion("app-1", "a", 1, 2));
  StatusOr<std::vector<SecretRecord>> list = store_->ListSecrets("app-1");
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  std::vector<std::string> names;
  for (const SecretRecord& s : *list) names.push_back(s.name);
  EXPECT_EQ(names, (std::vector<std::string>{"z", "a", "b"}));
  EXPECT_TRUE((*list)[1].pending_deletion());
}

}  // namespace
}  // namespace kms::store
