#pragma once
// ConcurrencyLimiter: bounds how many threads run one kind of slow work at once, and how many
// may wait for a turn; beyond that a caller is turned away at once instead of blocking.
//
// Used for RSA key generation (RSA-4096 can take a second or more of CPU): handlers run on the
// shared worker pool, so without a bound a burst of CreateKey requests would occupy every
// worker and stall cheap requests (symmetric Encrypt/Decrypt) behind them. With at most
// `max_running` generating and `max_waiting` queued, keygen never holds more than
// max_running + max_waiting workers, and the rest keep serving.
//
// Thread-safe.

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <optional>

namespace kms {

class ConcurrencyLimiter {
 public:
  // Releases its turn when destroyed.
  class Slot {
   public:
    explicit Slot(ConcurrencyLimiter* owner) : owner_(owner) {}
    Slot(Slot&& o) noexcept : owner_(o.owner_) { o.owner_ = nullptr; }
    Slot& operator=(Slot&& o) noexcept {
      if (this != &o) {
        if (owner_ != nullptr) owner_->Release();
        owner_ = o.owner_;
        o.owner_ = nullptr;
      }
      return *this;
    }
    ~Slot() {
      if (owner_ != nullptr) owner_->Release();
    }

   private:
    ConcurrencyLimiter* owner_;
  };

  // `max_running` >= 1.
  ConcurrencyLimiter(size_t max_running, size_t max_waiting)
      : max_running_(max_running < 1 ? 1 : max_running), max_waiting_(max_waiting) {}

  // A turn, after waiting if every turn is taken and fewer than max_waiting others wait;
  // nullopt at once when the waiting line is full too.
  std::optional<Slot> TryEnter();

  size_t running() const;

 private:
  void Release();

  const size_t max_running_;
  const size_t max_waiting_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  size_t running_ = 0;  // guarded by mu_
  size_t waiting_ = 0;  // guarded by mu_
};

}  // namespace kms
