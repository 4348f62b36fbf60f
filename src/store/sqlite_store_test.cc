#include "store/sqlite_store.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdint>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "store/sqlite_schema.h"
#include "store/sqlite_test_util.h"
#include "store/store_conformance_test.h"

namespace kms::store {
namespace {

using testing::RawQuery;
using testing::TempDir;

// One directory for every store the conformance suite makes in this process (each test gets its
// own file in it), removed when the tests are over.
std::unique_ptr<TempDir>& SuiteDir() {
  static auto* dir = new std::unique_ptr<TempDir>(std::make_unique<TempDir>());
  return *dir;
}

class RemoveSuiteDir : public ::testing::Environment {
 public:
  void TearDown() override { SuiteDir().reset(); }
};
const auto* const kRemoveSuiteDir = ::testing::AddGlobalTestEnvironment(new RemoveSuiteDir);

std::unique_ptr<Store> MakeFreshSqliteStore() {
  static std::atomic<int> counter{0};
  if (SuiteDir() == nullptr || !SuiteDir()->ok()) return nullptr;
  std::string path = SuiteDir()->File("conformance-" + std::to_string(counter++) + ".db");
  StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(path);
  if (!store.ok()) {
    ADD_FAILURE() << store.status().ToString();
    return nullptr;
  }
  return std::move(store).value();
}

}  // namespace

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreConformanceTest,
                         ::testing::Values(StoreBackend{"sqlite", MakeFreshSqliteStore}),
                         StoreBackendName);

namespace {

KeyRecord Key(const std::string& keyid, const std::string& creator) {
  KeyRecord k;
  k.keyid = keyid;
  k.creator = creator;
  k.keyspec = "EH_AES_GCM_256";
  k.origin = "EH_INTERNAL_KEY";
  k.keyusage = "EH_KEYUSAGE_ENCRYPT_DECRYPT";
  k.key_blob = ToBytes("blob-" + keyid);
  k.creation_date_ms = 1000;
  k.expire_time_ms = 2000;
  return k;
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(dir_.ok()); }

  std::unique_ptr<SqliteStore> OpenOrDie(const SqliteStore::Options& options = {}) {
    StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(path_, options);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  TempDir dir_;
  std::string path_ = dir_.File("kms.db");
};

TEST_F(SqliteStoreTest, DescribeNamesTheFile) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->Describe(), "sqlite:" + path_);
}

TEST_F(SqliteStoreTest, DataSurvivesCloseAndReopen) {
  TenantRecord t;
  t.appid = "app-1";
  t.apikey_blob = {0, 1, 2};
  t.cmk_blob = {3};
  t.sm_default_cmk_blob = {};
  t.create_time_ms = 77;
  int64_t revision = 0;
  {
    auto store = OpenOrDie();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->CreateTenant(t).ok());
    ASSERT_TRUE(store->CreateKey(Key("key-1", "app-1")).ok());
    ASSERT_TRUE(store->CreateKey(Key("key-2", "app-1")).ok());
    KeyRecord k = Key("key-1", "app-1");
    k.revision = 1;
    k.alias = "updated";
    StatusOr<int64_t> rev = store->UpdateKey(k);
    ASSERT_TRUE(rev.ok()) << rev.status().ToString();
    revision = *rev;
    ASSERT_TRUE(store->DeleteKey("key-2", "app-1").ok());
  }
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  StatusOr<TenantRecord> got_t = store->GetTenant("app-1");
  ASSERT_TRUE(got_t.ok()) << got_t.status().ToString();
  EXPECT_EQ(got_t->apikey_blob, t.apikey_blob);
  EXPECT_EQ(got_t->create_time_ms, 77);
  StatusOr<KeyRecord> got_k = store->GetKey("key-1");
  ASSERT_TRUE(got_k.ok()) << got_k.status().ToString();
  EXPECT_EQ(got_k->alias, "updated");
  EXPECT_EQ(got_k->revision, revision);
  EXPECT_EQ(store->GetKey("key-2").status().code(), Code::kNotFound);
  StatusOr<int64_t> count = store->CountWrappedObjects();
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 2);
}

// Two KMS processes starting together on one file (two connections, two group committers):
// both learn the one fingerprint that was recorded.
TEST_F(SqliteStoreTest, DomainKeyIdRecordedThroughTwoOpenersIsTheFirstOnly) {
  auto a = OpenOrDie();
  auto b = OpenOrDie();
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  std::string seen_a, seen_b;
  auto record = [](SqliteStore& store, const std::string& id) {
    auto r = store.RecordDomainKeyId(id);
    return r.ok() ? *r : "error: " + r.status().ToString();
  };
  std::thread ta([&] { seen_a = record(*a, "aaaaaaaaaaaaaaaa"); });
  std::thread tb([&] { seen_b = record(*b, "bbbbbbbbbbbbbbbb"); });
  ta.join();
  tb.join();
  EXPECT_EQ(seen_a, seen_b);
  EXPECT_TRUE(seen_a == "aaaaaaaaaaaaaaaa" || seen_a == "bbbbbbbbbbbbbbbb") << seen_a;
  a.reset();
  b.reset();
  auto reopened = OpenOrDie();
  ASSERT_NE(reopened, nullptr);
  auto recorded = reopened->GetDomainKeyId();
  ASSERT_TRUE(recorded.ok()) << recorded.status().ToString();
  EXPECT_EQ(*recorded, seen_a);
}

TEST_F(SqliteStoreTest, MigrationsAreAppliedOnceAndRecorded) {
  ASSERT_GE(sqlite::LatestSchemaVersion(), 1);
  for (int i = 0; i < 3; ++i) {
    auto store = OpenOrDie();
    ASSERT_NE(store, nullptr);
  }
  const std::string latest = std::to_string(sqlite::LatestSchemaVersion());
  EXPECT_EQ(RawQuery(path_, "SELECT max(version) FROM schema_migrations"), latest);
  EXPECT_EQ(RawQuery(path_, "SELECT count(*) FROM schema_migrations"), latest);
  EXPECT_EQ(RawQuery(path_, "SELECT count(DISTINCT version) FROM schema_migrations"), latest);
  EXPECT_EQ(RawQuery(path_, "SELECT name FROM schema_migrations WHERE version = 1"),
            sqlite::Migrations()[0].name);
  EXPECT_EQ(RawQuery(path_, "SELECT count(*) FROM sqlite_schema WHERE type = 'index'"
                            " AND name = 'keys_by_creator'"),
            "1");
}

TEST_F(SqliteStoreTest, MigrationsListIsContiguous) {
  int expected = 1;
  for (const sqlite::Migration& m : sqlite::Migrations()) EXPECT_EQ(m.version, expected++);
}

TEST_F(SqliteStoreTest, DatabaseFromANewerBuildIsRefusedUntouched) {
  {
    auto store = OpenOrDie();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(store->CreateKey(Key("key-1", "app-1")).ok());
  }
  const int newer = sqlite::LatestSchemaVersion() + 1;
  ASSERT_EQ(RawQuery(path_, "INSERT INTO schema_migrations VALUES (" + std::to_string(newer) +
                                ", 'from the future', 0)"),
            "");
  StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(path_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("schema version " + std::to_string(newer)),
            std::string::npos)
      << store.status().message();
  EXPECT_EQ(RawQuery(path_, "SELECT count(*) FROM keys"), "1");
  EXPECT_EQ(RawQuery(path_, "SELECT max(version) FROM schema_migrations"),
            std::to_string(newer));
}

TEST_F(SqliteStoreTest, FileThatIsNotADatabaseIsRefused) {
  {
    std::ofstream out(path_, std::ios::binary);
    out << std::string(8192, 'x');
  }
  StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(path_);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Code::kInternal) << store.status().ToString();
}

TEST_F(SqliteStoreTest, MissingDirectoryIsUnavailable) {
  StatusOr<std::unique_ptr<SqliteStore>> store =
      SqliteStore::Open(dir_.File("no-such-dir/kms.db"));
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Code::kUnavailable) << store.status().ToString();
}

TEST_F(SqliteStoreTest, DatabaseIsInWalMode) {
  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(RawQuery(path_, "PRAGMA journal_mode"), "wal");
}

TEST_F(SqliteStoreTest, WithoutGroupingEveryWriteIsItsOwnCommit) {
  auto store = OpenOrDie({.reader_connections = 2, .max_batch = 1});
  ASSERT_NE(store, nullptr);
  constexpr int kThreads = 4, kPerThread = 10;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        if (!store->CreateKey(Key(std::to_string(t) + "-" + std::to_string(i), "a")).ok()) {
          failures++;
        }
      }
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_FALSE(store->CreateKey(Key("0-0", "a")).ok());  // a failed write is counted too
  sqlite::GroupCommitter::Stats stats = store->WriteStats();
  EXPECT_EQ(stats.ops, kThreads * kPerThread + 1);
  EXPECT_EQ(stats.commits, stats.ops);
}

TEST_F(SqliteStoreTest, ReadsProceedWhileAnotherProcessHoldsTheWriteLock) {
  auto store = OpenOrDie({.reader_connections = 2, .max_batch = 64, .busy_timeout_ms = 100});
  ASSERT_NE(store, nullptr);
  ASSERT_TRUE(store->CreateKey(Key("key-1", "app-1")).ok());

  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(path_.c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  // WAL readers do not need the write lock.
  EXPECT_TRUE(store->GetKey("key-1").ok());
  // A writer gives up after the busy timeout with a retryable error and keeps nothing.
  Status blocked = store->CreateKey(Key("key-2", "app-1"));
  EXPECT_EQ(blocked.code(), Code::kUnavailable) << blocked.ToString();
  ASSERT_EQ(sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(other);

  EXPECT_EQ(store->GetKey("key-2").status().code(), Code::kNotFound);
  EXPECT_TRUE(store->CreateKey(Key("key-2", "app-1")).ok());
}

// A child process writes keys from several threads and reports each acknowledged create over
// a pipe; the parent kills it with SIGKILL mid-stream. Every key the child saw acknowledged
// must be in the database afterwards.
TEST_F(SqliteStoreTest, AcknowledgedWritesSurviveSigkill) {
  constexpr int kThreads = 4;
  constexpr uint32_t kAcksBeforeKill = 400;
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(fds[0]);
    StatusOr<std::unique_ptr<SqliteStore>> store = SqliteStore::Open(path_);
    if (!store.ok()) _exit(2);
    std::vector<std::thread> threads;
    for (uint32_t t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (uint32_t i = t;; i += kThreads) {
          if (!(*store)->CreateKey(Key("k" + std::to_string(i), "crash")).ok()) _exit(3);
          // 4-byte writes to a pipe are atomic, so threads never interleave partial acks.
          if (write(fds[1], &i, sizeof(i)) != sizeof(i)) _exit(4);
        }
      });
    }
    for (std::thread& t : threads) t.join();
    _exit(0);
  }
  close(fds[1]);
  std::set<uint32_t> acked;
  uint32_t id;
  while (acked.size() < kAcksBeforeKill && read(fds[0], &id, sizeof(id)) == sizeof(id)) {
    acked.insert(id);
  }
  kill(child, SIGKILL);
  int wstatus = 0;
  ASSERT_EQ(waitpid(child, &wstatus, 0), child);
  ASSERT_TRUE(WIFSIGNALED(wstatus)) << "child exited early with status " << wstatus;
  // Acks already in the pipe were sent before the kill and count too.
  while (read(fds[0], &id, sizeof(id)) == sizeof(id)) acked.insert(id);
  close(fds[0]);
  ASSERT_GE(acked.size(), kAcksBeforeKill);

  auto store = OpenOrDie();
  ASSERT_NE(store, nullptr);
  StatusOr<std::vector<KeyRecord>> keys = store->ListKeys("crash");
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  std::set<std::string> present;
  for (const KeyRecord& k : *keys) present.insert(k.keyid);
  int missing = 0;
  for (uint32_t i : acked) {
    if (present.count("k" + std::to_string(i)) == 0) missing++;
  }
  EXPECT_EQ(missing, 0) << "of " << acked.size() << " acknowledged keys";
  EXPECT_GE(present.size(), acked.size());
  // The database is consistent after the crash, not just readable.
  EXPECT_EQ(RawQuery(path_, "PRAGMA integrity_check"), "ok");
}

}  // namespace
}  // namespace kms::store
