#pragma once
// KmsContext: everything an action handler may use — the store, the vault, the clock, the
// record caches and the service options. One per process; thread-safe.

#include <memory>
#include <optional>
#include <string>

#include "api/record_cache.h"
#include "attest/quote_verifier.h"
#include "common/clock.h"
#include "common/concurrency_limiter.h"
#include "common/rate_limiter.h"
#include "keys/key_vault.h"
#include "store/records.h"
#include "store/store.h"

namespace kms::audit {
class AuditLog;
}  // namespace kms::audit

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
  // 0: key records are not cached (every use reads the store).
  int64_t key_cache_ttl_ms = 2000;
  // Enroll is unauthenticated and each call creates keys: a token bucket bounds it
  // (upstream defect Q5). 0 disables the limit.
  double enroll_per_second = 20;
  double enroll_burst = 100;
  // RSA key generations running at once (CreateKey, GetParametersForImport); as many more may
  // wait, beyond that the request is answered "busy". 0 = one less than the cores (at least 1),
  // so one core stays free for everything else.
  size_t rsa_keygen_concurrency = 0;
  // The tamper-evident trail every eHSM action is recorded in (null: none). With
  // audit_required, a request whose record cannot be written is answered
  // kAuditUnavailableMessage instead of its result.
  audit::AuditLog* audit = nullptr;
  bool audit_required = true;
};

// What the remote-attestation actions use: the platform that makes this process's quotes
// (GenerateQuote) and the verifier of quotes sent in (VerifyQuote). Either may be null; the
// action then answers that it is not available.
struct Attestation {
  tee::TeePlatform* platform = nullptr;
  std::shared_ptr<const attest::QuoteVerifier> verifier;
};

// 9999-12-31T23:59:59.999Z: the expireTime of keys that do not expire.
inline constexpr int64_t kNeverExpires = 253402300799999;

class KmsContext {
 public:
  KmsContext(store::Store& store, keys::KeyVault& vault, const Clock& clock, ServiceOptions options,
             Attestation attestation = {})
      : store_(store),
        vault_(vault),
        clock_(clock),
        options_(std::move(options)),
        tenants_(clock, options_.cache_capacity, /*ttl_ms=*/0),
        keys_(clock, options_.cache_capacity, options_.key_cache_ttl_ms),
        enroll_limiter_(clock, options_.enroll_per_second, options_.enroll_burst),
        rsa_keygen_(RsaKeygenConcurrency(options_), RsaKeygenConcurrency(options_)),
        attestation_(std::move(attestation)) {}

  store::Store& store() { return store_; }
  keys::KeyVault& vault() { return vault_; }
  const Clock& clock() const { return clock_; }
  const ServiceOptions& options() const { return options_; }
  const Attestation& attestation() const { return attestation_; }

  // Tenant records never change after Enroll, so they are cached without expiry.
  StatusOr<std::shared_ptr<const store::TenantRecord>> GetTenant(const std::string& appid);
  // Key records are cached for key_cache_ttl_ms; InvalidateKey after local changes. The vault's
  // opened copy of the key is dropped with the record. A read that overlaps an invalidation of
  // its key returns what it read but does not cache it, so the invalidation always wins.
  StatusOr<std::shared_ptr<const store::KeyRecord>> GetKey(const std::string& keyid);
  // Whether the record is cached (and fresh), so Get* would not touch the store.
  bool TenantCached(const std::string& appid) { return tenants_.Get(appid) != nullptr; }
  bool KeyCached(const std::string& keyid) { return keys_.Get(keyid) != nullptr; }

  // The record caches, for their sizes and hit counts (metrics).
  const RecordCache<store::TenantRecord>& tenant_cache() const { return tenants_; }
  const RecordCache<store::KeyRecord>& key_cache() const { return keys_; }

  // A tenant's record and one of its keys', as found in the caches.
  struct CachedRecords {
    std::shared_ptr<const store::TenantRecord> tenant;
    std::shared_ptr<const store::KeyRecord> key;
  };
  // Both records if both are cached and fresh, else nullopt.
  std::optional<CachedRecords> FindCached(const std::string& appid, const std::string& keyid);

  // While a ScopedPin is alive, GetTenant and GetKey on this thread return its records for
  // their ids without looking at the caches or the store. An action chosen to run inline (on an
  // event loop) because its records were cached then uses exactly those records, even if one
  // expires or is evicted before the action looks it up, and never blocks on the store. A pin
  // hides the thread's previous one until it ends; `records` must outlive it.
  class ScopedPin {
   public:
    ScopedPin(const KmsContext& ctx, const CachedRecords& records) : saved_(pin_) {
      pin_ = {&ctx, &records};
    }
    ~ScopedPin() { pin_ = saved_; }
    ScopedPin(const ScopedPin&) = delete;
    ScopedPin& operator=(const ScopedPin&) = delete;

   private:
    struct Pin {
      const KmsContext* ctx = nullptr;
      const CachedRecords* records = nullptr;
    };
    friend class KmsContext;
    Pin saved_;
  };

  void InvalidateKey(const std::string& keyid) {
    keys_.Erase(keyid);
    vault_.ForgetKey(keyid);
  }
  // Only the caller's: a cached record of another tenant is kept (a non-owner must not be able
  // to flush it), an uncached keyid is forgotten (nothing of another tenant is cached for it).
  void InvalidateOwnKey(const std::string& keyid, const std::string& appid) {
    auto cached = keys_.Get(keyid);
    if (cached != nullptr && cached->creator != appid) return;
    InvalidateKey(keyid);
  }
  // Every cached key of `appid` (DeleteAllKey), and none of other tenants.
  void InvalidateKeysOf(const std::string& appid) {
    for (const std::string& keyid :
         keys_.EraseIf([&](const store::KeyRecord& k) { return k.creator == appid; })) {
      vault_.ForgetKey(keyid);
    }
  }
  RateLimiter& enroll_limiter() { return enroll_limiter_; }

  // Take a turn before generating an RSA key; nullopt means answer "busy".
  std::optional<ConcurrencyLimiter::Slot> EnterRsaKeygen() { return rsa_keygen_.TryEnter(); }

 private:
  store::Store& store_;
  keys::KeyVault& vault_;
  const Clock& clock_;
  const ServiceOptions options_;
  RecordCache<store::TenantRecord> tenants_;
  RecordCache<store::KeyRecord> keys_;
  RateLimiter enroll_limiter_;
  ConcurrencyLimiter rsa_keygen_;
  const Attestation attestation_;

  static size_t RsaKeygenConcurrency(const ServiceOptions& o);
  // The pin of this thread's inline run, if it is for this context.
  const CachedRecords* Pinned() const { return pin_.ctx == this ? pin_.records : nullptr; }

  static thread_local ScopedPin::Pin pin_;
};

}  // namespace kms::api
