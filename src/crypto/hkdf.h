#pragma once
// HKDF-SHA256 (RFC 5869). Thread-safe.
// `length` must be 1..8160 (255 * HashLen), else kInvalidArgument. An empty `salt` means the
// RFC default (HashLen zero bytes).

#include "common/bytes.h"
#include "common/secret_bytes.h"
#include "common/status.h"

namespace kms::crypto {

StatusOr<SecretBytes> HkdfSha256(ByteView ikm, ByteView salt, ByteView info, size_t length);

}  // namespace kms::crypto
