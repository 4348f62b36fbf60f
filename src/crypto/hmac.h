#pragma once
// HMAC-SHA256, SHA-256 and constant-time comparison. Thread-safe free functions.

#include <array>

#include "common/bytes.h"
#include "common/status.h"

namespace kms::crypto {

using Sha256Digest = std::array<uint8_t, 32>;

StatusOr<Sha256Digest> HmacSha256(ByteView key, ByteView message);
StatusOr<Sha256Digest> Sha256(ByteView message);

// True iff a and b have equal length and contents. Time depends only on the lengths.
bool ConstantTimeEquals(ByteView a, ByteView b);

}  // namespace kms::crypto
