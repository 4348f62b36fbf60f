#pragma once
// Standard base64 with padding, the encoding of every binary field of the API. Thread-safe.

#include <optional>
#include <string>
#include <string_view>

#include "common/bytes.h"

namespace kms::client {

std::string Base64Encode(ByteView data);
// Strict: standard alphabet, length a multiple of 4, padding only at the end. Surrounding ASCII
// whitespace (a trailing newline from a file or a pipe) is ignored. nullopt when malformed.
std::optional<Bytes> Base64Decode(std::string_view text);

}  // namespace kms::client
