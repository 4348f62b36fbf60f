#include "api/record_cache.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace kms::api {
namespace {

std::shared_ptr<const int> Val(int v) { return std::make_shared<const int>(v); }

TEST(RecordCache, ReturnsWhatWasPutUntilErased) {
  FakeClock clock(1000);
  RecordCache<int> cache(clock, 10, 0);
  EXPECT_EQ(cache.Get("a"), nullptr);
  cache.Put("a", Val(1));
  cache.Put("a", Val(2));  // replaces
  ASSERT_NE(cache.Get("a"), nullptr);
  EXPECT_EQ(*cache.Get("a"), 2);
  EXPECT_EQ(cache.size(), 1u);
  cache.Erase("a");
  EXPECT_EQ(cache.Get("a"), nullptr);
}

TEST(RecordCache, EntriesGoStaleAfterTheTtl) {
  FakeClock clock(1000);
  RecordCache<int> cache(clock, 10, 2000);
  cache.Put("k", Val(7));
  clock.Advance(1999);
  EXPECT_NE(cache.Get("k"), nullptr);
  clock.Advance(1);
  EXPECT_EQ(cache.Get("k"), nullptr);
  EXPECT_EQ(cache.size(), 0u);
}

TEST(RecordCache, SmallCacheEvictsTheLeastRecentlyUsed) {
  FakeClock clock(0);
  RecordCache<int> cache(clock, 3, 0);
  cache.Put("a", Val(1));
  cache.Put("b", Val(2));
  cache.Put("c", Val(3));
  ASSERT_NE(cache.Get("a"), nullptr);  // b is now the oldest
  cache.Put("d", Val(4));
  EXPECT_EQ(cache.Get("b"), nullptr);
  EXPECT_NE(cache.Get("a"), nullptr);
  EXPECT_NE(cache.Get("c"), nullptr);
  EXPECT_NE(cache.Get("d"), nullptr);
}

TEST(RecordCache, LargeCacheStaysWithinItsCapacity) {
  FakeClock clock(0);
  RecordCache<int> cache(clock, 4096, 0);
  for (int i = 0; i < 20000; ++i) cache.Put("key-" + std::to_string(i), Val(i));
  EXPECT_LE(cache.size(), 4096u);
  EXPECT_GE(cache.size(), 4096u * 3 / 4);  // shards fill evenly enough
  // The most recent entries survive.
  for (int i = 19990; i < 20000; ++i) {
    auto v = cache.Get("key-" + std::to_string(i));
    ASSERT_NE(v, nullptr) << i;
    EXPECT_EQ(*v, i);
  }
  cache.Clear();
  EXPECT_EQ(cache.size(), 0u);
}

// The interleaving of a cache miss and an invalidation: the reader takes its ticket, reads the
// store (an old record), the invalidation lands, then the reader puts what it read.
TEST(RecordCache, PutWithATicketFromBeforeAnEraseIsDropped) {
  FakeClock clock(0);
  RecordCache<int> cache(clock, 10, 0);
  auto ticket = cache.TicketFor("k");
  cache.Erase("k");  // nothing cached yet: the erase still counts
  EXPECT_FALSE(cache.Put("k", Val(1), ticket));
  EXPECT_EQ(cache.Get("k"), nullptr);
  // A reader that starts after the erase caches normally.
  EXPECT_TRUE(cache.Put("k", Val(2), cache.TicketFor("k")));
  ASSERT_NE(cache.Get("k"), nullptr);
  EXPECT_EQ(*cache.Get("k"), 2);
}

TEST(RecordCache, PutWithATicketFromBeforeEraseIfOrClearIsDropped) {
  FakeClock clock(0);
  for (bool clear : {false, true}) {
    RecordCache<int> cache(clock, 4096, 0);  // sharded
    auto ticket = cache.TicketFor("k");
    if (clear) {
      cache.Clear();
    } else {
      // Matches nothing that is cached: the late reader's record may still be one it covers.
      cache.EraseIf([](int) { return true; });
    }
    EXPECT_FALSE(cache.Put("k", Val(1), ticket)) << clear;
    EXPECT_EQ(cache.Get("k"), nullptr) << clear;
  }
}

TEST(RecordCache, TicketSurvivesPutsExpiryAndEvictionOfOthers) {
  FakeClock clock(0);
  RecordCache<int> cache(clock, 2, 100);
  auto ticket = cache.TicketFor("k");
  cache.Put("a", Val(1));
  cache.Put("b", Val(2));
  cache.Put("c", Val(3));  // evicts a
  clock.Advance(100);
  EXPECT_EQ(cache.Get("b"), nullptr);  // expired
  EXPECT_TRUE(cache.Put("k", Val(4), ticket));
  ASSERT_NE(cache.Get("k"), nullptr);
}

TEST(RecordCache, ConcurrentUseKeepsEveryValueIntact) {
  FakeClock clock(0);
  RecordCache<int> cache(clock, 2048, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&cache, t] {
      for (int i = 0; i < 5000; ++i) {
        std::string id = "id-" + std::to_string((i * 7 + t) % 3000);
        if (i % 3 == 0) cache.Put(id, Val((i * 7 + t) % 3000));
        if (auto v = cache.Get(id)) {
          EXPECT_EQ("id-" + std::to_string(*v), id);
        }
        if (i % 97 == 0) cache.Erase(id);
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_LE(cache.size(), 2048u);
}

}  // namespace
}  // namespace kms::api
