#pragma once
// Store: durable state of the KMS (tenants, keys, secrets and quote policies). Implementations:
// SqliteStore (embedded default), CouchStore.
//
// Contract for every implementation:
// - Thread-safe: any method may be called from any thread concurrently.
// - Durable: when a mutating call returns OK, the change survives a crash of the process or
//   the machine.
// - Errors: kNotFound for a missing object, kAlreadyExists for a duplicate create, kAborted
//   for a lost optimistic-concurrency race, kUnavailable when the backend cannot be reached,
//   kInternal otherwise. Messages never contain blob contents.
// - Ownership checks that depend on the caller (creator == appid) are the caller's job, except
//   where a method takes `creator` explicitly.

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "store/records.h"

namespace kms::store {

class Store {
 public:
  virtual ~Store() = default;

  // A short name for logs: "sqlite:/path/kms.db", "couchdb:http://host:5984/db".
  virtual std::string Describe() const = 0;

  // True when a point read (GetTenant, GetKey) is served from local files in microseconds, so
  // the server may run it on an event loop instead of handing the request to a worker thread
  // (the handoff cost more than the read). False for stores behind a network.
  virtual bool ReadsAreLocal() const { return false; }

  // One cheap round trip to the backend, for readiness probes: OK when it answers, kUnavailable
  // when it cannot be reached, kInternal when it answers with an error. Never touches more than
  // a constant amount of data, whatever the store holds.
  virtual Status Ping() = 0;

  // --- tenants
  virtual Status CreateTenant(const TenantRecord& tenant) = 0;
  virtual StatusOr<TenantRecord> GetTenant(const std::string& appid) = 0;

  // --- keys
  // Inserts a new key; `key.revision` is ignored and becomes 1.
  virtual Status CreateKey(const KeyRecord& key) = 0;
  virtual StatusOr<KeyRecord> GetKey(const std::string& keyid) = 0;
  // All keys of `creator`, every page (no silent limit), ordered by creation date then keyid.
  virtual StatusOr<std::vector<KeyRecord>> ListKeys(const std::string& creator) = 0;
  // Replaces the stored key if its revision equals `key.revision` (kAborted otherwise,
  // kNotFound if it vanished). On success returns the new revision.
  virtual StatusOr<int64_t> UpdateKey(const KeyRecord& key) = 0;
  // Sets key_state of the key if it exists and belongs to `creator`; kNotFound otherwise.
  virtual Status SetKeyState(const std::string& keyid, const std::string& creator,
                             int key_state) = 0;
  // Deletes the key if it exists and belongs to `creator`. Returns whether it existed.
  virtual StatusOr<bool> DeleteKey(const std::string& keyid, const std::string& creator) = 0;
  // Deletes every key of `creator`; returns how many.
  virtual StatusOr<int64_t> DeleteAllKeys(const std::string& creator) = 0;
  // --- secrets. A secret is identified by (appid, name); names are compared byte for byte.
  // Creates `secret` with `first` as its version 1, current. kAlreadyExists when the appid
  // already has a secret of that name (pending deletion or not). `secret.latest_version` and
  // `first.version_id` are ignored (the version is 1).
  virtual Status CreateSecret(const SecretRecord& secret, const SecretVersionRecord& first) = 0;
  virtual StatusOr<SecretRecord> GetSecret(const std::string& appid, const std::string& name) = 0;
  // Every secret of `appid` (pending deletion included), every page, by create time then name.
  virtual StatusOr<std::vector<SecretRecord>> ListSecrets(const std::string& appid) = 0;
  // Replaces the description ("" removes it). kNotFound; kFailedPrecondition when the secret is
  // pending deletion.
  virtual Status SetSecretDescription(const std::string& appid, const std::string& name,
                                      const std::string& description) = 0;
  // Adds `version` as the new current version iff its id is exactly latest_version + 1 (the
  // previous one becomes non-current in the same atomic step). kNotFound; kFailedPrecondition
  // when pending deletion; kAborted when another version got that id first (re-read, retry).
  virtual Status AddSecretVersion(const std::string& appid, const std::string& name,
                                  const SecretVersionRecord& version) = 0;
  // One version; `version_id` 0 means the current one. kNotFound for no secret or no version.
  virtual StatusOr<SecretVersionRecord> GetSecretVersion(const std::string& appid,
                                                         const std::string& name,
                                                         int64_t version_id) = 0;
  // Every version, by ascending id (no page limit). kNotFound when there is no secret.
  virtual StatusOr<std::vector<SecretVersionRecord>> ListSecretVersions(
      const std::string& appid, const std::string& name) = 0;
  // Marks the secret pending deletion (again: reschedules). kNotFound.
  virtual Status ScheduleSecretDeletion(const std::string& appid, const std::string& name,
                                        int64_t delete_time_ms, int64_t planned_delete_time_ms) = 0;
  // Cancels a scheduled deletion (no-op when none). kNotFound.
  virtual Status RestoreSecret(const std::string& appid, const std::string& name) = 0;
  // Removes the secret and every version of it now. Returns whether it existed.
  virtual StatusOr<bool> DeleteSecret(const std::string& appid, const std::string& name) = 0;
  // Secrets pending deletion whose planned time is <= now_ms: at most `limit` of them (not
  // necessarily the earliest), so a caller that removes them asks again until none are left.
  virtual StatusOr<std::vector<SecretRecord>> ListSecretsDueForDeletion(int64_t now_ms,
                                                                        int limit) = 0;
  // As DeleteSecret, but only while the secret is still pending deletion with a planned time
  // <= now_ms, so a restore that came first wins. Returns whether it was removed.
  virtual StatusOr<bool> DeleteSecretIfDue(const std::string& appid, const std::string& name,
                                           int64_t now_ms) = 0;

  // --- quote policies (remote attestation), identified by their policy id.
  // kAlreadyExists when the id is taken, by any appid.
  virtual Status CreateQuotePolicy(const QuotePolicyRecord& policy) = 0;
  // The policy if it exists and belongs to `appid`; kNotFound otherwise (another tenant's
  // policy is indistinguishable from a missing one).
  virtual StatusOr<QuotePolicyRecord> GetQuotePolicy(const std::string& appid,
                                                     const std::string& policy_id) = 0;

  // Number of stored keys and tenants together: a store holding any wrapped blob (non-zero)
  // must never be paired with a freshly made domain key.
  virtual StatusOr<int64_t> CountWrappedObjects() = 0;
  // Up to `limit` tenants' cmk_blob and up to `limit` keys' non-empty key_blob, any ones (an
  // empty result for an empty store): at start the server checks that its domain key is the
  // one they were wrapped by, which a few blobs show as well as all of them.
  virtual StatusOr<std::vector<Bytes>> SampleWrappedBlobs(int limit) = 0;

  // --- the deployment's domain-key fingerprint (dk_id, 16 hex digits; keys::DomainKey::IdHex)
  // Every KMS of a deployment checks its domain key against the one recorded here, so a KMS
  // handed another key (a dkeyserver re-initialised after its data was lost) refuses to serve
  // instead of wrapping new data under it.
  // The recorded dk_id; kNotFound when none has been recorded yet.
  virtual StatusOr<std::string> GetDomainKeyId() = 0;
  // Records `dk_id` when none is recorded, atomically: of two callers racing on an empty store
  // exactly one is recorded. Returns the dk_id recorded afterwards (`dk_id` itself, or the
  // first writer's, which the caller compares). kInvalidArgument for an empty `dk_id`.
  virtual StatusOr<std::string> RecordDomainKeyId(const std::string& dk_id) = 0;
};

}  // namespace kms::store
