#include "line_splitter.h"

#include <algorithm>
#include <cstring>

namespace kms::bigdl::internal {

LineSplitter::LineSplitter(ByteSource& in, uint64_t split_bytes, bool repeat_header)
    : in_(in), split_(split_bytes), repeat_header_(repeat_header), buf_(kIoBufferSize) {}

Result<bool> LineSplitter::Fill() {
  if (pos_ < end_) return true;
  if (eof_) return false;
  EHSM_ASSIGN_OR_RETURN(size_t n, in_.Read(buf_));
  pos_ = 0;
  end_ = n;
  if (n == 0) eof_ = true;
  return n > 0;
}

Result<bool> LineSplitter::NextPiece() {
  if (!started_) {
    started_ = true;
    return true;
  }
  EHSM_ASSIGN_OR_RETURN(bool more, Fill());
  if (!more) return false;
  if (repeat_header_ && !header_complete_) {
    return Error::Local(in_.name() + ": --csv-header: the first line is longer than 1 MiB");
  }
  piece_done_ = false;
  piece_data_ = 0;
  header_sent_ = 0;
  return true;
}

Result<size_t> LineSplitter::Read(std::span<uint8_t> out) {
  if (piece_done_ || out.empty()) return size_t{0};
  // The repeated header first (never in the first piece: it holds the original).
  if (repeat_header_ && piece_data_ == 0 && header_complete_ && header_sent_ < header_.size()) {
    size_t n = std::min(out.size(), header_.size() - header_sent_);
    std::memcpy(out.data(), header_.data() + header_sent_, n);
    header_sent_ += n;
    return n;
  }
  EHSM_ASSIGN_OR_RETURN(bool more, Fill());
  if (!more) {
    piece_done_ = true;
    return size_t{0};
  }
  size_t avail = std::min(out.size(), end_ - pos_);
  const uint8_t* p = buf_.data() + pos_;
  // Past the split size, the piece ends after the next '\n'.
  if (split_ > 0 && piece_data_ + avail >= split_) {
    size_t from = piece_data_ >= split_ ? 0 : static_cast<size_t>(split_ - piece_data_);
    from = from > 0 ? from - 1 : 0;  // a '\n' at byte N-1 of the data ends the piece
    auto* nl = static_cast<const uint8_t*>(std::memchr(p + from, '\n', avail - from));
    if (nl != nullptr) {
      avail = static_cast<size_t>(nl - p) + 1;
      piece_done_ = true;
    }
  }
  if (repeat_header_ && !header_complete_ && !header_too_long_) {
    auto* nl = static_cast<const uint8_t*>(std::memchr(p, '\n', avail));
    size_t take = nl != nullptr ? static_cast<size_t>(nl - p) + 1 : avail;
    if (header_.size() + take > kMaxHeaderLine) {
      header_too_long_ = true;
    } else {
      header_.append(reinterpret_cast<const char*>(p), take);
      header_complete_ = nl != nullptr;
    }
  }
  std::memcpy(out.data(), p, avail);
  pos_ += avail;
  piece_data_ += avail;
  return avail;
}

}  // namespace kms::bigdl::internal
