#pragma once
// AES-256-GCM with one key and many nonces: the key schedule is computed once per file and only
// the nonce is reset per chunk.

#include <cstdint>
#include <span>

#include "common/bytes.h"
#include "common/secret_bytes.h"
#include "kms/result.h"
#include "ossl.h"

namespace kms::client::internal {

inline constexpr size_t kGcmNonceSize = 12;
inline constexpr size_t kGcmTagSize = 16;

class ChunkCipher {
 public:
  // `key` must be 32 bytes. Not thread-safe.
  static Result<ChunkCipher> New(const SecretBytes& key);

  // Appends ciphertext || tag to `out`.
  Result<void> Seal(ByteView nonce, ByteView aad, ByteView plaintext, Bytes& out);
  // Appends the plaintext to `out` if `record` (ciphertext || tag) authenticates, else fails
  // with kLocal and leaves `out` unchanged.
  Result<void> Open(ByteView nonce, ByteView aad, ByteView record, Bytes& out);

 private:
  ChunkCipher(CipherCtxPtr enc, CipherCtxPtr dec) : enc_(std::move(enc)), dec_(std::move(dec)) {}
  CipherCtxPtr enc_;
  CipherCtxPtr dec_;
};

Bytes Sha256(ByteView data);
Result<void> RandomBytes(std::span<uint8_t> out);

}  // namespace kms::client::internal
