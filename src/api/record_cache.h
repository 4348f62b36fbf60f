#pragma once
// RecordCache: a bounded, thread-safe map from id to an immutable record with a time-to-live.
// Used for tenant and key records on the request path. Entries older than the TTL are
// re-read, which bounds how long a change made by another KMS process on a shared store (a key
// disabled elsewhere) can go unnoticed; local changes invalidate explicitly.

#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "common/clock.h"

namespace kms::api {

template <typename T>
class RecordCache {
 public:
  // `capacity` >= 1 entries; `ttl_ms` <= 0 means entries never go stale.
  RecordCache(const Clock& clock, size_t capacity, int64_t ttl_ms)
      : clock_(clock), capacity_(capacity), ttl_ms_(ttl_ms) {}

  std::shared_ptr<const T> Get(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = map_.find(id);
    if (it == map_.end()) return nullptr;
    if (ttl_ms_ > 0 && clock_.NowMs() - it->second.loaded_ms >= ttl_ms_) {
      lru_.erase(it->second.lru);
      map_.erase(it);
      return nullptr;
    }
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    return it->second.value;
  }

  void Put(const std::string& id, std::shared_ptr<const T> value) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = map_.find(id);
    if (it != map_.end()) {
      lru_.erase(it->second.lru);
      map_.erase(it);
    }
    while (map_.size() >= capacity_ && !lru_.empty()) {
      map_.erase(lru_.back());
      lru_.pop_back();
    }
    lru_.push_front(id);
    map_.emplace(id, Entry{std::move(value), clock_.NowMs(), lru_.begin()});
  }

  void Erase(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = map_.find(id);
    if (it == map_.end()) return;
    lru_.erase(it->second.lru);
    map_.erase(it);
  }

  void Clear() {
    std::lock_guard<std::mutex> lock(mu_);
    map_.clear();
    lru_.clear();
  }

  size_t size() const {
    std::lock_guard<std::mutex> lock(mu_);
    return map_.size();
  }

 private:
  struct Entry {
    std::shared_ptr<const T> value;
    int64_t loaded_ms;
    std::list<std::string>::iterator lru;
  };
  const Clock& clock_;
  const size_t capacity_;
  const int64_t ttl_ms_;
  mutable std::mutex mu_;
  std::list<std::string> lru_;  // most recent first
  std::unordered_map<std::string, Entry> map_;
};

}  // namespace kms::api
