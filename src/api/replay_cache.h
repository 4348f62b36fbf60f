#pragma once
// ReplayCache: accepts each signed request once. A request is identified by its verified MAC
// (per appid), not by fields picked out of the body: the canonical string does not delimit
// values and does not cover the Action, so two bodies of different shapes (or Actions) can carry
// the same MAC, and must count as the same request. The MAC stands for the signing string it
// covers (same string and apikey, same MAC; another string, another MAC), and costs far less to
// hash than the string. It must be the exact verified text: the server compares the `sign`
// value byte for byte with its own encoding, so no other spelling of one MAC verifies.
//
// A request is only acceptable while |now - timestamp| < window, so an entry needs to be
// remembered only until timestamp + window; after that the timestamp check refuses it anyway.
// Memory is therefore bounded by (accepted request rate) x (2 x window), and a hard `capacity`
// caps it: when full, new entries are refused (fail closed) instead of forgetting live ones,
// which would re-open replay. Each tenant may hold at most `tenant_capacity` live entries, so
// one tenant filling its share is refused alone; the others keep their own shares.
//
// Entries are 64-bit SipHash values under a random per-process key, so nobody can engineer
// collisions; an accidental collision (probability ~ entries / 2^64) could only refuse a fresh
// request, never accept a replay. Entries sit in time buckets of window/32 by timestamp and are
// dropped a bucket at a time, at most window/32 after they became useless.
//
// Restarts: Serialize() returns the live entries with the hash key (the server seals it on a
// graceful stop) and Load() takes them back before serving. Without a saved window the server
// calls RefuseTimestampsBefore(start), so requests accepted by the previous process cannot be
// replayed. Load can only add entries and is bounded by `capacity`.
//
// Callers record a request only after its signature verified, so forged requests cannot
// consume (and thereby block) a victim's entries.
//
// Thread-safe: one mutex guards the table; each call does O(1) expected work plus dropping
// expired buckets.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/bytes.h"
#include "common/clock.h"
#include "common/mutex.h"
#include "common/secret_bytes.h"
#include "common/status.h"
#include "crypto/siphash.h"

namespace kms::api {

class ReplayCache {
 public:
  static constexpr int64_t kDefaultWindowMs = 10 * 60 * 1000;

  // A cache keyed with fresh random bytes. Fails only if the CSPRNG fails.
  // `clock` must outlive the cache. REQUIRES: capacity > 0, window_ms > 0.
  // tenant_capacity 0 means `capacity` (no per-tenant share).
  static StatusOr<std::unique_ptr<ReplayCache>> Create(const Clock& clock, size_t capacity,
                                                       int64_t window_ms = kDefaultWindowMs,
                                                       size_t tenant_capacity = 0);

  // As Create, with a caller-chosen hash key (tests, or a key from elsewhere).
  ReplayCache(const Clock& clock, size_t capacity, int64_t window_ms, const crypto::SipHashKey& key,
              size_t tenant_capacity = 0);
  ReplayCache(const ReplayCache&) = delete;
  ReplayCache& operator=(const ReplayCache&) = delete;

  // Records the request whose verified MAC (the `sign` value) is `mac` and returns OK if it
  // was not seen before. Errors:
  //   kAlreadyExists      the request was recorded before (a replay);
  //   kInvalidArgument    |now - timestamp_ms| >= window (could not be remembered long enough);
  //   kFailedPrecondition timestamp_ms is before RefuseTimestampsBefore's bound;
  //   kUnavailable        the cache, or the appid's share of it, is full; retry later.
  Status CheckAndRecord(std::string_view appid, std::string_view mac, int64_t timestamp_ms);

  // Refuses timestamps older than `floor_ms` (the process start, after a crash).
  void RefuseTimestampsBefore(int64_t floor_ms);

  // The live entries and the hash key, for Load in the next process. Holds the key: keep the
  // result secret (the server seals it).
  SecretBytes Serialize() const;
  // Adopts the key and entries of Serialize(). REQUIRES: called before any CheckAndRecord.
  // kInvalidArgument (nothing changed) for malformed data, a different bucket size, or more
  // entries than `capacity`.
  Status Load(ByteView data);

  int64_t window_ms() const { return window_ms_; }
  size_t tenant_capacity() const { return tenant_capacity_; }
  // Number of remembered entries (including ones whose bucket has not been dropped yet).
  size_t size() const;
  size_t capacity() const { return capacity_; }

  // CheckAndRecord outcomes since construction (metrics): recorded (OK), refused as a
  // replay (kAlreadyExists), refused because the cache or a tenant's share was full.
  struct Stats {
    uint64_t recorded = 0;
    uint64_t replays = 0;
    uint64_t refused_full = 0;
  };
  Stats stats() const;

 private:
  // Open-addressing set of non-zero 64-bit hashes; insert-only, dropped as a whole.
  class HashSet {
   public:
    // True if inserted, false if already present.
    bool Insert(uint64_t h);
    bool Contains(uint64_t h) const;
    size_t size() const { return size_; }
    template <typename F>
    void ForEach(F f) const {
      for (uint64_t h : slots_) {
        if (h != 0) f(h);
      }
    }

   private:
    void Grow();
    std::vector<uint64_t> slots_;
    size_t size_ = 0;
  };
  struct Bucket {
    HashSet hashes;
    std::unordered_map<uint64_t, uint64_t> per_tenant;  // tenant hash -> entries here
  };

  uint64_t Hash(char domain, std::string_view appid, std::string_view text,
                int64_t timestamp_ms) const;
  void DropExpiredLocked(int64_t now_ms) KMS_REQUIRES(mu_);

  const Clock& clock_;
  const size_t capacity_;
  const size_t tenant_capacity_;
  const int64_t window_ms_;
  const int64_t bucket_ms_;

  mutable Mutex mu_;
  // Not guarded: replaced only by Load, which runs before any request, and read by Hash
  // outside the lock so that hashing does not lengthen the critical section.
  crypto::SipHashKey key_;
  std::map<int64_t, Bucket> buckets_ KMS_GUARDED_BY(mu_);  // bucket index -> entries
  std::unordered_map<uint64_t, uint64_t> tenants_ KMS_GUARDED_BY(mu_);  // tenant hash -> entries
  size_t size_ KMS_GUARDED_BY(mu_) = 0;
  int64_t floor_ms_ KMS_GUARDED_BY(mu_) = INT64_MIN;
  uint64_t recorded_ KMS_GUARDED_BY(mu_) = 0;
  uint64_t replays_ KMS_GUARDED_BY(mu_) = 0;
  uint64_t refused_full_ KMS_GUARDED_BY(mu_) = 0;
};

}  // namespace kms::api
