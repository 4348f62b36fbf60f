#pragma once
// MeteredStore: a Store that times every call of the one it wraps and counts its failures,
// into `ehsm_store_request_duration_seconds{op}` and `ehsm_store_errors_total{op}`. A failure
// is an answer the caller could not have wanted whatever it asked (kUnavailable, kInternal,
// kDataLoss, kAborted); "not found" or "already exists" are answers, not errors.
//
// Thread-safe as the wrapped store is; the metrics are sharded (common/metrics.h).

#include <array>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "common/metrics.h"
#include "store/store.h"

namespace kms::store {

class MeteredStore final : public Store {
 public:
  // Registers the series in `registry` (which must outlive this store).
  MeteredStore(std::unique_ptr<Store> inner, metrics::Registry& registry);

  std::string Describe() const override { return inner_->Describe(); }
  bool ReadsAreLocal() const override { return inner_->ReadsAreLocal(); }
  Status Ping() override;
  Status CreateTenant(const TenantRecord& tenant) override;
  StatusOr<TenantRecord> GetTenant(const std::string& appid) override;
  Status CreateKey(const KeyRecord& key) override;
  StatusOr<KeyRecord> GetKey(const std::string& keyid) override;
  StatusOr<std::vector<KeyRecord>> ListKeys(const std::string& creator) override;
  StatusOr<int64_t> UpdateKey(const KeyRecord& key) override;
  Status SetKeyState(const std::string& keyid, const std::string& creator,
                     int key_state) override;
  StatusOr<bool> DeleteKey(const std::string& keyid, const std::string& creator) override;
  StatusOr<int64_t> DeleteAllKeys(const std::string& creator) override;
  Status CreateSecret(const SecretRecord& secret, const SecretVersionRecord& first) override;
  StatusOr<SecretRecord> GetSecret(const std::string& appid, const std::string& name) override;
  StatusOr<std::vector<SecretRecord>> ListSecrets(const std::string& appid) override;
  Status SetSecretDescription(const std::string& appid, const std::string& name,
                              const std::string& description) override;
  Status AddSecretVersion(const std::string& appid, const std::string& name,
                          const SecretVersionRecord& version) override;
  StatusOr<SecretVersionRecord> GetSecretVersion(const std::string& appid,
                                                 const std::string& name,
                                                 int64_t version_id) override;
  StatusOr<std::vector<SecretVersionRecord>> ListSecretVersions(
      const std::string& appid, const std::string& name) override;
  Status ScheduleSecretDeletion(const std::string& appid, const std::string& name,
                                int64_t delete_time_ms, int64_t planned_delete_time_ms) override;
  Status RestoreSecret(const std::string& appid, const std::string& name) override;
  StatusOr<bool> DeleteSecret(const std::string& appid, const std::string& name) override;
  StatusOr<std::vector<SecretRecord>> ListSecretsDueForDeletion(int64_t now_ms,
                                                                int limit) override;
  StatusOr<bool> DeleteSecretIfDue(const std::string& appid, const std::string& name,
                                   int64_t now_ms) override;
  Status CreateQuotePolicy(const QuotePolicyRecord& policy) override;
  StatusOr<QuotePolicyRecord> GetQuotePolicy(const std::string& appid,
                                             const std::string& policy_id) override;
  StatusOr<int64_t> CountWrappedObjects() override;
  StatusOr<std::vector<Bytes>> SampleWrappedBlobs(int limit) override;
  StatusOr<std::string> GetDomainKeyId() override;
  StatusOr<std::string> RecordDomainKeyId(const std::string& dk_id) override;

  // Whether `code` counts in ehsm_store_errors_total.
  static bool IsError(Code code);

 private:
  enum Op : size_t {
    kPing, kCreateTenant, kGetTenant, kCreateKey, kGetKey, kListKeys, kUpdateKey, kSetKeyState,
    kDeleteKey, kDeleteAllKeys, kCreateSecret, kGetSecret, kListSecrets, kSetSecretDescription,
    kAddSecretVersion, kGetSecretVersion, kListSecretVersions, kScheduleSecretDeletion,
    kRestoreSecret, kDeleteSecret, kListSecretsDueForDeletion, kDeleteSecretIfDue,
    kCreateQuotePolicy, kGetQuotePolicy, kCountWrappedObjects, kSampleWrappedBlobs,
    kGetDomainKeyId, kRecordDomainKeyId, kOpCount
  };
  struct OpMetrics {
    metrics::Histogram* latency = nullptr;
    metrics::Counter* errors = nullptr;
  };

  template <typename F>
  auto Timed(Op op, F&& call) -> decltype(call());

  std::unique_ptr<Store> inner_;
  std::array<OpMetrics, kOpCount> ops_;
};

}  // namespace kms::store
