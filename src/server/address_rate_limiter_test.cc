#include "server/address_rate_limiter.h"

#include <gtest/gtest.h>

namespace kms::server {
namespace {

TEST(AddressRateLimiterTest, EachAddressHasItsOwnBucket) {
  FakeClock clock(1000000);
  AddressRateLimiter limiter(clock, /*per_second=*/1, /*burst=*/2, /*max_addresses=*/10);
  EXPECT_TRUE(limiter.TryAcquire("10.0.0.1"));
  EXPECT_TRUE(limiter.TryAcquire("10.0.0.1"));
  EXPECT_FALSE(limiter.TryAcquire("10.0.0.1"));
  EXPECT_TRUE(limiter.TryAcquire("10.0.0.2"));  // not affected by the first
  clock.Advance(1000);
  EXPECT_TRUE(limiter.TryAcquire("10.0.0.1"));  // refilled one token
  EXPECT_FALSE(limiter.TryAcquire("10.0.0.1"));
}

TEST(AddressRateLimiterTest, TableStaysBoundedDroppingTheLeastRecentlyUsed) {
  FakeClock clock(1000000);
  AddressRateLimiter limiter(clock, 1, 1, /*max_addresses=*/3);
  EXPECT_TRUE(limiter.TryAcquire("a"));
  EXPECT_FALSE(limiter.TryAcquire("a"));
  for (const char* other : {"b", "c", "d", "e"}) EXPECT_TRUE(limiter.TryAcquire(other));
  EXPECT_EQ(limiter.size(), 3u);
  // "a" left the table, so it starts with a full bucket again.
  EXPECT_TRUE(limiter.TryAcquire("a"));
  EXPECT_EQ(limiter.size(), 3u);
}

TEST(AddressRateLimiterTest, ZeroRateDisablesTheLimit) {
  FakeClock clock(0);
  AddressRateLimiter limiter(clock, 0, 0, 1);
  for (int i = 0; i < 100; ++i) EXPECT_TRUE(limiter.TryAcquire("a"));
  EXPECT_EQ(limiter.size(), 0u);
}

}  // namespace
}  // namespace kms::server
