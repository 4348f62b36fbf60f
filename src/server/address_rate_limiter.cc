#include "server/address_rate_limiter.h"

#include <algorithm>

namespace kms::server {

AddressRateLimiter::AddressRateLimiter(const Clock& clock, double per_second, double burst,
                                       size_t max_addresses)
    : clock_(clock), rate_(per_second), burst_(std::max(1.0, burst)),
      max_addresses_(std::max<size_t>(1, max_addresses)) {}

bool AddressRateLimiter::TryAcquire(const std::string& address) {
  if (rate_ <= 0) return true;
  const int64_t now = clock_.NowMs();
  MutexLock lock(mu_);
  auto it = buckets_.find(address);
  if (it == buckets_.end()) {
    if (buckets_.size() >= max_addresses_) {
      buckets_.erase(lru_.back());
      lru_.pop_back();
    }
    lru_.push_front(address);
    it = buckets_.emplace(address, Bucket{burst_, now, lru_.begin()}).first;
  } else {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
  }
  Bucket& b = it->second;
  b.tokens = std::min(burst_, b.tokens + static_cast<double>(now - b.last_ms) * rate_ / 1000.0);
  b.last_ms = now;
  if (b.tokens < 1.0) return false;
  b.tokens -= 1.0;
  return true;
}

size_t AddressRateLimiter::size() const {
  MutexLock lock(mu_);
  return buckets_.size();
}

}  // namespace kms::server
