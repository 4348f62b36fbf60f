#pragma once
// Lookups of an in-memory cache since it was made, for metrics: found, or not.

#include <cstdint>

namespace kms {

struct CacheStats {
  uint64_t hits = 0;
  uint64_t misses = 0;
};

}  // namespace kms
