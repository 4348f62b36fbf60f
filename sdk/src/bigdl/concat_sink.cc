#include "concat_sink.h"

#include <cstring>

#include "line_splitter.h"

namespace kms::bigdl::internal {

void ConcatSink::StartPart() {
  in_first_line_ = dedup_;
  pending_.clear();
}

Result<void> ConcatSink::SettleFirstLine() {
  in_first_line_ = false;
  if (!have_header_) {
    if (pending_.empty()) return {};  // an empty part defines nothing
    header_ = pending_;
    have_header_ = true;
  } else if (pending_ == header_) {
    pending_.clear();
    return {};
  }
  auto r = out_.Write(AsBytes(pending_));
  pending_.clear();
  return r;
}

Result<void> ConcatSink::Write(ByteView data) {
  if (!in_first_line_) return out_.Write(data);
  auto* nl = static_cast<const uint8_t*>(std::memchr(data.data(), '\n', data.size()));
  size_t take = nl != nullptr ? static_cast<size_t>(nl - data.data()) + 1 : data.size();
  pending_.append(reinterpret_cast<const char*>(data.data()), take);
  bool too_long =
      pending_.size() > kMaxHeaderLine || (have_header_ && pending_.size() > header_.size());
  if (nl == nullptr && !too_long) return {};
  if (too_long) {
    // Cannot equal the header (or be one) any more.
    in_first_line_ = false;
    EHSM_RETURN_IF_ERROR(out_.Write(AsBytes(pending_)));
    pending_.clear();
  } else {
    EHSM_RETURN_IF_ERROR(SettleFirstLine());
  }
  return out_.Write(data.subspan(take));
}

Result<void> ConcatSink::EndPart() {
  if (!in_first_line_) return {};
  return SettleFirstLine();
}

}  // namespace kms::bigdl::internal
