#include "common/thread_pool.h"

#include <cassert>

namespace kms {

ThreadPool::ThreadPool(size_t threads, size_t max_queue) : max_queue_(max_queue), thread_count_(threads) {
  assert(threads >= 1 && max_queue >= 1);
  threads_.reserve(threads);
  for (size_t i = 0; i < threads; ++i) threads_.emplace_back([this] { Loop(); });
}

ThreadPool::~ThreadPool() { Shutdown(); }

bool ThreadPool::TrySubmit(Task task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ || queue_.size() >= max_queue_) return false;
    queue_.push_back(std::move(task));
  }
  cv_.notify_one();
  return true;
}

void ThreadPool::Shutdown() {
  std::vector<std::thread> to_join;
  {
    std::unique_lock<std::mutex> lock(mu_);
    stopping_ = true;
    if (threads_.empty()) {
      // Another caller took the threads: wait until it has joined them, so every caller sees
      // the documented "queued tasks finished" on return. Two joins of one thread are UB.
      joined_cv_.wait(lock, [this] { return joined_; });
      return;
    }
    to_join.swap(threads_);
  }
  cv_.notify_all();
  for (auto& t : to_join) t.join();
  {
    std::lock_guard<std::mutex> lock(mu_);
    joined_ = true;
  }
  joined_cv_.notify_all();
}

size_t ThreadPool::queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

void ThreadPool::Loop() {
  for (;;) {
    Task task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping and drained
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task();
  }
}

}  // namespace kms
