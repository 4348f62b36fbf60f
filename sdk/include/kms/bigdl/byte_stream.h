#pragma once
// Byte sources and sinks the BigDL format code streams through: a file (with its size and
// positioned reads), any std::istream / std::ostream, and a chain of an already-read prefix
// with the rest of a source. Buffers are the caller's; nothing here holds more than it is given.
//
// Not thread-safe: one source or sink per thread.

#include <cstdint>
#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "common/bytes.h"
#include "kms/bigdl/result.h"

namespace kms::bigdl {

// Size of the buffers the stream code reads and encrypts in.
inline constexpr size_t kIoBufferSize = size_t{1} << 20;

// Told how many more input bytes were processed. Called from worker threads when several
// files are processed at once, so it must be thread-safe.
using ProgressFn = std::function<void(uint64_t bytes)>;

class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // Reads up to `buf.size()` bytes; fewer only at the end of the input, 0 at the end.
  virtual Result<size_t> Read(std::span<uint8_t> buf) = 0;
  // Total size of the input from its start, when known (regular files).
  virtual std::optional<uint64_t> Size() const { return std::nullopt; }
  // Fills `buf` from absolute offset `offset` without moving the read position. Only seekable
  // sources (regular files) implement it; others fail with kLocal.
  virtual Result<void> ReadAt(uint64_t offset, std::span<uint8_t> buf);
  // Name used in error messages (a path, or "standard input").
  virtual const std::string& name() const = 0;
};

class ByteSink {
 public:
  virtual ~ByteSink() = default;
  virtual Result<void> Write(ByteView data) = 0;
};

// A file opened read-only. Size() and ReadAt() work when it is a regular file.
class FileSource final : public ByteSource {
 public:
  static Result<std::unique_ptr<FileSource>> Open(const std::string& path);
  ~FileSource() override;
  FileSource(const FileSource&) = delete;
  FileSource& operator=(const FileSource&) = delete;

  Result<size_t> Read(std::span<uint8_t> buf) override;
  std::optional<uint64_t> Size() const override { return size_; }
  Result<void> ReadAt(uint64_t offset, std::span<uint8_t> buf) override;
  const std::string& name() const override { return path_; }

 private:
  FileSource(int fd, std::string path, std::optional<uint64_t> size)
      : fd_(fd), path_(std::move(path)), size_(size) {}
  int fd_;
  std::string path_;
  std::optional<uint64_t> size_;
};

// Borrows `in`; size unknown, not seekable.
class IstreamSource final : public ByteSource {
 public:
  IstreamSource(std::istream& in, std::string name) : in_(in), name_(std::move(name)) {}
  Result<size_t> Read(std::span<uint8_t> buf) override;
  const std::string& name() const override { return name_; }

 private:
  std::istream& in_;
  std::string name_;
};

// `prefix` (bytes already read from `rest`) followed by what `rest` still delivers. Size and
// positioned reads pass through to `rest`, whose offsets count from its start.
class PrefixedSource final : public ByteSource {
 public:
  PrefixedSource(Bytes prefix, ByteSource& rest) : prefix_(std::move(prefix)), rest_(rest) {}
  Result<size_t> Read(std::span<uint8_t> buf) override;
  std::optional<uint64_t> Size() const override { return rest_.Size(); }
  Result<void> ReadAt(uint64_t offset, std::span<uint8_t> buf) override {
    return rest_.ReadAt(offset, buf);
  }
  const std::string& name() const override { return rest_.name(); }

 private:
  Bytes prefix_;
  size_t used_ = 0;
  ByteSource& rest_;
};

// Borrows `out`.
class OstreamSink final : public ByteSink {
 public:
  explicit OstreamSink(std::ostream& out) : out_(out) {}
  Result<void> Write(ByteView data) override;

 private:
  std::ostream& out_;
};

// Reads until `buf` is full or the input ends; returns the count.
Result<size_t> ReadFull(ByteSource& in, std::span<uint8_t> buf);

}  // namespace kms::bigdl
