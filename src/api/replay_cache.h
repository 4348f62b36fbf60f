#pragma once
// ReplayCache: refuses a second request with the same (appid, nonce, timestamp) tuple.
//
// A request is only acceptable while |now - timestamp| < window, so a tuple needs to be
// remembered only until timestamp + window; after that the timestamp check refuses it anyway.
// Memory is therefore bounded by (accepted request rate) x (2 x window), and a hard `capacity`
// caps it: when full, new tuples are refused (fail closed) instead of forgetting live ones,
// which would re-open replay.
//
// Entries are 64-bit SipHash values of the tuple under a random per-process key, so nobody can
// engineer collisions; an accidental collision (probability ~ entries / 2^64) could only
// refuse a fresh request, never accept a replay. Entries sit in time buckets of window/32 by
// timestamp and are dropped a bucket at a time, at most window/32 after they became useless.
//
// Callers record a tuple only after the request's signature verified, so forged requests cannot
// consume (and thereby block) a victim's tuples.
//
// Thread-safe: one mutex guards the table; each call does O(1) expected work plus dropping
// expired buckets.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "crypto/siphash.h"
#include "common/clock.h"
#include "common/status.h"

namespace kms::api {

class ReplayCache {
 public:
  static constexpr int64_t kDefaultWindowMs = 10 * 60 * 1000;

  // A cache keyed with fresh random bytes. Fails only if the CSPRNG fails.
  // `clock` must outlive the cache. REQUIRES: capacity > 0, window_ms > 0.
  static StatusOr<std::unique_ptr<ReplayCache>> Create(const Clock& clock, size_t capacity,
                                                       int64_t window_ms = kDefaultWindowMs);

  // As Create, with a caller-chosen hash key (tests, or a key from elsewhere).
  ReplayCache(const Clock& clock, size_t capacity, int64_t window_ms, const crypto::SipHashKey& key);
  ReplayCache(const ReplayCache&) = delete;
  ReplayCache& operator=(const ReplayCache&) = delete;

  // Records the tuple and returns OK if it was not seen before. An absent nonce must be passed
  // as "". Errors:
  //   kAlreadyExists      the tuple was recorded before (a replay);
  //   kInvalidArgument    |now - timestamp_ms| >= window (could not be remembered long enough);
  //   kUnavailable        the cache holds `capacity` live tuples; retry later.
  Status CheckAndRecord(std::string_view appid, std::string_view nonce, int64_t timestamp_ms);

  // Number of remembered tuples (including ones whose bucket has not been dropped yet).
  size_t size() const;

 private:
  // Open-addressing set of non-zero 64-bit hashes; insert-only, dropped as a whole.
  class HashSet {
   public:
    // True if inserted, false if already present.
    bool Insert(uint64_t h);
    bool Contains(uint64_t h) const;
    size_t size() const { return size_; }

   private:
    void Grow();
    std::vector<uint64_t> slots_;
    size_t size_ = 0;
  };

  uint64_t Hash(std::string_view appid, std::string_view nonce, int64_t timestamp_ms) const;
  void DropExpiredLocked(int64_t now_ms);

  const Clock& clock_;
  const size_t capacity_;
  const int64_t window_ms_;
  const int64_t bucket_ms_;
  const crypto::SipHashKey key_;

  mutable std::mutex mu_;
  std::map<int64_t, HashSet> buckets_;  // GUARDED_BY(mu_); bucket index -> hashes
  size_t size_ = 0;                     // GUARDED_BY(mu_)
};

}  // namespace kms::api
