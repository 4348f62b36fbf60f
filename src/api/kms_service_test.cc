// KmsService's inline path: a request answered on the calling thread (the event loop) must not
// make a store call there when the store is behind a network, even if a cached record it was
// chosen for expires before the action runs.

#include "api/kms_service.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <future>
#include <mutex>
#include <thread>
#include <vector>

#include "api/action.h"
#include "api/api_test_env.h"
#include "crypto/ossl_ptr.h"

namespace kms::api {
namespace {

using testing::ApiTestEnv;
using testing::kStartMs;

// A store behind a network, as CouchDB is: point reads are not local, and each records the
// thread it ran on.
class RemoteStore : public store::testing::ForwardingStore {
 public:
  using ForwardingStore::ForwardingStore;
  bool ReadsAreLocal() const override { return false; }
  StatusOr<store::TenantRecord> GetTenant(const std::string& appid) override {
    Record();
    return inner().GetTenant(appid);
  }
  StatusOr<store::KeyRecord> GetKey(const std::string& keyid) override {
    Record();
    return inner().GetKey(keyid);
  }
  StatusOr<store::QuotePolicyRecord> GetQuotePolicy(const std::string& appid,
                                                    const std::string& policy_id) override {
    Record();
    return inner().GetQuotePolicy(appid, policy_id);
  }
  int ReadsOn(std::thread::id thread) {
    std::lock_guard<std::mutex> lock(mu_);
    return static_cast<int>(std::count(threads_.begin(), threads_.end(), thread));
  }

 private:
  void Record() {
    std::lock_guard<std::mutex> lock(mu_);
    threads_.push_back(std::this_thread::get_id());
  }
  std::mutex mu_;
  std::vector<std::thread::id> threads_;
};

// Once armed, the next reading returns the current time and then moves the clock `jump_ms`
// ahead. Handle's first reading is the key-cache freshness check that decides "inline", so the
// jump lands between that decision and the action's own lookups.
class JumpAfterNextReadClock final : public Clock {
 public:
  explicit JumpAfterNextReadClock(int64_t now_ms) : now_ms_(now_ms) {}
  int64_t NowMs() const override {
    const int64_t now = now_ms_.load();
    if (armed_jump_ms_.load() != 0) now_ms_.fetch_add(armed_jump_ms_.exchange(0));
    return now;
  }
  void ArmJump(int64_t jump_ms) { armed_jump_ms_.store(jump_ms); }

 private:
  mutable std::atomic<int64_t> now_ms_;
  mutable std::atomic<int64_t> armed_jump_ms_{0};
};

constexpr int64_t kTtlMs = 1000;

class InlineRun : public ::testing::Test {
 protected:
  HttpAnswer Handle(const std::string& action, const std::string& body) {
    std::promise<HttpAnswer> answered;
    service_.Handle("POST", "/ehsm?Action=" + action, body,
                    [&](HttpAnswer a) { answered.set_value(std::move(a)); });
    return answered.get_future().get();
  }

  JumpAfterNextReadClock clock_{kStartMs};
  ApiTestEnv<RemoteStore> env_{clock_, ServiceOptions{.key_cache_ttl_ms = kTtlMs}};
  ThreadPool pool_{1, 16};
  std::unique_ptr<ReplayCache> replay_ = ReplayCache::Create(clock_, 1024).value();
  KmsService service_{env_.ctx(), pool_, *replay_};
};

TEST_F(InlineRun, KeyRecordExpiringAfterTheInlineDecisionIsNotReadOnTheCallingThread) {
  const std::string keyid = env_.CreateAesKey();
  // Both records cached, so Encrypt qualifies for the inline path.
  ASSERT_TRUE(env_.ctx().GetTenant(env_.appid()).ok());
  ASSERT_TRUE(env_.ctx().GetKey(keyid).ok());
  ASSERT_TRUE(env_.ctx().KeyCached(keyid));
  const std::thread::id caller = std::this_thread::get_id();
  const int reads_before = env_.store().ReadsOn(caller);

  std::string body = env_.SignedBody(env_.EncryptPayload(keyid), clock_.NowMs());
  clock_.ArmJump(kTtlMs);
  HttpAnswer answer = Handle("Encrypt", body);
  EXPECT_EQ(answer.code, 200) << answer.body;
  EXPECT_EQ(env_.store().ReadsOn(caller), reads_before);
}

TEST_F(InlineRun, CachedRecordsAreUsedInlineWithoutAStoreRead) {
  const std::string keyid = env_.CreateAesKey();
  ASSERT_TRUE(env_.ctx().GetTenant(env_.appid()).ok());
  ASSERT_TRUE(env_.ctx().GetKey(keyid).ok());
  const std::thread::id caller = std::this_thread::get_id();
  const int reads_before = env_.store().ReadsOn(caller);
  HttpAnswer answer = Handle("Encrypt", env_.SignedBody(env_.EncryptPayload(keyid), kStartMs));
  EXPECT_EQ(answer.code, 200) << answer.body;
  EXPECT_EQ(env_.store().ReadsOn(caller), reads_before);
}

TEST_F(InlineRun, UncachedKeyOfARemoteStoreIsReadOnAWorker) {
  const std::string keyid = env_.CreateAesKey();
  const std::thread::id caller = std::this_thread::get_id();
  const int reads_before = env_.store().ReadsOn(caller);
  HttpAnswer answer = Handle("Encrypt", env_.SignedBody(env_.EncryptPayload(keyid), kStartMs));
  EXPECT_EQ(answer.code, 200) << answer.body;
  EXPECT_EQ(env_.store().ReadsOn(caller), reads_before);
  EXPECT_TRUE(env_.ctx().KeyCached(keyid));
}

TEST_F(InlineRun, ReleaseToARecipientRunsOnAWorkerEvenWithCachedRecords) {
  const std::string keyid = env_.CreateAesKey();
  ASSERT_TRUE(env_.ctx().GetTenant(env_.appid()).ok());
  ASSERT_TRUE(env_.ctx().GetKey(keyid).ok());
  const std::thread::id caller = std::this_thread::get_id();
  const int reads_before = env_.store().ReadsOn(caller);
  crypto::OsslPtr<EVP_PKEY> key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  unsigned char* der = nullptr;
  const int der_len = i2d_PUBKEY(key.get(), &der);
  ASSERT_GT(der_len, 0);
  std::string public_key = crypto::Base64Encode(ByteView(der, der_len));
  OPENSSL_free(der);
  boost::json::object payload{{"keyid", keyid},
                              {"keylen", 16},
                              {"recipient",
                               {{"quote", "AAAA"},
                                {"policyId", "0f5b6a7c-1d2e-4f30-8a41-b2c3d4e5f607"},
                                {"publicKey", public_key}}}};
  HttpAnswer answer = Handle("GenerateDataKey", env_.SignedBody(payload, kStartMs));
  // The policy lookup (a store read) happened, on a worker.
  EXPECT_NE(answer.body.find("Invalid  policyId."), std::string::npos) << answer.body;
  EXPECT_EQ(env_.store().ReadsOn(caller), reads_before);
}

// Where each action answers follows its ActionDef: with both records cached, the
// kInlineWhenCached actions answer on the calling thread, every other authenticated action on a
// worker.
TEST_F(InlineRun, EachActionAnswersWhereItsTableEntrySays) {
  const std::string keyid = env_.CreateAesKey();
  ASSERT_TRUE(env_.ctx().GetTenant(env_.appid()).ok());
  ASSERT_TRUE(env_.ctx().GetKey(keyid).ok());
  const std::thread::id caller = std::this_thread::get_id();
  int inline_actions = 0;
  for (const ActionDef& def : AllActions()) {
    if (!def.authenticated) continue;
    std::promise<std::thread::id> answered_on;
    service_.Handle("POST", "/ehsm?Action=" + std::string(def.name),
                    env_.SignedBody({{"keyid", keyid}, {"keylen", 16}}, kStartMs),
                    [&](HttpAnswer) { answered_on.set_value(std::this_thread::get_id()); });
    const bool on_caller = answered_on.get_future().get() == caller;
    EXPECT_EQ(on_caller, def.run_on == RunOn::kInlineWhenCached) << def.name;
    inline_actions += on_caller ? 1 : 0;
  }
  EXPECT_EQ(inline_actions, 4);
}

TEST_F(InlineRun, GetVersionAnswersOnTheCallingThreadAndEnrollOnAWorker) {
  const std::thread::id caller = std::this_thread::get_id();
  for (const auto& [action, inline_expected] :
       {std::pair{"GetVersion", true}, std::pair{"Enroll", false}}) {
    std::promise<std::thread::id> answered_on;
    service_.Handle("GET", std::string("/ehsm?Action=") + action, "",
                    [&](HttpAnswer) { answered_on.set_value(std::this_thread::get_id()); });
    EXPECT_EQ(answered_on.get_future().get() == caller, inline_expected) << action;
  }
}

}  // namespace
}  // namespace kms::api
