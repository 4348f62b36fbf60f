#include "kms/encoding.h"

#include <utility>

#include "crypto/base64.h"

namespace kms::client {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

}  // namespace

// The server's base64 (crypto/base64.h), so both sides accept and produce the same texts.
std::string Base64Encode(ByteView data) { return crypto::Base64Encode(data); }

std::optional<Bytes> Base64Decode(std::string_view text) {
  while (!text.empty() && IsSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsSpace(text.back())) text.remove_suffix(1);
  StatusOr<Bytes> bytes = crypto::Base64Decode(text);
  if (!bytes.ok()) return std::nullopt;
  return std::move(*bytes);
}

}  // namespace kms::client
