#pragma once
// ForwardingStore: a Store that passes every call to another Store it borrows. Tests derive
// from it and override the calls they want to observe, delay or interleave with; everything
// else behaves exactly as the wrapped store. Thread-safe as far as the wrapped store is.

#include <string>
#include <vector>

#include "store/store.h"

namespace kms::store::testing {

class ForwardingStore : public Store {
 public:
  explicit ForwardingStore(Store& inner) : inner_(inner) {}

  std::string Describe() const override { return inner_.Describe(); }
  Status Ping() override { return inner_.Ping(); }
  bool ReadsAreLocal() const override { return inner_.ReadsAreLocal(); }

  Status CreateTenant(const TenantRecord& t) override { return inner_.CreateTenant(t); }
  StatusOr<TenantRecord> GetTenant(const std::string& appid) override {
    return inner_.GetTenant(appid);
  }

  Status CreateKey(const KeyRecord& k) override { return inner_.CreateKey(k); }
  StatusOr<KeyRecord> GetKey(const std::string& keyid) override { return inner_.GetKey(keyid); }
  StatusOr<std::vector<KeyRecord>> ListKeys(const std::string& creator) override {
    return inner_.ListKeys(creator);
  }
  StatusOr<int64_t> UpdateKey(const KeyRecord& k) override { return inner_.UpdateKey(k); }
  Status SetKeyState(const std::string& keyid, const std::string& creator, int key_state) override {
    return inner_.SetKeyState(keyid, creator, key_state);
  }
  StatusOr<bool> DeleteKey(const std::string& keyid, const std::string& creator) override {
    return inner_.DeleteKey(keyid, creator);
  }
  StatusOr<int64_t> DeleteAllKeys(const std::string& creator) override {
    return inner_.DeleteAllKeys(creator);
  }

  Status CreateSecret(const SecretRecord& s, const SecretVersionRecord& first) override {
    return inner_.CreateSecret(s, first);
  }
  StatusOr<SecretRecord> GetSecret(const std::string& appid, const std::string& name) override {
    return inner_.GetSecret(appid, name);
  }
  StatusOr<std::vector<SecretRecord>> ListSecrets(const std::string& appid) override {
    return inner_.ListSecrets(appid);
  }
  Status SetSecretDescription(const std::string& appid, const std::string& name,
                              const std::string& description) override {
    return inner_.SetSecretDescription(appid, name, description);
  }
  Status AddSecretVersion(const std::string& appid, const std::string& name,
                          const SecretVersionRecord& version) override {
    return inner_.AddSecretVersion(appid, name, version);
  }
  StatusOr<SecretVersionRecord> GetSecretVersion(const std::string& appid, const std::string& name,
                                                 int64_t version_id) override {
    return inner_.GetSecretVersion(appid, name, version_id);
  }
  StatusOr<std::vector<SecretVersionRecord>> ListSecretVersions(const std::string& appid,
                                                                const std::string& name) override {
    return inner_.ListSecretVersions(appid, name);
  }
  Status ScheduleSecretDeletion(const std::string& appid, const std::string& name,
                                int64_t delete_time_ms, int64_t planned_delete_time_ms) override {
    return inner_.ScheduleSecretDeletion(appid, name, delete_time_ms, planned_delete_time_ms);
  }
  Status RestoreSecret(const std::string& appid, const std::string& name) override {
    return inner_.RestoreSecret(appid, name);
  }
  StatusOr<bool> DeleteSecret(const std::string& appid, const std::string& name) override {
    return inner_.DeleteSecret(appid, name);
  }
  StatusOr<std::vector<SecretRecord>> ListSecretsDueForDeletion(int64_t now_ms,
                                                                int limit) override {
    return inner_.ListSecretsDueForDeletion(now_ms, limit);
  }
  StatusOr<bool> DeleteSecretIfDue(const std::string& appid, const std::string& name,
                                   int64_t now_ms) override {
    return inner_.DeleteSecretIfDue(appid, name, now_ms);
  }

  Status CreateQuotePolicy(const QuotePolicyRecord& p) override {
    return inner_.CreateQuotePolicy(p);
  }
  StatusOr<QuotePolicyRecord> GetQuotePolicy(const std::string& appid,
                                             const std::string& policy_id) override {
    return inner_.GetQuotePolicy(appid, policy_id);
  }

  StatusOr<int64_t> CountWrappedObjects() override { return inner_.CountWrappedObjects(); }
  StatusOr<std::vector<Bytes>> SampleWrappedBlobs(int limit) override {
    return inner_.SampleWrappedBlobs(limit);
  }
  StatusOr<std::string> GetDomainKeyId() override { return inner_.GetDomainKeyId(); }
  StatusOr<std::string> RecordDomainKeyId(const std::string& dk_id) override {
    return inner_.RecordDomainKeyId(dk_id);
  }

 protected:
  Store& inner() { return inner_; }

 private:
  Store& inner_;
};

}  // namespace kms::store::testing
