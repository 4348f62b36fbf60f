#include "common/backoff.h"

#include <gtest/gtest.h>

namespace kms {
namespace {

using ms = std::chrono::milliseconds;

TEST(Backoff, DelaysDoubleUpToTheCapWithJitterInTheUpperHalf) {
  Backoff b(ms(100), ms(1000), /*seed=*/7);
  const int64_t ceilings[] = {100, 200, 400, 800, 1000, 1000, 1000};
  for (int64_t c : ceilings) {
    int64_t d = b.Next().count();
    EXPECT_GE(d, c / 2) << "ceiling " << c;
    EXPECT_LE(d, c) << "ceiling " << c;
  }
}

TEST(Backoff, ResetStartsAgainFromTheInitialDelay) {
  Backoff b(ms(50), ms(10000), /*seed=*/1);
  for (int i = 0; i < 10; ++i) b.Next();
  EXPECT_GT(b.Next().count(), 50);
  b.Reset();
  EXPECT_EQ(b.attempts(), 0);
  EXPECT_LE(b.Next().count(), 50);
}

TEST(Backoff, ManyAttemptsNeitherOverflowNorExceedTheCap) {
  Backoff b(ms(1), ms(30000), /*seed=*/3);
  for (int i = 0; i < 1000; ++i) EXPECT_LE(b.Next().count(), 30000);
}

TEST(Backoff, DifferentSeedsSpreadTheRetries) {
  Backoff a(ms(1000), ms(1000), 1), b(ms(1000), ms(1000), 2);
  bool differ = false;
  for (int i = 0; i < 8; ++i) differ |= a.Next() != b.Next();
  EXPECT_TRUE(differ);
}

}  // namespace
}  // namespace kms
