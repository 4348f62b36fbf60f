#pragma once
// Backoff: capped exponential delays with full jitter, for daemons that retry an unreachable
// peer forever (a dkeycache while every dkeyserver is down) without hammering it when it
// returns, and without every node retrying in lock step.
//
// Not thread-safe; one per retry loop.

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <random>

namespace kms {

class Backoff {
 public:
  using ms = std::chrono::milliseconds;

  // REQUIRES: 0 < initial <= max.
  Backoff(ms initial, ms max, uint64_t seed = std::random_device{}())
      : initial_(initial), max_(max), rng_(seed) {}

  // The delay before the next attempt: uniform in [ceiling/2, ceiling], where the ceiling
  // starts at `initial` and doubles after each call up to `max`.
  ms Next() {
    ms ceiling = current_ceiling();
    if (attempt_ < 62) ++attempt_;
    std::uniform_int_distribution<int64_t> d(ceiling.count() / 2, ceiling.count());
    return ms(d(rng_));
  }

  // After a success: the next failure starts again from `initial`.
  void Reset() { attempt_ = 0; }

  int attempts() const { return attempt_; }

 private:
  ms current_ceiling() const {
    int64_t c = initial_.count();
    for (int i = 0; i < attempt_ && c < max_.count(); ++i) c *= 2;
    return ms(std::min(c, static_cast<int64_t>(max_.count())));
  }

  ms initial_;
  ms max_;
  std::mt19937_64 rng_;
  int attempt_ = 0;
};

}  // namespace kms
