#pragma once
// Writes one BigDL stream: G3 (header with the EDK, AES-128-CBC, HMAC-SHA256 over the
// ciphertext), native (IV and AES-CBC ciphertext) or Fernet (a base64url token). Input of any
// size streams through 1 MiB buffers; the output is byte-identical for any chunking, so a fixed
// IV reproduces BigDL's bytes exactly. Thread-safe (no shared state).

#include <cstdint>
#include <string>

#include "common/bytes.h"
#include "common/secret_bytes.h"
#include "kms/bigdl/byte_stream.h"
#include "kms/bigdl/format.h"

namespace kms::bigdl {

struct EncryptSpec {
  Format format = Format::kG3;  // kG3, kNative or kFernet
  std::string edk;              // G3: the header's EDK (may be empty)
  Bytes iv;                     // 16 bytes, random for real files
  int64_t time = 0;             // Fernet: the token's Unix time
};

// Encrypts everything `in` delivers into `out` under the data key `key_text` (the KMS's
// base64 text). Returns the number of plaintext bytes. The key text must satisfy the format's
// derivation (data_key.h); its length policy is the caller's.
Result<uint64_t> EncryptStream(ByteSource& in, ByteSink& out, const SecretBytes& key_text,
                               const EncryptSpec& spec, const ProgressFn& progress = {});

// 16 random bytes from OpenSSL's generator.
Result<Bytes> RandomIv();

// Size of the G3 stream for `plain` plaintext bytes: 400 + 16 * (plain / 16 + 1) + 32.
uint64_t G3StreamSize(uint64_t plain);

}  // namespace kms::bigdl
