#include "latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace kms::bench {

size_t LatencyHistogram::BucketOf(uint64_t ns) {
  if (ns < kLinear) return ns;
  int e = std::bit_width(ns) - 1;  // >= 7
  uint64_t sub = (ns >> (e - 6)) & (kSub - 1);
  return kLinear + static_cast<size_t>(e - 7) * kSub + sub;
}

uint64_t LatencyHistogram::UpperBound(size_t bucket) {
  if (bucket < kLinear) return bucket;
  size_t e = (bucket - kLinear) / kSub + 7;
  uint64_t sub = (bucket - kLinear) % kSub;
  uint64_t lower = (uint64_t{1} << e) | (sub << (e - 6));
  return lower + (uint64_t{1} << (e - 6)) - 1;
}

void LatencyHistogram::Record(uint64_t ns) {
  ++buckets_[BucketOf(ns)];
  ++count_;
  sum_ += ns;
  max_ = std::max(max_, ns);
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (size_t i = 0; i < kBuckets; ++i) buckets_[i] += other.buckets_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  max_ = std::max(max_, other.max_);
}

uint64_t LatencyHistogram::Quantile(double q) const {
  if (count_ == 0) return 0;
  uint64_t rank = static_cast<uint64_t>(std::ceil(q * static_cast<double>(count_)));
  rank = std::clamp<uint64_t>(rank, 1, count_);
  uint64_t seen = 0;
  for (size_t i = 0; i < kBuckets; ++i) {
    seen += buckets_[i];
    if (seen >= rank) return std::min(UpperBound(i), max_);
  }
  return max_;
}

}  // namespace kms::bench
