#include "server/readiness.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "net/health.h"

namespace kms::server {
namespace {

// A store whose only working method is Ping, which answers `ping_status` and can be held.
class PingStore final : public store::Store {
 public:
  std::string Describe() const override { return "fake:http://user@secret-host:5984/db"; }
  Status Ping() override {
    pings++;
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return !hold; });
    return ping_status;
  }
  void Release() {
    {
      std::lock_guard lock(mu);
      hold = false;
    }
    cv.notify_all();
  }

  std::atomic<int> pings{0};
  Status ping_status = Status::Ok();
  std::mutex mu;
  std::condition_variable cv;
  bool hold = false;  // guarded by mu

  // Everything else is unused by Readiness.
  Status CreateTenant(const store::TenantRecord&) override { return Unused(); }
  StatusOr<store::TenantRecord> GetTenant(const std::string&) override { return Unused(); }
  Status CreateKey(const store::KeyRecord&) override { return Unused(); }
  StatusOr<store::KeyRecord> GetKey(const std::string&) override { return Unused(); }
  StatusOr<std::vector<store::KeyRecord>> ListKeys(const std::string&) override {
    return Unused();
  }
  StatusOr<int64_t> UpdateKey(const store::KeyRecord&) override { return Unused(); }
  Status SetKeyState(const std::string&, const std::string&, int) override { return Unused(); }
  StatusOr<bool> DeleteKey(const std::string&, const std::string&) override { return Unused(); }
  StatusOr<int64_t> DeleteAllKeys(const std::string&) override { return Unused(); }
  Status CreateSecret(const store::SecretRecord&, const store::SecretVersionRecord&) override {
    return Unused();
  }
  StatusOr<store::SecretRecord> GetSecret(const std::string&, const std::string&) override {
    return Unused();
  }
  StatusOr<std::vector<store::SecretRecord>> ListSecrets(const std::string&) override {
    return Unused();
  }
  Status SetSecretDescription(const std::string&, const std::string&,
                              const std::string&) override {
    return Unused();
  }
  Status AddSecretVersion(const std::string&, const std::string&,
                          const store::SecretVersionRecord&) override {
    return Unused();
  }
  StatusOr<store::SecretVersionRecord> GetSecretVersion(const std::string&, const std::string&,
                                                        int64_t) override {
    return Unused();
  }
  StatusOr<std::vector<store::SecretVersionRecord>> ListSecretVersions(
      const std::string&, const std::string&) override {
    return Unused();
  }
  Status ScheduleSecretDeletion(const std::string&, const std::string&, int64_t,
                                int64_t) override {
    return Unused();
  }
  Status RestoreSecret(const std::string&, const std::string&) override { return Unused(); }
  StatusOr<bool> DeleteSecret(const std::string&, const std::string&) override {
    return Unused();
  }
  StatusOr<std::vector<store::SecretRecord>> ListSecretsDueForDeletion(int64_t, int) override {
    return Unused();
  }
  StatusOr<bool> DeleteSecretIfDue(const std::string&, const std::string&, int64_t) override {
    return Unused();
  }
  Status CreateQuotePolicy(const store::QuotePolicyRecord&) override { return Unused(); }
  StatusOr<store::QuotePolicyRecord> GetQuotePolicy(const std::string&,
                                                    const std::string&) override {
    return Unused();
  }
  StatusOr<int64_t> CountWrappedObjects() override { return Unused(); }
  StatusOr<std::vector<Bytes>> SampleWrappedBlobs(int) override { return Unused(); }
  StatusOr<std::string> GetDomainKeyId() override { return Unused(); }
  StatusOr<std::string> RecordDomainKeyId(const std::string&) override { return Unused(); }

 private:
  static Status Unused() { return Status::Internal("not used by Readiness"); }
};

class ReadinessTest : public ::testing::Test {
 protected:
  // Runs one Check and waits for its answer.
  Status CheckNow(Readiness& r) {
    std::promise<Status> p;
    auto f = p.get_future();
    r.Check([&p](Status s) { p.set_value(std::move(s)); });
    EXPECT_EQ(f.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    return f.get();
  }

  PingStore store_;
  ThreadPool pool_{2, 8};
  FakeClock clock_{1'000'000};
};

TEST_F(ReadinessTest, NotReadyUntilTheDomainKeyIsLoaded) {
  Readiness r(store_, pool_, clock_, {});
  Status s = CheckNow(r);
  EXPECT_EQ(s.code(), Code::kFailedPrecondition);
  EXPECT_EQ(s.message(), "domain key not loaded");
  EXPECT_EQ(store_.pings.load(), 0);
  r.SetDomainKeyLoaded("0011223344556677");
  EXPECT_TRUE(CheckNow(r).ok());
  EXPECT_EQ(store_.pings.load(), 1);
}

TEST_F(ReadinessTest, RefusedDomainKeyIsNotReadyWithItsReasonAndSkipsTheStore) {
  Readiness r(store_, pool_, clock_, {});
  r.SetDomainKeyLoaded("0011223344556677");
  r.SetDomainKeyRefused("domain key mismatch: store records aa, loaded bb");
  Status s = CheckNow(r);
  EXPECT_EQ(s.code(), Code::kFailedPrecondition);
  EXPECT_EQ(s.message(), "domain key mismatch: store records aa, loaded bb");
  EXPECT_EQ(store_.pings.load(), 0);
}

TEST_F(ReadinessTest, UnreachableStoreIsNotReadyWithoutItsAddressOrError) {
  store_.ping_status = Status::Unavailable("couchdb at http://secret-host:5984 unreachable");
  Readiness r(store_, pool_, clock_, {});
  r.SetDomainKeyLoaded("0011223344556677");
  Status s = CheckNow(r);
  EXPECT_EQ(s.code(), Code::kUnavailable);
  EXPECT_EQ(s.message(), "store unreachable");
}

TEST_F(ReadinessTest, StoreAnsweringWithErrorsIsNotReady) {
  store_.ping_status = Status::Internal("couchdb database info: HTTP 401");
  Readiness r(store_, pool_, clock_, {});
  r.SetDomainKeyLoaded("0011223344556677");
  EXPECT_EQ(CheckNow(r).message(), "store answers with errors");
}

TEST_F(ReadinessTest, ResultIsReusedForReuseMsThenThePingRunsAgain) {
  Readiness r(store_, pool_, clock_, {.reuse_ms = 1000});
  r.SetDomainKeyLoaded("0011223344556677");
  EXPECT_TRUE(CheckNow(r).ok());
  clock_.Advance(999);
  EXPECT_TRUE(CheckNow(r).ok());
  EXPECT_EQ(store_.pings.load(), 1);
  // The store went away: seen at the first check after the reuse window.
  store_.ping_status = Status::Unavailable("gone");
  clock_.Advance(1);
  EXPECT_EQ(CheckNow(r).message(), "store unreachable");
  EXPECT_EQ(store_.pings.load(), 2);
  // And it comes back.
  store_.ping_status = Status::Ok();
  clock_.Advance(1000);
  EXPECT_TRUE(CheckNow(r).ok());
}

TEST_F(ReadinessTest, ProbesDuringAHungPingShareItInsteadOfTakingWorkers) {
  Readiness r(store_, pool_, clock_, {.reuse_ms = 0});
  r.SetDomainKeyLoaded("0011223344556677");
  {
    std::lock_guard lock(store_.mu);
    store_.hold = true;
  }
  std::atomic<int> answered{0};
  for (int i = 0; i < 20; ++i) {
    r.Check([&](Status s) {
      EXPECT_TRUE(s.ok()) << s.message();
      answered++;
    });
  }
  // While the ping hangs nobody is answered, and it is the only ping.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  EXPECT_EQ(answered.load(), 0);
  EXPECT_EQ(store_.pings.load(), 1);
  EXPECT_EQ(pool_.queued(), 0u);
  store_.Release();
  pool_.Shutdown();
  EXPECT_EQ(answered.load(), 20);
  EXPECT_EQ(store_.pings.load(), 1);
}

TEST_F(ReadinessTest, FullWorkerPoolAnswersBusyAtOnce) {
  ThreadPool tiny(1, 1);
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  ASSERT_TRUE(tiny.TrySubmit([released] { released.wait(); }));  // runs
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  ASSERT_TRUE(tiny.TrySubmit([released] { released.wait(); }));  // fills the queue
  Readiness r(store_, tiny, clock_, {});
  r.SetDomainKeyLoaded("0011223344556677");
  Status s = CheckNow(r);
  EXPECT_EQ(s.code(), Code::kUnavailable);
  EXPECT_EQ(s.message(), "server busy: every worker is taken");
  EXPECT_EQ(store_.pings.load(), 0);
  // Once a worker is free again, the same probe pings (the busy answer was not kept).
  release.set_value();
  while (tiny.queued() > 0) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_TRUE(CheckNow(r).ok());
  EXPECT_EQ(store_.pings.load(), 1);
  tiny.Shutdown();
}

TEST(ReadinessAnswer, RendersOneLine) {
  auto ok = net::ReadinessAnswer(Status::Ok());
  EXPECT_EQ(ok.http_status, 200);
  EXPECT_EQ(ok.body, "ready\n");
  auto bad = net::ReadinessAnswer(Status::Unavailable("first\nsecond\r\nthird"));
  EXPECT_EQ(bad.http_status, 503);
  EXPECT_EQ(bad.body, "not ready: first second  third\n");
  EXPECT_EQ(net::ReadinessAnswer(Status::Internal("")).body, "not ready: unknown reason\n");
  auto live = net::LivenessAnswer();
  EXPECT_EQ(live.http_status, 200);
  EXPECT_EQ(live.body, "ok\n");
}

}  // namespace
}  // namespace kms::server
