#include "common/async_line_sink.h"

#include <unistd.h>

#include <cerrno>
#include <utility>

namespace kms {

void FdLineWriter::Write(std::string_view lines) {
  while (!lines.empty()) {
    ssize_t n = ::write(fd_, lines.data(), lines.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // nowhere to report a failing log descriptor; the lines are lost
    lines.remove_prefix(static_cast<size_t>(n));
  }
}

AsyncLineSink::AsyncLineSink(std::unique_ptr<LineWriter> writer, size_t capacity)
    : writer_(std::move(writer)), capacity_(capacity < 1 ? 1 : capacity) {
  thread_ = std::thread([this] { Loop(); });
}

AsyncLineSink::~AsyncLineSink() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

bool AsyncLineSink::TryPush(std::string line) {
  line.push_back('\n');
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (queue_.size() >= capacity_) {
      ++dropped_;
      return false;
    }
    queue_.push_back(std::move(line));
    ++pushed_;
    // Only a sleeping writer needs the futex call; a busy one takes the line with its batch.
    wake = writer_idle_;
    writer_idle_ = false;
  }
  if (wake) wake_.notify_one();
  return true;
}

void AsyncLineSink::Flush() {
  std::unique_lock<std::mutex> lock(mu_);
  const uint64_t target = pushed_;
  drained_.wait(lock, [&] { return written_ >= target; });
}

uint64_t AsyncLineSink::dropped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_;
}

uint64_t AsyncLineSink::written() const {
  std::lock_guard<std::mutex> lock(mu_);
  return written_;
}

size_t AsyncLineSink::queued() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size();
}

void AsyncLineSink::Loop() {
  // Batches up to this many bytes per write(2): PIPE_BUF, so one batch never interleaves with
  // another writer's line on a pipe.
  constexpr size_t kBatchBytes = 4096;
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    if (queue_.empty()) {
      if (stopping_) return;
      writer_idle_ = true;
      wake_.wait(lock, [this] { return !queue_.empty() || stopping_; });
      writer_idle_ = false;
      continue;
    }
    std::deque<std::string> batch;
    batch.swap(queue_);
    lock.unlock();
    std::string out;
    for (std::string& line : batch) {
      if (!out.empty() && out.size() + line.size() > kBatchBytes) {
        writer_->Write(out);
        out.clear();
      }
      out += line;
    }
    if (!out.empty()) writer_->Write(out);
    lock.lock();
    written_ += batch.size();
    drained_.notify_all();
  }
}

}  // namespace kms
