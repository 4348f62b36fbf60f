#include "trailer_reader.h"

#include <cstring>

namespace kms::bigdl::internal {

TrailerReader::TrailerReader(ByteSource& src, size_t trailer)
    : src_(src), trailer_(trailer), buf_(kIoBufferSize + trailer) {}

Result<ByteView> TrailerReader::Next() {
  // The bytes held back last time move to the front.
  if (released_ > 0) {
    std::memmove(buf_.data(), buf_.data() + released_, held_);
    released_ = 0;
  }
  if (eof_) return ByteView();
  EHSM_ASSIGN_OR_RETURN(size_t n, ReadFull(src_, std::span<uint8_t>(buf_).subspan(held_)));
  size_t total = held_ + n;
  if (held_ + n < buf_.size()) eof_ = true;
  size_t release = total > trailer_ ? total - trailer_ : 0;
  released_ = release;
  held_ = total - release;
  released_total_ += release;
  return ByteView(buf_.data(), release);
}

}  // namespace kms::bigdl::internal
