#include "common/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <future>

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

}  // namespace
}  // namespace kms
