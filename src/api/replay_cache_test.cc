#include "api/replay_cache.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace kms::api {
namespace {

constexpr int64_t kNow = 1700000000000;
constexpr int64_t kWindow = ReplayCache::kDefaultWindowMs;

crypto::SipHashKey TestKey() {
  crypto::SipHashKey k{};
  k[0] = 42;
  return k;
}

TEST(ReplayCache, ReplayOfSameTupleIsRejected) {
  FakeClock clock(kNow);
  ReplayCache cache(clock, 100, kWindow, TestKey());
  EXPECT_TRUE(cache.CheckAndRecord("app", "n1", kNow).ok());
  Status again = cache.CheckAndRecord("app", "n1", kNow);
  EXPECT_EQ(again.code(), Code::kAlreadyExists);
  EXPECT_EQ(again.message(), "Timestamp can't be repeated in 20 minutes");
  EXPECT_EQ(cache.size(), 1u);
}

TEST(ReplayCache, AnyDifferingComponentIsANewTuple) {
  FakeClock clock(kNow);
  ReplayCache cache(clock, 100, kWindow, TestKey());
  ASSERT_TRUE(cache.CheckAndRecord("app", "n1", kNow).ok());
  EXPECT_TRUE(cache.CheckAndRecord("app", "n2", kNow).ok());
  EXPECT_TRUE(cache.CheckAndRecord("app", "", kNow).ok());
  EXPECT_TRUE(cache.CheckAndRecord("app2", "n1", kNow).ok());
  EXPECT_TRUE(cache.CheckAndRecord("app", "n1", kNow + 1).ok());
  // Components are length-delimited, so shifting bytes between them is a different tuple.
  EXPECT_TRUE(cache.CheckAndRecord("ap", "pn1", kNow).ok());
  EXPECT_EQ(cache.size(), 6u);
  // Unlike the upstream's independent nonce/timestamp test, a reused nonce with a new timestamp
  // and a reused timestamp with a new nonce are both fresh.
  EXPECT_TRUE(cache.CheckAndRecord("app", "n1", kNow + 2).ok());
  EXPECT_TRUE(cache.CheckAndRecord("app", "n3", kNow + 2).ok());
}

TEST(ReplayCache, AbsentNonceCanBeUsedOncePerTimestamp) {
  FakeClock clock(kNow);
  ReplayCache cache(clock, 100, kWindow, TestKey());
  ASSERT_TRUE(cache.CheckAndRecord("app", "", kNow).ok());
  EXPECT_EQ(cache.CheckAndRecord("app", "", kNow).code(), Code::kAlreadyExists);
}

TEST(ReplayCache, TimestampsOutsideTheWindowAreRefused) {
  FakeClock clock(kNow);
  ReplayCache cache(clock, 100, kWindow, TestKey());
  EXPECT_EQ(cache.CheckAndRecord("app", "n", kNow - kWindow).code(), Code::kInvalidArgument);
  EXPECT_EQ(cache.CheckAndRecord("app", "n", kNow + kWindow).code(), Code::kInvalidArgument);
  EXPECT_EQ(cache.CheckAndRecord("app", "n", INT64_MIN).code(), Code::kInvalidArgument);
  EXPECT_EQ(cache.CheckAndRecord("app", "n", INT64_MAX).code(), Code::kInvalidArgument);
  EXPECT_TRUE(cache.CheckAndRecord("app", "n", kNow - kWindow + 1).ok());
  EXPECT_TRUE(cache.CheckAndRecord("app", "n", kNow + kWindow - 1).ok());
  EXPECT_EQ(cache.size(), 2u);
}

TEST(ReplayCache, EntriesExpireWithTheirTimestamp) {
  FakeClock clock(kNow);
  ReplayCache cache(clock, 100, kWindow, TestKey());
  ASSERT_TRUE(cache.CheckAndRecord("app", "old", kNow).ok());
  clock.Advance(5 * 60 * 1000);
  ASSERT_TRUE(cache.CheckAndRecord("app", "new", clock.NowMs()).ok());
  // Still inside the window of the old entry: remembered.
  clock.Set(kNow + kWindow - 1);
  EXPECT_EQ(cache.CheckAndRecord("app", "old", kNow).code(), Code::kAlreadyExists);
  // After the old entry's window (plus at most one bucket) it is forgotten; the request itself
  // is now refused by the timestamp rule, never accepted.
  clock.Set(kNow + kWindow + kWindow / 32);
  EXPECT_EQ(cache.CheckAndRecord("app", "old", kNow).code(), Code::kInvalidArgument);
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.CheckAndRecord("app", "new", kNow + 5 * 60 * 1000).code(), Code::kAlreadyExists);
  clock.Advance(kWindow);
  EXPECT_TRUE(cache.CheckAndRecord("app", "fresh", clock.NowMs()).ok());
  EXPECT_EQ(cache.size(), 1u);
}

TEST(ReplayCache, FutureTimestampsAreRememberedUntilTheyExpire) {
  FakeClock clock(kNow);
  ReplayCache cache(clock, 100, kWindow, TestKey());
  const int64_t future = kNow + kWindow - 1;
  ASSERT_TRUE(cache.CheckAndRecord("app", "", future).ok());
  clock.Set(future + kWindow - 1);  // 20 minutes later, the timestamp is still acceptable
  EXPECT_EQ(cache.CheckAndRecord("app", "", future).code(), Code::kAlreadyExists);
}

TEST(ReplayCache, FailsClosedWhenFull) {
  FakeClock clock(kNow);
  ReplayCache cache(clock, 3, kWindow, TestKey());
  ASSERT_TRUE(cache.CheckAndRecord("app", "1", kNow).ok());
  ASSERT_TRUE(cache.CheckAndRecord("app", "2", kNow).ok());
  ASSERT_TRUE(cache.CheckAndRecord("app", "3", kNow + kWindow / 16).ok());
  Status full = cache.CheckAndRecord("app", "4", kNow);
  EXPECT_EQ(full.code(), Code::kUnavailable);
  EXPECT_FALSE(full.message().empty());
  // Live entries are not evicted: replays are still detected.
  EXPECT_EQ(cache.CheckAndRecord("app", "1", kNow).code(), Code::kAlreadyExists);
  EXPECT_EQ(cache.size(), 3u);
  // Once the first two expire there is room again.
  clock.Set(kNow + kWindow + kWindow / 32);
  EXPECT_TRUE(cache.CheckAndRecord("app", "4", clock.NowMs()).ok());
  EXPECT_EQ(cache.CheckAndRecord("app", "3", kNow + kWindow / 16).code(), Code::kAlreadyExists);
  EXPECT_EQ(cache.size(), 2u);
}

TEST(ReplayCache, ManyEntriesInOneBucket) {
  FakeClock clock(kNow);
  ReplayCache cache(clock, 100000, kWindow, TestKey());
  for (int i = 0; i < 20000; ++i) {
    ASSERT_TRUE(cache.CheckAndRecord("app", std::to_string(i), kNow).ok()) << i;
  }
  for (int i = 0; i < 20000; i += 997) {
    EXPECT_EQ(cache.CheckAndRecord("app", std::to_string(i), kNow).code(), Code::kAlreadyExists);
  }
  EXPECT_EQ(cache.size(), 20000u);
}

TEST(ReplayCache, ConcurrentInsertsAcceptEachTupleExactlyOnce) {
  FakeClock clock(kNow);
  ReplayCache cache(clock, 1000000, kWindow, TestKey());
  constexpr int kThreads = 4;
  constexpr int kTuples = 5000;
  std::atomic<int> accepted{0};
  std::atomic<int> replays{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      // Every thread offers the same tuples; only one offer of each may win.
      for (int i = 0; i < kTuples; ++i) {
        Status s = cache.CheckAndRecord("app", "n" + std::to_string(i), kNow + i % 1000);
        if (s.ok()) {
          accepted.fetch_add(1);
        } else if (s.code() == Code::kAlreadyExists) {
          replays.fetch_add(1);
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(accepted.load(), kTuples);
  EXPECT_EQ(replays.load(), kTuples * (kThreads - 1));
  EXPECT_EQ(cache.size(), static_cast<size_t>(kTuples));
}

TEST(ReplayCache, CreateDrawsARandomKey) {
  FakeClock clock(kNow);
  auto cache = ReplayCache::Create(clock, 10);
  ASSERT_TRUE(cache.ok());
  EXPECT_TRUE((*cache)->CheckAndRecord("app", "n", kNow).ok());
  EXPECT_EQ((*cache)->CheckAndRecord("app", "n", kNow).code(), Code::kAlreadyExists);
}

TEST(ReplayCache, OneTenantFillingItsShareDoesNotRefuseOthers) {
  FakeClock clock(kNow);
  ReplayCache cache(clock, 1000, kWindow, TestKey(), /*tenant_capacity=*/100);
  for (int i = 0; i < 100; ++i) {
    ASSERT_TRUE(cache.CheckAndRecord("tenant-b", std::to_string(i), kNow).ok()) << i;
  }
  Status b_full = cache.CheckAndRecord("tenant-b", "more", kNow);
  EXPECT_EQ(b_full.code(), Code::kUnavailable);
  EXPECT_EQ(b_full.message(), "Too many requests in the replay window, please retry later");
  EXPECT_TRUE(cache.CheckAndRecord("tenant-a", "1", kNow).ok());
  // The share frees up as entries expire.
  clock.Set(kNow + kWindow + kWindow / 32);
  EXPECT_TRUE(cache.CheckAndRecord("tenant-b", "more", clock.NowMs()).ok());
}

TEST(ReplayCache, TimestampsBeforeTheFloorAreRefused) {
  FakeClock clock(kNow);
  ReplayCache cache(clock, 100, kWindow, TestKey());
  cache.RefuseTimestampsBefore(kNow);
  EXPECT_EQ(cache.CheckAndRecord("app", "1", kNow - 1).code(), Code::kFailedPrecondition);
  EXPECT_TRUE(cache.CheckAndRecord("app", "1", kNow).ok());
}

TEST(ReplayCache, SerializedWindowRefusesReplaysInTheNextCache) {
  FakeClock clock(kNow);
  ReplayCache first(clock, 100, kWindow, TestKey(), 10);
  ASSERT_TRUE(first.CheckAndRecord("a", "1", kNow).ok());
  ASSERT_TRUE(first.CheckAndRecord("b", "2", kNow - kWindow / 2).ok());
  SecretBytes saved = first.Serialize();

  crypto::SipHashKey other{};
  other[0] = 7;  // the next process draws another key; Load adopts the saved one
  ReplayCache next(clock, 100, kWindow, other, 10);
  ASSERT_TRUE(next.Load(saved.view()).ok());
  EXPECT_EQ(next.size(), 2u);
  EXPECT_EQ(next.CheckAndRecord("a", "1", kNow).code(), Code::kAlreadyExists);
  EXPECT_EQ(next.CheckAndRecord("b", "2", kNow - kWindow / 2).code(), Code::kAlreadyExists);
  EXPECT_TRUE(next.CheckAndRecord("a", "3", kNow).ok());
  // The tenant counts came along: "a" now holds 2 of its 10.
  for (int i = 0; i < 8; ++i) ASSERT_TRUE(next.CheckAndRecord("a", "x" + std::to_string(i), kNow).ok());
  EXPECT_EQ(next.CheckAndRecord("a", "y", kNow).code(), Code::kUnavailable);
}

TEST(ReplayCache, LoadRefusesMalformedOrOversizedData) {
  FakeClock clock(kNow);
  ReplayCache big(clock, 100, kWindow, TestKey());
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(big.CheckAndRecord("a", std::to_string(i), kNow).ok());
  SecretBytes saved = big.Serialize();

  ReplayCache small(clock, 4, kWindow, TestKey());
  EXPECT_EQ(small.Load(saved.view()).code(), Code::kInvalidArgument);  // more than capacity
  ReplayCache other_window(clock, 100, kWindow / 2, TestKey());
  EXPECT_EQ(other_window.Load(saved.view()).code(), Code::kInvalidArgument);
  ReplayCache target(clock, 100, kWindow, TestKey());
  Bytes bytes(saved.view().begin(), saved.view().end());
  for (size_t cut : {size_t{0}, size_t{7}, size_t{30}, bytes.size() - 1}) {
    EXPECT_EQ(target.Load(ByteView(bytes.data(), cut)).code(), Code::kInvalidArgument) << cut;
  }
  bytes.push_back(0);
  EXPECT_EQ(target.Load(bytes).code(), Code::kInvalidArgument);
  // A huge bucket count in a short file is refused before anything is allocated.
  Bytes header(bytes.begin(), bytes.begin() + 8 + 16 + 8);
  for (int i = 0; i < 8; ++i) header.push_back(0xff);
  EXPECT_EQ(target.Load(header).code(), Code::kInvalidArgument);
  EXPECT_EQ(target.size(), 0u);
}

}  // namespace
}  // namespace kms::api
