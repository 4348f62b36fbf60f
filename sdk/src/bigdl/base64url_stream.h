#pragma once
// Streaming base64url (RFC 4648 §5, '=' padded) for Fernet tokens of any size: a source that
// decodes token text read from another source, and a sink that encodes into another sink.
// Not thread-safe.

#include <cstdint>
#include <string>

#include "kms/bigdl/byte_stream.h"

namespace kms::bigdl::internal {

class Base64UrlDecodeSource final : public ByteSource {
 public:
  // Borrows `text`. A trailing newline (LF or CRLF) after the token is ignored; any other
  // character outside the base64url alphabet fails the read with its offset.
  explicit Base64UrlDecodeSource(ByteSource& text) : text_(text) {}
  Result<size_t> Read(std::span<uint8_t> buf) override;
  const std::string& name() const override { return text_.name(); }

 private:
  Result<void> Refill();
  ByteSource& text_;
  std::string pending_;  // undecoded text (a partial group carried over)
  Bytes decoded_;
  size_t decoded_used_ = 0;
  uint64_t offset_ = 0;  // of pending_[0] in the text
  bool eof_ = false;
  bool padded_ = false;  // the group with '=' was seen: nothing may follow
};

class Base64UrlEncodeSink final : public ByteSink {
 public:
  explicit Base64UrlEncodeSink(ByteSink& out) : out_(out) {}
  Result<void> Write(ByteView data) override;
  // Writes the last group with its padding. Call once, after the last Write.
  Result<void> Finish();

 private:
  ByteSink& out_;
  uint8_t carry_[2] = {};
  size_t carry_len_ = 0;
  std::string text_;
};

}  // namespace kms::bigdl::internal
