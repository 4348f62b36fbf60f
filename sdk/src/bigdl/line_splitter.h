#pragma once
// --split-bytes: cuts one input into pieces of at least N bytes that end at a line break (the
// first '\n' at or after N bytes of data), because every BigDL part file is one Spark task.
// With `repeat_header`, every piece after the first starts with the input's first line (a CSV
// header, which BigDL's CSV reader with header=true expects at the top of every part).
// Not thread-safe; borrows the input.

#include <cstdint>
#include <string>

#include "kms/bigdl/byte_stream.h"

namespace kms::bigdl::internal {

// A first line longer than this cannot be repeated as a header.
inline constexpr size_t kMaxHeaderLine = 1 << 20;

class LineSplitter final : public ByteSource {
 public:
  LineSplitter(ByteSource& in, uint64_t split_bytes, bool repeat_header);

  // Moves to the next piece; false when the input is exhausted. The first call always
  // succeeds (an empty input is one empty piece).
  Result<bool> NextPiece();
  // The current piece's bytes; 0 at its end.
  Result<size_t> Read(std::span<uint8_t> buf) override;
  const std::string& name() const override { return in_.name(); }

 private:
  Result<bool> Fill();  // false at the end of the input
  ByteSource& in_;
  const uint64_t split_;
  const bool repeat_header_;
  Bytes buf_;
  size_t pos_ = 0, end_ = 0;
  bool eof_ = false;
  bool started_ = false;
  bool piece_done_ = false;
  uint64_t piece_data_ = 0;  // data bytes (not the repeated header) in this piece
  std::string header_;       // the first line, once complete
  bool header_complete_ = false;
  bool header_too_long_ = false;
  size_t header_sent_ = 0;  // bytes of header_ delivered in this piece
};

}  // namespace kms::bigdl::internal
