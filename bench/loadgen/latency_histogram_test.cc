#include "latency_histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

namespace kms::bench {
namespace {

TEST(LatencyHistogram, BucketBoundsContainTheirValuesWithinOnePointSixPercent) {
  for (uint64_t v : {0ull, 1ull, 127ull, 128ull, 129ull, 1000ull, 123456789ull, 1ull << 40,
                     (1ull << 62) + 12345}) {
    size_t b = LatencyHistogram::BucketOf(v);
    uint64_t upper = LatencyHistogram::UpperBound(b);
    EXPECT_GE(upper, v);
    EXPECT_LE(static_cast<double>(upper - v), static_cast<double>(v) / 64 + 1) << v;
    if (b > 0) {
      EXPECT_LT(LatencyHistogram::UpperBound(b - 1), v) << v;
    }
  }
}

TEST(LatencyHistogram, QuantilesMatchSortedSamples) {
  std::mt19937_64 rng(42);
  std::vector<uint64_t> samples;
  LatencyHistogram a, b;
  for (int i = 0; i < 100000; ++i) {
    uint64_t v = 1000 + rng() % 5000000;
    samples.push_back(v);
    (i % 2 ? a : b).Record(v);
  }
  a.Merge(b);
  std::sort(samples.begin(), samples.end());
  EXPECT_EQ(a.count(), samples.size());
  EXPECT_EQ(a.max_ns(), samples.back());
  for (double q : {0.5, 0.9, 0.99, 1.0}) {
    double exact = static_cast<double>(samples[static_cast<size_t>(q * samples.size()) - 1]);
    double got = static_cast<double>(a.Quantile(q));
    EXPECT_NEAR(got, exact, exact / 60) << q;
  }
}

TEST(LatencyHistogram, EmptyReportsZero) {
  LatencyHistogram h;
  EXPECT_EQ(h.Quantile(0.99), 0u);
  EXPECT_EQ(h.count(), 0u);
}

}  // namespace
}  // namespace kms::bench
