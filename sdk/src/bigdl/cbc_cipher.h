#pragma once
// Streaming AES-CBC with PKCS#7 padding (OpenSSL EVP), as BigDL's formats use it. The key
// schedule lives in the EVP context, which is freed (and cleared by OpenSSL) with the object.
// Not thread-safe.

#include <cstdint>

#include "common/bytes.h"
#include "common/secret_bytes.h"
#include "kms/bigdl/result.h"
#include "ossl.h"

namespace kms::bigdl::internal {

inline constexpr size_t kAesBlock = 16;

class CbcEncryptor {
 public:
  // `key`: 16, 24 or 32 bytes; `iv`: 16 bytes.
  static Result<CbcEncryptor> New(ByteView key, ByteView iv);
  // Appends the ciphertext of every block completed by `plain` to `out`.
  Result<void> Update(ByteView plain, Bytes& out);
  // Appends the padded final block (1..16 padding bytes, always at least one block).
  Result<void> Final(Bytes& out);

 private:
  explicit CbcEncryptor(client::internal::CipherCtxPtr ctx) : ctx_(std::move(ctx)) {}
  client::internal::CipherCtxPtr ctx_;
};

// Decrypts without trusting the padding: the last block is held back until Final, which the
// caller invokes only after it has checked the MAC, so a bad padding never answers a forger.
class CbcDecryptor {
 public:
  static Result<CbcDecryptor> New(ByteView key, ByteView iv);
  // Appends the plaintext of all blocks completed by `ct`, except the newest one, to `out`.
  Result<void> Update(ByteView ct, Bytes& out);
  // Checks that the ciphertext was whole blocks (at least one) and that the padding is valid
  // PKCS#7 (in constant time), then appends the unpadded last block.
  Result<void> Final(Bytes& out);
  // The plaintext of the held-back last block, padding included (for key-variant probing).
  ByteView last_block() const { return {last_, have_last_ ? kAesBlock : 0}; }

 private:
  explicit CbcDecryptor(client::internal::CipherCtxPtr ctx) : ctx_(std::move(ctx)) {}
  client::internal::CipherCtxPtr ctx_;
  uint8_t last_[kAesBlock] = {};
  bool have_last_ = false;
  uint64_t ct_bytes_ = 0;
};

// The PKCS#7 padding length (1..16) that `block` (16 bytes) ends in, or 0 when its padding is
// invalid. Constant time in the block's contents.
size_t PaddingLength(ByteView block);

}  // namespace kms::bigdl::internal
