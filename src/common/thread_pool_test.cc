#include "common/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

namespace kms {
namespace {

TEST(ThreadPool, RunsEveryAcceptedTaskBeforeShutdownReturns) {
  std::atomic<int> done{0};
  int accepted = 0;
  {
    ThreadPool pool(3, 1000);
    for (int i = 0; i < 500; ++i) accepted += pool.TrySubmit([&] { done.fetch_add(1); });
  }
  EXPECT_EQ(accepted, 500);
  EXPECT_EQ(done.load(), 500);
}

TEST(ThreadPool, RefusesWhenQueueIsFull) {
  ThreadPool pool(1, 2);
  std::promise<void> gate;
  std::shared_future<void> open = gate.get_future().share();
  std::promise<void> started;
  ASSERT_TRUE(pool.TrySubmit([&, open] {
    started.set_value();
    open.wait();
  }));
  started.get_future().wait();  // the worker is busy; the queue is empty
  EXPECT_TRUE(pool.TrySubmit([] {}));
  EXPECT_TRUE(pool.TrySubmit([] {}));
  EXPECT_FALSE(pool.TrySubmit([] {}));
  gate.set_value();
}

TEST(ThreadPool, RefusesAfterShutdown) {
  ThreadPool pool(1, 10);
  pool.Shutdown();
  EXPECT_FALSE(pool.TrySubmit([] {}));
}

// Two threads stop one pool at once (kms_server stops it on a signal while the destructor
// runs): each call must return only after the queued task finished, and the threads must be
// joined exactly once (a second join of the same thread is undefined behaviour).
TEST(ThreadPool, ConcurrentShutdownsBothWaitForQueuedWork) {
  ThreadPool pool(2, 100);
  std::promise<void> gate;
  std::shared_future<void> open = gate.get_future().share();
  std::atomic<bool> task_done{false};
  ASSERT_TRUE(pool.TrySubmit([&, open] {
    open.wait();
    task_done.store(true);
  }));
  std::atomic<bool> first_saw_done{false};
  std::atomic<bool> second_saw_done{false};
  std::thread first([&] {
    pool.Shutdown();
    first_saw_done.store(task_done.load());
  });
  // Wait until the first Shutdown has started (it refuses new work from then on).
  while (pool.TrySubmit([] {})) std::this_thread::yield();
  std::thread second([&] {
    pool.Shutdown();
    second_saw_done.store(task_done.load());
  });
  // Give the second caller time to reach the join; the result does not depend on this delay.
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  gate.set_value();
  first.join();
  second.join();
  EXPECT_TRUE(first_saw_done.load());
  EXPECT_TRUE(second_saw_done.load());
  EXPECT_EQ(pool.threads(), 2u);
}

}  // namespace
}  // namespace kms
