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
