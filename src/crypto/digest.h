#pragma once
// Message digests for signatures: SHA-2 and SM3 (GB/T 32905). Thread-safe free functions.

#include <openssl/types.h>

#include "common/bytes.h"
#include "common/status.h"

namespace kms::crypto {

enum class DigestAlg { kSha224, kSha256, kSha384, kSha512, kSm3 };

// Whether a signing input is the message itself (hashed here) or an already computed digest.
enum class MessageType { kRaw, kDigest };

// Output size in bytes: 28, 32, 48, 64, 32.
size_t DigestSize(DigestAlg alg);

StatusOr<Bytes> Digest(DigestAlg alg, ByteView data);

// The digest to sign for `input`: Digest(alg, input) for kRaw; for kDigest, `input` itself, which
// must be DigestSize(alg) bytes, else kInvalidArgument.
StatusOr<Bytes> SigningDigest(DigestAlg alg, MessageType type, ByteView input);

// The pre-fetched OpenSSL digest, owned by this module for the life of the process; null only
// if the provider lacks it. For the other crypto modules.
const EVP_MD* DigestMd(DigestAlg alg);

}  // namespace kms::crypto
