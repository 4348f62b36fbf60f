#include "net/connection_limits.h"

#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <thread>
#include <vector>

namespace kms::net::internal {
namespace {

const boost::asio::ip::address kA = boost::asio::ip::make_address("10.0.0.1");
const boost::asio::ip::address kB = boost::asio::ip::make_address("10.0.0.2");

bool NothingIdle() { return false; }

TEST(ConnectionLimits, AdmitsUpToTheLimitThenRefusesWhenNothingIsIdle) {
  ConnectionLimits limits(3, 0);
  std::vector<ConnectionPermit> held;
  for (int i = 0; i < 3; ++i) {
    auto p = limits.Admit(kA, NothingIdle);
    ASSERT_TRUE(p.has_value()) << i;
    held.push_back(std::move(*p));
  }
  EXPECT_FALSE(limits.Admit(kB, NothingIdle).has_value());
  EXPECT_EQ(limits.counts().open, 3);
  EXPECT_EQ(limits.counts().refused_at_limit, 1);

  held.pop_back();  // a permit's destruction gives its place back
  EXPECT_EQ(limits.counts().open, 2);
  EXPECT_TRUE(limits.Admit(kB, NothingIdle).has_value());
}

TEST(ConnectionLimits, AtTheLimitClosesIdleOnesInTheOrderGiven) {
  ConnectionLimits limits(2, 0);
  std::deque<ConnectionPermit> idle;  // front = idle longest
  for (int i = 0; i < 2; ++i) idle.push_back(std::move(*limits.Admit(kA, NothingIdle)));
  int closed = 0;
  auto close_oldest = [&] {
    if (idle.empty()) return false;
    idle.front().Release();
    idle.pop_front();
    ++closed;
    return true;
  };
  auto admitted = limits.Admit(kB, close_oldest);
  ASSERT_TRUE(admitted.has_value());
  EXPECT_EQ(closed, 1);  // exactly as many as needed
  EXPECT_EQ(limits.counts().open, 2);
  EXPECT_EQ(limits.counts().evicted_idle, 1);
}

TEST(ConnectionLimits, PerAddressCapCountsEachAddressAndPushesNoOneOut) {
  ConnectionLimits limits(0, 2);
  int asked_to_close = 0;
  auto close = [&] { return ++asked_to_close, false; };
  auto a1 = limits.Admit(kA, close);
  auto a2 = limits.Admit(kA, close);
  ASSERT_TRUE(a1 && a2);
  EXPECT_FALSE(limits.Admit(kA, close).has_value());
  EXPECT_TRUE(limits.Admit(kB, close).has_value());  // another address is not affected
  EXPECT_EQ(limits.counts().refused_per_ip, 1);
  EXPECT_EQ(asked_to_close, 0);

  a1->Release();
  a1->Release();  // twice is harmless: still exactly one place back
  auto a3 = limits.Admit(kA, close);
  EXPECT_TRUE(a3.has_value());
  auto moved = std::move(*a2);
  EXPECT_FALSE(limits.Admit(kA, close).has_value()) << "a moved permit still holds its place";
}

TEST(ConnectionLimits, RefusalAtTheTotalGivesTheAddressPlaceBack) {
  ConnectionLimits limits(1, 1);
  auto first = limits.Admit(kA, NothingIdle);
  ASSERT_TRUE(first.has_value());
  EXPECT_FALSE(limits.Admit(kB, NothingIdle).has_value());
  first.reset();
  EXPECT_TRUE(limits.Admit(kB, NothingIdle).has_value());
}

TEST(ConnectionLimits, ConcurrentAdmissionsNeverExceedTheLimit) {
  constexpr int kLimit = 50;
  ConnectionLimits limits(kLimit, 0);
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  std::vector<std::vector<ConnectionPermit>> held(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 1000; ++i) {
        auto p = limits.Admit(kA, NothingIdle);
        if (!p) continue;
        ++admitted;
        held[t].push_back(std::move(*p));
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(admitted.load(), kLimit);
  EXPECT_EQ(limits.counts().open, kLimit);
  EXPECT_EQ(limits.counts().refused_at_limit, 4 * 1000 - kLimit);
}

}  // namespace
}  // namespace kms::net::internal
