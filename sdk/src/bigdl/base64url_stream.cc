#include "base64url_stream.h"

#include <algorithm>
#include <cstring>

#include "kms/encoding.h"

namespace kms::bigdl::internal {
namespace {

// Text read per refill: a multiple of 4, so groups rarely straddle reads.
constexpr size_t kTextChunk = 4 * 64 * 1024;

void ToUrl(std::string& s) {
  for (char& c : s) {
    if (c == '+') c = '-';
    if (c == '/') c = '_';
  }
}

}  // namespace

Result<void> Base64UrlDecodeSource::Refill() {
  decoded_.clear();
  decoded_used_ = 0;
  size_t old = pending_.size();
  pending_.resize(old + kTextChunk);
  auto n = ReadFull(
      text_, std::span<uint8_t>(reinterpret_cast<uint8_t*>(pending_.data()) + old, kTextChunk));
  if (!n.ok()) return n.error();
  pending_.resize(old + *n);
  if (*n < kTextChunk) {
    eof_ = true;
    if (!pending_.empty() && pending_.back() == '\n') pending_.pop_back();
    if (!pending_.empty() && pending_.back() == '\r') pending_.pop_back();
  }
  // Before the end, the last two characters wait for the next read: they may be the line end
  // that follows the token.
  size_t usable = eof_ ? pending_.size()
                       : (pending_.size() >= 2 ? (pending_.size() - 2) / 4 * 4 : 0);
  if (eof_ && usable % 4 != 0) {
    return Error::Local(text_.name() + ": Fernet token length is not a multiple of 4");
  }
  for (size_t i = 0; i < usable; ++i) {
    char& c = pending_[i];
    bool pad = c == '=';
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || pad;
    // '=' may only end the token.
    if (!ok || padded_ || (pad && (!eof_ || i + 2 < usable))) {
      return Error::Local(text_.name() + ": not a Fernet token: unexpected character at offset " +
                          std::to_string(offset_ + i));
    }
    if (c == '-') c = '+';
    if (c == '_') c = '/';
  }
  if (usable > 0) {
    auto bytes = client::Base64Decode(std::string_view(pending_.data(), usable));
    if (!bytes) {
      return Error::Local(text_.name() + ": not a Fernet token: malformed base64url");
    }
    decoded_ = std::move(*bytes);
    if (pending_[usable - 1] == '=') padded_ = true;
  }
  pending_.erase(0, usable);
  offset_ += usable;
  return {};
}

Result<size_t> Base64UrlDecodeSource::Read(std::span<uint8_t> buf) {
  while (decoded_used_ == decoded_.size()) {
    if (eof_) return size_t{0};
    EHSM_RETURN_IF_ERROR(Refill());
  }
  size_t n = std::min(buf.size(), decoded_.size() - decoded_used_);
  std::memcpy(buf.data(), decoded_.data() + decoded_used_, n);
  decoded_used_ += n;
  return n;
}

Result<void> Base64UrlEncodeSink::Write(ByteView data) {
  Bytes group(carry_, carry_ + carry_len_);
  size_t whole = (carry_len_ + data.size()) / 3 * 3;
  if (whole == 0) {
    std::memcpy(carry_ + carry_len_, data.data(), data.size());
    carry_len_ += data.size();
    return {};
  }
  // Encodes carry + data[0, whole - carry) and keeps the remainder.
  size_t take = whole - carry_len_;
  group.insert(group.end(), data.begin(), data.begin() + static_cast<std::ptrdiff_t>(take));
  text_ = client::Base64Encode(group);
  ToUrl(text_);
  carry_len_ = data.size() - take;
  std::memcpy(carry_, data.data() + take, carry_len_);
  return out_.Write(AsBytes(text_));
}

Result<void> Base64UrlEncodeSink::Finish() {
  if (carry_len_ == 0) return {};
  text_ = client::Base64Encode(ByteView(carry_, carry_len_));
  ToUrl(text_);
  carry_len_ = 0;
  return out_.Write(AsBytes(text_));
}

}  // namespace kms::bigdl::internal
