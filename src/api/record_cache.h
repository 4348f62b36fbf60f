#pragma once
// RecordCache: a bounded, thread-safe map from id to an immutable record with a time-to-live.
// Used for tenant and key records on the request path. Entries older than the TTL are
// re-read, which bounds how long a change made by another KMS process on a shared store (a key
// disabled elsewhere) can go unnoticed; local changes invalidate explicitly.
//
// Large caches are split into 16 shards, each with its own lock and LRU order, because every
// request looks up its tenant and key here from every event-loop thread; a single lock was
// contended. Eviction is then least-recently-used within a shard. Caches below 1024 entries
// keep one shard and exact LRU order.
//
// A reader that misses reads the store and then puts what it found; an invalidation (Erase,
// EraseIf, Clear) can land in between, and a plain Put would then bring back the record it
// removed — a disabled key usable again until the TTL. So a reader takes a Ticket before it
// reads and puts with it: the Put is dropped if its shard saw an invalidation since. Each shard
// counts invalidations (one counter, not one per id, so the cost stays bounded); an
// invalidation of another id in the same shard also drops the Put, which costs a later miss,
// never a stale hit.

#include <algorithm>
#include <cstdint>
#include <functional>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/cache_stats.h"
#include "common/clock.h"

namespace kms::api {

template <typename T>
class RecordCache {
 public:
  // `capacity` >= 1 entries; `ttl_ms` <= 0 means entries never go stale.
  RecordCache(const Clock& clock, size_t capacity, int64_t ttl_ms)
      : clock_(clock), ttl_ms_(ttl_ms), shards_(capacity >= 1024 ? 16 : 1) {
    for (Shard& s : shards_) s.capacity = std::max<size_t>(1, capacity / shards_.size());
  }

  // Taken before reading the record for `id` from the store; see Put(id, value, ticket).
  class Ticket {
   private:
    friend class RecordCache;
    explicit Ticket(uint64_t invalidations) : invalidations_(invalidations) {}
    uint64_t invalidations_;
  };

  std::shared_ptr<const T> Get(const std::string& id) {
    Shard& s = ShardFor(id);
    std::lock_guard<std::mutex> lock(s.mu);
    auto it = s.map.find(id);
    if (it == s.map.end()) {
      ++s.misses;
      return nullptr;
    }
    if (ttl_ms_ > 0 && clock_.NowMs() - it->second.loaded_ms >= ttl_ms_) {
      s.lru.erase(it->second.lru);
      s.map.erase(it);
      ++s.misses;
      return nullptr;
    }
    ++s.hits;
    s.lru.splice(s.lru.begin(), s.lru, it->second.lru);
    return it->second.value;
  }

  Ticket TicketFor(const std::string& id) {
    Shard& s = ShardFor(id);
    std::lock_guard<std::mutex> lock(s.mu);
    return Ticket(s.invalidations);
  }

  // Caches `value` unless an invalidation that could cover `id` happened after `ticket` was
  // taken; returns whether it was cached.
  bool Put(const std::string& id, std::shared_ptr<const T> value, Ticket ticket) {
    Shard& s = ShardFor(id);
    std::lock_guard<std::mutex> lock(s.mu);
    if (s.invalidations != ticket.invalidations_) return false;
    Insert(s, id, std::move(value));
    return true;
  }

  // Caches `value` unconditionally: for records nothing invalidates (or tests).
  void Put(const std::string& id, std::shared_ptr<const T> value) {
    Shard& s = ShardFor(id);
    std::lock_guard<std::mutex> lock(s.mu);
    Insert(s, id, std::move(value));
  }

  // The invalidations below count even when nothing is cached for the id: the record being
  // invalidated may be one a reader is about to put.
  void Erase(const std::string& id) {
    Shard& s = ShardFor(id);
    std::lock_guard<std::mutex> lock(s.mu);
    ++s.invalidations;
    auto it = s.map.find(id);
    if (it == s.map.end()) return;
    s.lru.erase(it->second.lru);
    s.map.erase(it);
  }

  // Erases every entry whose value satisfies `pred`; returns their ids.
  template <typename Pred>
  std::vector<std::string> EraseIf(Pred pred) {
    std::vector<std::string> erased;
    for (Shard& s : shards_) {
      std::lock_guard<std::mutex> lock(s.mu);
      ++s.invalidations;
      for (auto it = s.map.begin(); it != s.map.end();) {
        if (!pred(*it->second.value)) {
          ++it;
          continue;
        }
        erased.push_back(it->first);
        s.lru.erase(it->second.lru);
        it = s.map.erase(it);
      }
    }
    return erased;
  }

  void Clear() {
    for (Shard& s : shards_) {
      std::lock_guard<std::mutex> lock(s.mu);
      ++s.invalidations;
      s.map.clear();
      s.lru.clear();
    }
  }

  size_t size() const {
    size_t n = 0;
    for (const Shard& s : shards_) {
      std::lock_guard<std::mutex> lock(s.mu);
      n += s.map.size();
    }
    return n;
  }

  // Lookups by Get since construction: found fresh, or not (absent or expired).
  CacheStats stats() const {
    CacheStats st;
    for (const Shard& s : shards_) {
      std::lock_guard<std::mutex> lock(s.mu);
      st.hits += s.hits;
      st.misses += s.misses;
    }
    return st;
  }

 private:
  struct Entry {
    std::shared_ptr<const T> value;
    int64_t loaded_ms;
    std::list<std::string>::iterator lru;
  };
  struct Shard {
    mutable std::mutex mu;
    size_t capacity = 1;
    std::list<std::string> lru;  // most recent first
    std::unordered_map<std::string, Entry> map;
    uint64_t invalidations = 0;  // Erase/EraseIf/Clear calls that reached this shard
    uint64_t hits = 0;           // counted under mu, which Get holds anyway
    uint64_t misses = 0;
  };

  // REQUIRES: s.mu held.
  void Insert(Shard& s, const std::string& id, std::shared_ptr<const T> value) {
    auto it = s.map.find(id);
    if (it != s.map.end()) {
      s.lru.erase(it->second.lru);
      s.map.erase(it);
    }
    while (s.map.size() >= s.capacity && !s.lru.empty()) {
      s.map.erase(s.lru.back());
      s.lru.pop_back();
    }
    s.lru.push_front(id);
    s.map.emplace(id, Entry{std::move(value), clock_.NowMs(), s.lru.begin()});
  }

  Shard& ShardFor(const std::string& id) {
    return shards_[std::hash<std::string>{}(id) % shards_.size()];
  }

  const Clock& clock_;
  const int64_t ttl_ms_;
  std::vector<Shard> shards_;
};

}  // namespace kms::api
