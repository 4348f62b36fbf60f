#pragma once
// CSPRNG (OpenSSL's DRBG, seeded by the OS). All functions are thread-safe.

#include <span>
#include <string>

#include "common/bytes.h"
#include "common/secret_bytes.h"
#include "common/status.h"

namespace kms::crypto {

// Fills `out` with random bytes. Fails only if the DRBG cannot be seeded.
Status RandomFill(std::span<uint8_t> out);
StatusOr<Bytes> RandomBytes(size_t n);
StatusOr<SecretBytes> RandomSecret(size_t n);

// A random RFC 4122 version-4 UUID, lowercase: "xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx".
StatusOr<std::string> RandomUuid();

// `n` characters drawn uniformly (rejection sampling, no modulo bias) from `alphabet`.
StatusOr<std::string> RandomString(size_t n, std::string_view alphabet);

}  // namespace kms::crypto
