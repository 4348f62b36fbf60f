#include "common/async_line_sink.h"

#include <gtest/gtest.h>

#include <future>
#include <mutex>
#include <string>

namespace kms {
namespace {

// A writer that blocks in its first Write until the test opens the gate: the slowest disk.
class GatedWriter final : public LineWriter {
 public:
  GatedWriter(std::string& out, std::promise<void>& entered, std::shared_future<void> gate)
      : out_(out), entered_(entered), gate_(std::move(gate)) {}
  void Write(std::string_view lines) override {
    if (first_) {
      first_ = false;
      entered_.set_value();
      gate_.wait();
    }
    std::lock_guard<std::mutex> lock(mu_);
    out_.append(lines);
  }

 private:
  std::string& out_;
  std::promise<void>& entered_;
  std::shared_future<void> gate_;
  bool first_ = true;
  std::mutex mu_;
};

TEST(AsyncLineSink, FullQueueDropsAndCountsInsteadOfBlocking) {
  std::string out;
  std::promise<void> entered;
  std::promise<void> gate;
  constexpr size_t kCapacity = 8;
  AsyncLineSink sink(std::make_unique<GatedWriter>(out, entered, gate.get_future().share()),
                     kCapacity);
  ASSERT_TRUE(sink.TryPush("first"));
  entered.get_future().wait();  // the writer holds "first" and is stuck writing it
  for (size_t i = 0; i < kCapacity; ++i) EXPECT_TRUE(sink.TryPush("line " + std::to_string(i)));
  // The queue is full: each further line returns at once (the writer is still stuck, so a
  // blocking push would hang this test) and is counted.
  for (int i = 0; i < 5; ++i) EXPECT_FALSE(sink.TryPush("dropped"));
  EXPECT_EQ(sink.dropped(), 5u);
  EXPECT_EQ(sink.queued(), kCapacity);
  gate.set_value();
  sink.Flush();
  EXPECT_EQ(sink.written(), kCapacity + 1);
  EXPECT_EQ(out.find("dropped"), std::string::npos);
  EXPECT_EQ(out.rfind("first\nline 0\n", 0), 0u) << out;
  EXPECT_NE(out.find("line 7\n"), std::string::npos);
  // Room again once written.
  EXPECT_TRUE(sink.TryPush("after"));
  sink.Flush();
  EXPECT_NE(out.find("after\n"), std::string::npos);
}

TEST(AsyncLineSink, DestructionWritesWhatIsQueued) {
  std::string out;
  std::promise<void> entered;
  std::promise<void> gate;
  gate.set_value();
  {
    AsyncLineSink sink(std::make_unique<GatedWriter>(out, entered, gate.get_future().share()), 100);
    for (int i = 0; i < 50; ++i) sink.TryPush(std::to_string(i));
  }
  EXPECT_NE(out.find("\n49\n"), std::string::npos) << out;
}

}  // namespace
}  // namespace kms
