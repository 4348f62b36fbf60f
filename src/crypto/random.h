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
// Random bytes for public values only (IVs, nonces), never for keys: served from a per-thread
// buffer of DRBG output refilled 4 KiB at a time, because one RAND_bytes call costs about as
// much as encrypting 1 KiB. Bytes are never handed out twice; a forked child discards what
// its parent buffered. Requests over 64 bytes go to the DRBG directly.
Status RandomNonce(std::span<uint8_t> out);
StatusOr<SecretBytes> RandomSecret(size_t n);

// A random RFC 4122 version-4 UUID, lowercase: "xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx".
StatusOr<std::string> RandomUuid();

// `n` characters drawn uniformly (rejection sampling, no modulo bias) from `alphabet`.
StatusOr<std::string> RandomString(size_t n, std::string_view alphabet);

}  // namespace kms::crypto
