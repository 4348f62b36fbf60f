#include "common/rate_limiter.h"

#include <gtest/gtest.h>

namespace kms {
namespace {

TEST(RateLimiter, AllowsBurstThenRefillsAtRate) {
  FakeClock clock(1000);
  RateLimiter limiter(clock, /*per_second=*/2, /*burst=*/3);
  EXPECT_TRUE(limiter.TryAcquire());
  EXPECT_TRUE(limiter.TryAcquire());
  EXPECT_TRUE(limiter.TryAcquire());
  EXPECT_FALSE(limiter.TryAcquire());
  clock.Advance(499);
  EXPECT_FALSE(limiter.TryAcquire());
  clock.Advance(1);
  EXPECT_TRUE(limiter.TryAcquire());
  EXPECT_FALSE(limiter.TryAcquire());
  clock.Advance(60000);  // refills only up to the burst
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(limiter.TryAcquire());
  EXPECT_FALSE(limiter.TryAcquire());
}

TEST(RateLimiter, ZeroRateMeansUnlimited) {
  FakeClock clock(0);
  RateLimiter limiter(clock, 0, 0);
  for (int i = 0; i < 1000; ++i) EXPECT_TRUE(limiter.TryAcquire());
}

}  // namespace
}  // namespace kms
