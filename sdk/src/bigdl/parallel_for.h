#pragma once
// Runs independent per-file work on a few threads (--jobs): each thread takes the next index
// until none are left. Memory stays bounded by `jobs` times what one call uses.

#include <cstddef>
#include <functional>
#include <utility>
#include <vector>

#include "kms/bigdl/result.h"

namespace kms::bigdl::internal {

struct IndexedError {
  size_t index;
  client::Error error;
};

// Calls `fn(i)` for every i in [0, n) on min(jobs, n) threads (the caller's thread when 1).
// With `stop_on_error`, indices not started yet are skipped after a failure. Returns the
// failures sorted by index.
std::vector<IndexedError> ParallelFor(size_t n, int jobs, bool stop_on_error,
                                      const std::function<client::Result<void>(size_t)>& fn);

}  // namespace kms::bigdl::internal
