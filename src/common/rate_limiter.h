#pragma once
// RateLimiter: a token bucket. Thread-safe.

#include <algorithm>
#include "common/clock.h"
#include "common/mutex.h"

namespace kms {

class RateLimiter {
 public:
  // Allows `per_second` events per second on average and bursts of up to `burst`.
  // per_second <= 0 disables the limit.
  RateLimiter(const Clock& clock, double per_second, double burst)
      : clock_(clock), rate_(per_second), burst_(burst), tokens_(burst),
        last_ms_(clock.NowMs()) {}

  // True if an event may happen now (and counts it).
  bool TryAcquire() {
    if (rate_ <= 0) return true;
    MutexLock lock(mu_);
    int64_t now = clock_.NowMs();
    tokens_ = std::min(burst_, tokens_ + (now - last_ms_) * rate_ / 1000.0);
    last_ms_ = now;
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
  }

 private:
  const Clock& clock_;
  const double rate_;
  const double burst_;
  Mutex mu_;
  double tokens_ KMS_GUARDED_BY(mu_);
  int64_t last_ms_ KMS_GUARDED_BY(mu_);
};

}  // namespace kms
