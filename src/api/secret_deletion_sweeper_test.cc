#include "api/secret_deletion_sweeper.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "audit/audit_log.h"
#include "audit/audit_verify.h"

#include "store/sqlite_store.h"
#include "store/sqlite_test_util.h"

namespace kms::api {
namespace {

constexpr int64_t kStart = 1'700'000'000'000;
constexpr int64_t kDayMs = 86'400'000;

class SecretDeletionSweeperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    auto store = store::SqliteStore::Open(dir_.File("kms.db"));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }

  void Create(const std::string& appid, const std::string& name) {
    store::SecretRecord s;
    s.appid = appid;
    s.name = name;
    s.uid = appid + "/" + name;
    s.create_time_ms = clock_.NowMs();
    store::SecretVersionRecord v;
    v.value_blob = ToBytes("blob");
    v.create_time_ms = clock_.NowMs();
    ASSERT_TRUE(store_->CreateSecret(s, v).ok());
  }
  void Schedule(const std::string& appid, const std::string& name, int64_t days) {
    int64_t now = clock_.NowMs();
    ASSERT_TRUE(store_->ScheduleSecretDeletion(appid, name, now, now + days * kDayMs).ok());
  }
  bool Exists(const std::string& appid, const std::string& name) {
    return store_->GetSecret(appid, name).ok();
  }

  store::testing::TempDir dir_;
  std::unique_ptr<store::SqliteStore> store_;
  FakeClock clock_{kStart};
};

TEST_F(SecretDeletionSweeperTest, PurgesExactlyTheSecretsWhoseTimeHasCome) {
  Create("a", "one-day");
  Create("a", "two-days");
  Create("b", "one-day");
  Create("a", "live");
  Create("a", "restored");
  Schedule("a", "one-day", 1);
  Schedule("a", "two-days", 2);
  Schedule("b", "one-day", 1);
  Schedule("a", "restored", 1);
  SecretDeletionSweeper sweeper(*store_, clock_, {.interval_ms = 1000, .batch = 100});

  clock_.Advance(kDayMs - 1);
  StatusOr<int64_t> early = sweeper.SweepOnce();
  ASSERT_TRUE(early.ok()) << early.status().ToString();
  EXPECT_EQ(*early, 0);
  EXPECT_TRUE(Exists("a", "one-day"));

  ASSERT_TRUE(store_->RestoreSecret("a", "restored").ok());
  clock_.Advance(1);
  StatusOr<int64_t> due = sweeper.SweepOnce();
  ASSERT_TRUE(due.ok()) << due.status().ToString();
  EXPECT_EQ(*due, 2);
  EXPECT_FALSE(Exists("a", "one-day"));
  EXPECT_FALSE(Exists("b", "one-day"));
  EXPECT_TRUE(Exists("a", "two-days"));
  EXPECT_TRUE(Exists("a", "live"));
  EXPECT_TRUE(Exists("a", "restored"));

  clock_.Advance(kDayMs);
  EXPECT_EQ(*sweeper.SweepOnce(), 1);
  EXPECT_FALSE(Exists("a", "two-days"));
  EXPECT_EQ(store_->ListSecrets("a")->size(), 2u);
}

TEST_F(SecretDeletionSweeperTest, OneSweepPurgesMoreThanABatch) {
  for (int i = 0; i < 23; ++i) {
    Create("a", "s" + std::to_string(i));
    Schedule("a", "s" + std::to_string(i), 1 + i % 3);
  }
  SecretDeletionSweeper sweeper(*store_, clock_, {.interval_ms = 1000, .batch = 4});
  clock_.Advance(3 * kDayMs);
  StatusOr<int64_t> purged = sweeper.SweepOnce();
  ASSERT_TRUE(purged.ok()) << purged.status().ToString();
  EXPECT_EQ(*purged, 23);
  EXPECT_TRUE(store_->ListSecrets("a")->empty());
}

TEST_F(SecretDeletionSweeperTest, BackgroundThreadSweepsAtStartAndThenRepeatedly) {
  Create("a", "due-at-start");
  Create("a", "due-later");
  Schedule("a", "due-at-start", 1);
  Schedule("a", "due-later", 2);
  // As after a restart: the first deletion's time passed while nothing was running.
  clock_.Advance(kDayMs + 5);
  SecretDeletionSweeper sweeper(*store_, clock_, {.interval_ms = 5, .batch = 100});
  sweeper.Start();
  auto wait_until = [&](auto done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!done() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return done();
  };
  EXPECT_TRUE(wait_until([&] { return !Exists("a", "due-at-start"); }));
  EXPECT_TRUE(Exists("a", "due-later"));
  int64_t sweeps = sweeper.sweeps();
  clock_.Advance(kDayMs);
  EXPECT_TRUE(wait_until([&] { return !Exists("a", "due-later"); }));
  // The sweep that deleted it counts itself only when it ends, so wait for that too.
  EXPECT_TRUE(wait_until([&] { return sweeper.sweeps() > sweeps; }));
  sweeper.Stop();
  int64_t after_stop = sweeper.sweeps();
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  EXPECT_EQ(sweeper.sweeps(), after_stop);
}

TEST_F(SecretDeletionSweeperTest, EachPurgeIsRecordedInTheAuditLog) {
  const std::string path = dir_.File("audit.log");
  auto audit = audit::AuditLog::Open({.path = path}, clock_);
  ASSERT_TRUE(audit.ok()) << audit.status().ToString();
  Create("a", "due");
  Create("b", "kept");
  Schedule("a", "due", 1);
  SecretDeletionSweeper sweeper(*store_, clock_,
                                {.interval_ms = 1000, .batch = 100, .audit = audit->get()});
  clock_.Advance(kDayMs);
  ASSERT_EQ(*sweeper.SweepOnce(), 1);
  EXPECT_EQ(*sweeper.SweepOnce(), 0);  // nothing purged, nothing recorded
  audit->reset();  // closes the file

  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 1u);
  for (const char* field : {R"("type":"secret")", R"("action":"purged")", R"("appid":"a")",
                            R"("detail":"secret=due")"}) {
    EXPECT_NE(lines[0].find(field), std::string::npos) << field << " in " << lines[0];
  }
  EXPECT_EQ(lines[0].find("kept"), std::string::npos);
  audit::VerifyReport report = audit::VerifyAuditFiles({path}, std::nullopt);
  EXPECT_TRUE(report.ok) << report.why;
  EXPECT_EQ(report.records, 1);
}

}  // namespace
}  // namespace kms::api
