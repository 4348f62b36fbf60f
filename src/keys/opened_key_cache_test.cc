#include "keys/opened_key_cache.h"

#include <gtest/gtest.h>

#include <string>

namespace kms::keys {
namespace {

TEST(OpenedKeyCache, HitNeedsTheSameFingerprint) {
  OpenedKeyCache<int> c(64);
  c.Put("k1", "blob-a", std::make_shared<const int>(1));
  ASSERT_NE(c.Get("k1", "blob-a"), nullptr);
  EXPECT_EQ(*c.Get("k1", "blob-a"), 1);
  EXPECT_EQ(c.Get("k1", "blob-b"), nullptr);
  EXPECT_EQ(c.Get("k2", "blob-a"), nullptr);
  c.Put("k1", "blob-b", std::make_shared<const int>(2));  // replaced
  EXPECT_EQ(c.Get("k1", "blob-a"), nullptr);
  EXPECT_EQ(*c.Get("k1", "blob-b"), 2);
  EXPECT_EQ(c.size(), 1u);
}

TEST(OpenedKeyCache, StaysWithinCapacityAndReleasesDroppedEntries) {
  OpenedKeyCache<int> c(64);
  auto first = std::make_shared<const int>(0);
  std::weak_ptr<const int> watch = first;
  c.Put("key0", "fp", std::move(first));
  for (int i = 1; i < 5000; ++i) {
    c.Put("key" + std::to_string(i), "fp", std::make_shared<const int>(i));
    ASSERT_LE(c.size(), 64u);
  }
  // key0 was dropped long ago, and nothing else holds it.
  EXPECT_EQ(c.Get("key0", "fp"), nullptr);
  EXPECT_TRUE(watch.expired());
  // The newest entry survived its own insertion.
  EXPECT_NE(c.Get("key4999", "fp"), nullptr);
}

// A full cache of cold keys, then traffic over a small hot set: after a first pass the hot
// keys must stay (each miss re-opens a key, which is the cost the cache exists to avoid).
TEST(OpenedKeyCache, HotSetStaysResidentAfterTheCacheFilledWithColdKeys) {
  OpenedKeyCache<int> c(1024);
  for (int i = 0; i < 20000; ++i) {
    c.Put("cold" + std::to_string(i), "fp", std::make_shared<const int>(i));
  }
  auto pass = [&c] {
    int misses = 0;
    for (int i = 0; i < 64; ++i) {
      std::string id = "hot" + std::to_string(i);
      if (c.Get(id, "fp") == nullptr) {
        ++misses;
        c.Put(id, "fp", std::make_shared<const int>(i));
      }
    }
    return misses;
  };
  EXPECT_EQ(pass(), 64);  // all opened once
  int later = 0;
  for (int round = 0; round < 20; ++round) later += pass();
  // Random eviction drops a hot key with probability ~64/1024 per miss, so misses die out;
  // taking victims from the head of the iteration order (newest first) kept them going.
  EXPECT_LE(later, 40) << "misses over 20 passes of 64 hot keys";
}

TEST(OpenedKeyCache, EraseAndClear) {
  OpenedKeyCache<int> c(64);
  c.Put("a", "fp", std::make_shared<const int>(1));
  c.Put("b", "fp", std::make_shared<const int>(2));
  c.Erase("a");
  EXPECT_EQ(c.Get("a", "fp"), nullptr);
  EXPECT_NE(c.Get("b", "fp"), nullptr);
  c.Clear();
  EXPECT_EQ(c.Get("b", "fp"), nullptr);
  EXPECT_EQ(c.size(), 0u);
}

TEST(OpenedKeyCache, ZeroCapacityCachesNothing) {
  OpenedKeyCache<int> c(0);
  c.Put("a", "fp", std::make_shared<const int>(1));
  EXPECT_EQ(c.Get("a", "fp"), nullptr);
}

}  // namespace
}  // namespace kms::keys
