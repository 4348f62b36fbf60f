#pragma once
// ThreadPool: a fixed set of threads running submitted tasks, with a bounded queue so a burst
// of slow work (RSA, key generation, store writes) cannot grow memory without limit and never
// runs on an event loop.
//
// Thread-safe. Destruction (or Shutdown) runs every task already queued, then joins.

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace kms {

class ThreadPool {
 public:
  using Task = std::function<void()>;

  // `threads` >= 1; `max_queue` >= 1 tasks waiting (running tasks not counted).
  ThreadPool(size_t threads, size_t max_queue);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  // Queues `task`. Returns false (and does not run it) when the queue is full or the pool is
  // shutting down; the caller then answers "busy" instead of waiting.
  bool TrySubmit(Task task);

  // Stops accepting, finishes queued tasks, joins the threads. Idempotent; concurrent callers
  // all return only after the threads are joined (one of them joins, the others wait).
  void Shutdown();

  size_t threads() const { return thread_count_; }
  size_t queued() const;

 private:
  void Loop();

  const size_t max_queue_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Task> queue_;  // guarded by mu_
  bool stopping_ = false;   // guarded by mu_
  bool joined_ = false;     // guarded by mu_; set by the caller that joined the threads
  std::condition_variable joined_cv_;
  const size_t thread_count_;
  std::vector<std::thread> threads_;  // moved out under mu_ by the one caller that joins
};

}  // namespace kms
