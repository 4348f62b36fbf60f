#include "parallel_for.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

namespace kms::bigdl::internal {

std::vector<IndexedError> ParallelFor(size_t n, int jobs, bool stop_on_error,
                                      const std::function<client::Result<void>(size_t)>& fn) {
  std::vector<IndexedError> errors;
  std::mutex mu;
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  auto worker = [&] {
    for (;;) {
      if (stop_on_error && failed.load()) return;
      size_t i = next.fetch_add(1);
      if (i >= n) return;
      auto r = fn(i);
      if (!r.ok()) {
        failed = true;
        std::lock_guard<std::mutex> lock(mu);
        errors.push_back({i, r.error()});
      }
    }
  };
  size_t threads = std::min<size_t>(n, static_cast<size_t>(std::max(1, jobs)));
  if (threads <= 1) {
    worker();
  } else {
    std::vector<std::thread> pool;
    for (size_t t = 0; t < threads; ++t) pool.emplace_back(worker);
    for (auto& t : pool) t.join();
  }
  std::sort(errors.begin(), errors.end(),
            [](const IndexedError& a, const IndexedError& b) { return a.index < b.index; });
  return errors;
}

}  // namespace kms::bigdl::internal
