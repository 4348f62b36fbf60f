#pragma once
// Store: durable state of the KMS (tenants and keys now; secrets, quote policies and import
// sessions later). Implementations: SqliteStore (embedded default), CouchStore.
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
  // Number of stored keys and tenants together: a store holding any wrapped blob (non-zero)
  // must never be paired with a freshly made domain key.
  virtual StatusOr<int64_t> CountWrappedObjects() = 0;
};

}  // namespace kms::store
