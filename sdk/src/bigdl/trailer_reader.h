#pragma once
// Reads a stream in 1 MiB pieces while holding back its last `trailer` bytes (the MAC), so a
// stream of unknown length can be processed in one pass. Not thread-safe; borrows the source.

#include <cstdint>

#include "kms/bigdl/byte_stream.h"

namespace kms::bigdl::internal {

class TrailerReader {
 public:
  TrailerReader(ByteSource& src, size_t trailer);
  // The next bytes before the trailer, valid until the next call; empty at the end.
  Result<ByteView> Next();
  // After Next() returned empty: the held-back bytes (fewer than `trailer` for short input).
  ByteView trailer() const { return {buf_.data(), held_}; }
  uint64_t body_bytes() const { return released_total_; }

 private:
  ByteSource& src_;
  const size_t trailer_;
  Bytes buf_;
  size_t held_ = 0;      // bytes at the front of buf_ not released yet
  size_t released_ = 0;  // bytes released by the last call, at the front of buf_
  uint64_t released_total_ = 0;
  bool eof_ = false;
};

}  // namespace kms::bigdl::internal
