#include "store/metered_store.h"

#include <string_view>

namespace kms::store {
namespace {

// Names of MeteredStore::Op, in order: the `op` label.
constexpr std::string_view kOpNames[] = {
    "Ping", "CreateTenant", "GetTenant", "CreateKey", "GetKey", "ListKeys", "UpdateKey",
    "SetKeyState", "DeleteKey", "DeleteAllKeys", "CreateSecret", "GetSecret", "ListSecrets",
    "SetSecretDescription", "AddSecretVersion", "GetSecretVersion", "ListSecretVersions",
    "ScheduleSecretDeletion", "RestoreSecret", "DeleteSecret", "ListSecretsDueForDeletion",
    "DeleteSecretIfDue", "CreateQuotePolicy", "GetQuotePolicy", "CountWrappedObjects",
    "SampleWrappedBlobs", "GetDomainKeyId", "RecordDomainKeyId"};

Code CodeOf(const Status& s) { return s.code(); }
template <typename T>
Code CodeOf(const StatusOr<T>& s) {
  return s.ok() ? Code::kOk : s.status().code();
}

}  // namespace

MeteredStore::MeteredStore(std::unique_ptr<Store> inner, metrics::Registry& registry)
    : inner_(std::move(inner)) {
  static_assert(std::size(kOpNames) == kOpCount);
  for (size_t i = 0; i < kOpCount; ++i) {
    const metrics::Labels labels = {{"op", std::string(kOpNames[i])}};
    ops_[i].latency = &registry.AddHistogram("ehsm_store_request_duration_seconds",
                                             "Duration of store calls, by operation.", labels,
                                             metrics::LatencyBuckets());
    ops_[i].errors = &registry.AddCounter(
        "ehsm_store_errors_total",
        "Store calls that failed (unavailable, internal, data loss, aborted), by operation.",
        labels);
  }
}

bool MeteredStore::IsError(Code code) {
  return code == Code::kUnavailable || code == Code::kInternal || code == Code::kDataLoss ||
         code == Code::kAborted;
}

template <typename F>
auto MeteredStore::Timed(Op op, F&& call) -> decltype(call()) {
  const auto start = std::chrono::steady_clock::now();
  auto result = call();
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  ops_[op].latency->ObserveNanos(ns);
  if (IsError(CodeOf(result))) ops_[op].errors->Inc();
  return result;
}

Status MeteredStore::Ping() {
  return Timed(kPing, [&] { return inner_->Ping(); });
}
Status MeteredStore::CreateTenant(const TenantRecord& tenant) {
  return Timed(kCreateTenant, [&] { return inner_->CreateTenant(tenant); });
}
StatusOr<TenantRecord> MeteredStore::GetTenant(const std::string& appid) {
  return Timed(kGetTenant, [&] { return inner_->GetTenant(appid); });
}
Status MeteredStore::CreateKey(const KeyRecord& key) {
  return Timed(kCreateKey, [&] { return inner_->CreateKey(key); });
}
StatusOr<KeyRecord> MeteredStore::GetKey(const std::string& keyid) {
  return Timed(kGetKey, [&] { return inner_->GetKey(keyid); });
}
StatusOr<std::vector<KeyRecord>> MeteredStore::ListKeys(const std::string& creator) {
  return Timed(kListKeys, [&] { return inner_->ListKeys(creator); });
}
StatusOr<int64_t> MeteredStore::UpdateKey(const KeyRecord& key) {
  return Timed(kUpdateKey, [&] { return inner_->UpdateKey(key); });
}
Status MeteredStore::SetKeyState(const std::string& keyid, const std::string& creator,
                                 int key_state) {
  return Timed(kSetKeyState, [&] { return inner_->SetKeyState(keyid, creator, key_state); });
}
StatusOr<bool> MeteredStore::DeleteKey(const std::string& keyid, const std::string& creator) {
  return Timed(kDeleteKey, [&] { return inner_->DeleteKey(keyid, creator); });
}
StatusOr<int64_t> MeteredStore::DeleteAllKeys(const std::string& creator) {
  return Timed(kDeleteAllKeys, [&] { return inner_->DeleteAllKeys(creator); });
}
Status MeteredStore::CreateSecret(const SecretRecord& secret, const SecretVersionRecord& first) {
  return Timed(kCreateSecret, [&] { return inner_->CreateSecret(secret, first); });
}
StatusOr<SecretRecord> MeteredStore::GetSecret(const std::string& appid,
                                               const std::string& name) {
  return Timed(kGetSecret, [&] { return inner_->GetSecret(appid, name); });
}
StatusOr<std::vector<SecretRecord>> MeteredStore::ListSecrets(const std::string& appid) {
  return Timed(kListSecrets, [&] { return inner_->ListSecrets(appid); });
}
Status MeteredStore::SetSecretDescription(const std::string& appid, const std::string& name,
                                          const std::string& description) {
  return Timed(kSetSecretDescription,
               [&] { return inner_->SetSecretDescription(appid, name, description); });
}
Status MeteredStore::AddSecretVersion(const std::string& appid, const std::string& name,
                                      const SecretVersionRecord& version) {
  return Timed(kAddSecretVersion, [&] { return inner_->AddSecretVersion(appid, name, version); });
}
StatusOr<SecretVersionRecord> MeteredStore::GetSecretVersion(const std::string& appid,
                                                             const std::string& name,
                                                             int64_t version_id) {
  return Timed(kGetSecretVersion,
               [&] { return inner_->GetSecretVersion(appid, name, version_id); });
}
StatusOr<std::vector<SecretVersionRecord>> MeteredStore::ListSecretVersions(
    const std::string& appid, const std::string& name) {
  return Timed(kListSecretVersions, [&] { return inner_->ListSecretVersions(appid, name); });
}
Status MeteredStore::ScheduleSecretDeletion(const std::string& appid, const std::string& name,
                                            int64_t delete_time_ms,
                                            int64_t planned_delete_time_ms) {
  return Timed(kScheduleSecretDeletion, [&] {
    return inner_->ScheduleSecretDeletion(appid, name, delete_time_ms, planned_delete_time_ms);
  });
}
Status MeteredStore::RestoreSecret(const std::string& appid, const std::string& name) {
  return Timed(kRestoreSecret, [&] { return inner_->RestoreSecret(appid, name); });
}
StatusOr<bool> MeteredStore::DeleteSecret(const std::string& appid, const std::string& name) {
  return Timed(kDeleteSecret, [&] { return inner_->DeleteSecret(appid, name); });
}
StatusOr<std::vector<SecretRecord>> MeteredStore::ListSecretsDueForDeletion(int64_t now_ms,
                                                                            int limit) {
  return Timed(kListSecretsDueForDeletion,
               [&] { return inner_->ListSecretsDueForDeletion(now_ms, limit); });
}
StatusOr<bool> MeteredStore::DeleteSecretIfDue(const std::string& appid, const std::string& name,
                                               int64_t now_ms) {
  return Timed(kDeleteSecretIfDue, [&] { return inner_->DeleteSecretIfDue(appid, name, now_ms); });
}
Status MeteredStore::CreateQuotePolicy(const QuotePolicyRecord& policy) {
  return Timed(kCreateQuotePolicy, [&] { return inner_->CreateQuotePolicy(policy); });
}
StatusOr<QuotePolicyRecord> MeteredStore::GetQuotePolicy(const std::string& appid,
                                                         const std::string& policy_id) {
  return Timed(kGetQuotePolicy, [&] { return inner_->GetQuotePolicy(appid, policy_id); });
}
StatusOr<int64_t> MeteredStore::CountWrappedObjects() {
  return Timed(kCountWrappedObjects, [&] { return inner_->CountWrappedObjects(); });
}
StatusOr<std::vector<Bytes>> MeteredStore::SampleWrappedBlobs(int limit) {
  return Timed(kSampleWrappedBlobs, [&] { return inner_->SampleWrappedBlobs(limit); });
}
StatusOr<std::string> MeteredStore::GetDomainKeyId() {
  return Timed(kGetDomainKeyId, [&] { return inner_->GetDomainKeyId(); });
}
StatusOr<std::string> MeteredStore::RecordDomainKeyId(const std::string& dk_id) {
  return Timed(kRecordDomainKeyId, [&] { return inner_->RecordDomainKeyId(dk_id); });
}

}  // namespace kms::store
