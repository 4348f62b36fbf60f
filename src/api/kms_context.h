#pragma once
// KmsContext: everything an action handler may use — the store, the vault, the clock, the
// record caches and the service options. One per process; thread-safe.

#include <memory>
#include <string>

#include "api/record_cache.h"
#include "common/clock.h"
#include "keys/key_vault.h"
#include "store/records.h"
#include "store/store.h"

namespace kms::api {

struct ServiceOptions {
  std::string version = "0.3.2";
  std::string git_sha = "0000000";
  // Reported expiry of new keys. 0 (default): keys never expire, and ListKey reports
  // kNeverExpires. A positive value sets expireTime = creationDate + lifetime; use after that
  // is refused with "keyid expire", but nothing is ever deleted automatically.
  int64_t key_lifetime_ms = 0;
  size_t cache_capacity = 100000;
  // How long a cached key record is trusted before it is re-read from the store: the bound on
  // how long a change made through another KMS process sharing the store goes unnoticed.
  int64_t key_cache_ttl_ms = 2000;
};

// 9999-12-31T23:59:59.999Z: the expireTime of keys that do not expire.
inline constexpr int64_t kNeverExpires = 253402300799999;

class KmsContext {
 public:
  KmsContext(store::Store& store, keys::KeyVault& vault, const Clock& clock,
             ServiceOptions options)
      : store_(store),
        vault_(vault),
        clock_(clock),
        options_(std::move(options)),
        tenants_(clock, options_.cache_capacity, /*ttl_ms=*/0),
        keys_(clock, options_.cache_capacity, options_.key_cache_ttl_ms) {}

  store::Store& store() { return store_; }
  keys::KeyVault& vault() { return vault_; }
  const Clock& clock() const { return clock_; }
  const ServiceOptions& options() const { return options_; }

  // Tenant records never change after Enroll, so they are cached without expiry.
  StatusOr<std::shared_ptr<const store::TenantRecord>> GetTenant(const std::string& appid);
  // Key records are cached for key_cache_ttl_ms; InvalidateKey after local changes. The vault's
  // opened copy of the key is dropped with the record.
  StatusOr<std::shared_ptr<const store::KeyRecord>> GetKey(const std::string& keyid);
  // Whether the record is cached (and fresh), so Get* would not touch the store.
  bool TenantCached(const std::string& appid) { return tenants_.Get(appid) != nullptr; }
  bool KeyCached(const std::string& keyid) { return keys_.Get(keyid) != nullptr; }
  void InvalidateKey(const std::string& keyid) {
    keys_.Erase(keyid);
    vault_.ForgetKey(keyid);
  }
  void InvalidateAllKeys() {
    keys_.Clear();
    vault_.ForgetAllKeys();
  }

 private:
  store::Store& store_;
  keys::KeyVault& vault_;
  const Clock& clock_;
  const ServiceOptions options_;
  RecordCache<store::TenantRecord> tenants_;
  RecordCache<store::KeyRecord> keys_;
};

}  // namespace kms::api
