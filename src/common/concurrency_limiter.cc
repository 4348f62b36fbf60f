#include "common/concurrency_limiter.h"

namespace kms {

std::optional<ConcurrencyLimiter::Slot> ConcurrencyLimiter::TryEnter() {
  std::unique_lock lock(mu_);
  if (running_ >= max_running_) {
    if (waiting_ >= max_waiting_) return std::nullopt;
    ++waiting_;
    cv_.wait(lock, [this] { return running_ < max_running_; });
    --waiting_;
  }
  ++running_;
  return Slot(this);
}

size_t ConcurrencyLimiter::running() const {
  std::lock_guard lock(mu_);
  return running_;
}

void ConcurrencyLimiter::Release() {
  {
    std::lock_guard lock(mu_);
    --running_;
  }
  cv_.notify_one();
}

}  // namespace kms
