#pragma once
// AsyncLineSink: lines written by one background thread, so a request never waits for a slow
// terminal, pipe or disk. The queue is bounded: when it is full the new line is dropped and
// counted, never waited for.
//
// Thread-safety: TryPush, Flush and the counters from any thread. The LineWriter is called
// only from the sink's own thread. Destruction writes what is queued, then joins.

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace kms {

// Where the lines go. `lines` is one or more whole lines, each ending in '\n'.
class LineWriter {
 public:
  virtual ~LineWriter() = default;
  virtual void Write(std::string_view lines) = 0;
};

// Writes to a file descriptor it does not own (stderr by default), retrying short writes. A
// batch of whole lines goes out in one write(2) when it fits a pipe's atomic size, so lines
// never interleave mid-line with other writers of the same descriptor.
class FdLineWriter final : public LineWriter {
 public:
  explicit FdLineWriter(int fd = 2) : fd_(fd) {}
  void Write(std::string_view lines) override;

 private:
  const int fd_;
};

class AsyncLineSink {
 public:
  // REQUIRES: capacity >= 1 (lines waiting to be written).
  AsyncLineSink(std::unique_ptr<LineWriter> writer, size_t capacity);
  ~AsyncLineSink();
  AsyncLineSink(const AsyncLineSink&) = delete;
  AsyncLineSink& operator=(const AsyncLineSink&) = delete;

  // Queues `line` (a newline is added). Returns false, and counts a drop, when the queue is
  // full; never blocks on the writer.
  bool TryPush(std::string line);

  // Waits until every line queued before the call has been written.
  void Flush();

  uint64_t dropped() const;
  uint64_t written() const;
  size_t queued() const;
  size_t capacity() const { return capacity_; }

 private:
  void Loop();

  const std::unique_ptr<LineWriter> writer_;
  const size_t capacity_;
  mutable std::mutex mu_;
  std::condition_variable wake_;     // the writer: lines arrived or stopping
  std::condition_variable drained_;  // Flush: a batch was written
  std::deque<std::string> queue_;    // guarded by mu_
  bool writer_idle_ = false;         // guarded by mu_: the writer waits on wake_
  bool stopping_ = false;            // guarded by mu_
  uint64_t pushed_ = 0;              // guarded by mu_
  uint64_t written_ = 0;             // guarded by mu_
  uint64_t dropped_ = 0;             // guarded by mu_
  std::thread thread_;
};

}  // namespace kms
