#pragma once
// SipHash-2-4 (Aumasson & Bernstein): a keyed 64-bit PRF for hash tables whose keys an
// attacker chooses. With a secret random key, collisions cannot be engineered. Not a MAC for
// protocol use (64-bit output). Computed by OpenSSL's SIPHASH EVP_MAC. Thread-safe.

#include <array>
#include <cstdint>

#include "common/bytes.h"

namespace kms::crypto {

using SipHashKey = std::array<uint8_t, 16>;

uint64_t SipHash24(const SipHashKey& key, ByteView message);

}  // namespace kms::crypto
