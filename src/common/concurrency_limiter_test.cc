#include "common/concurrency_limiter.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>
#include <vector>

namespace kms {
namespace {

TEST(ConcurrencyLimiter, RefusesAtOnceWhenRunningAndWaitingAreFull) {
  ConcurrencyLimiter limiter(1, 0);
  auto first = limiter.TryEnter();
  ASSERT_TRUE(first.has_value());
  EXPECT_FALSE(limiter.TryEnter().has_value());
  EXPECT_EQ(limiter.running(), 1u);
}

TEST(ConcurrencyLimiter, ReleasedSlotIsReusable) {
  ConcurrencyLimiter limiter(1, 0);
  {
    auto s = limiter.TryEnter();
    ASSERT_TRUE(s.has_value());
  }
  EXPECT_EQ(limiter.running(), 0u);
  EXPECT_TRUE(limiter.TryEnter().has_value());
}

TEST(ConcurrencyLimiter, WaiterGetsTheTurnWhenItIsReleased) {
  ConcurrencyLimiter limiter(1, 1);
  auto held = std::make_optional(*limiter.TryEnter());
  std::promise<void> entered;
  std::thread waiter([&] {
    auto s = limiter.TryEnter();
    EXPECT_TRUE(s.has_value());
    entered.set_value();
  });
  held.reset();
  entered.get_future().wait();
  waiter.join();
  EXPECT_EQ(limiter.running(), 0u);
}

TEST(ConcurrencyLimiter, NeverMoreThanMaxRunningAtOnce) {
  ConcurrencyLimiter limiter(2, 100);
  std::atomic<int> inside{0}, peak{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&] {
      for (int j = 0; j < 200; ++j) {
        auto s = limiter.TryEnter();
        ASSERT_TRUE(s.has_value());
        int now = inside.fetch_add(1) + 1;
        int p = peak.load();
        while (now > p && !peak.compare_exchange_weak(p, now)) {
        }
        inside.fetch_sub(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_LE(peak.load(), 2);
  EXPECT_GE(peak.load(), 1);
}

}  // namespace
}  // namespace kms
