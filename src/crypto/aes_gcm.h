#pragma once
// AES-GCM with 128/192/256-bit keys, 12-byte IVs and 16-byte tags.
// Immutable after New(); Encrypt/Decrypt are const and thread-safe. Each object keeps a small
// pool of keyed OpenSSL contexts so the key schedule runs once per context, not once per call;
// destroying the object frees (and so wipes) all of them.

#include <array>
#include <memory>

#include "common/bytes.h"
#include "common/secret_bytes.h"
#include "common/status.h"

namespace kms::crypto {

class AesGcm {
 public:
  static constexpr size_t kIvSize = 12;
  static constexpr size_t kTagSize = 16;

  // `key` must be 16, 24 or 32 bytes, else kInvalidArgument. The key is copied.
  static StatusOr<std::unique_ptr<AesGcm>> New(ByteView key);
  ~AesGcm();

  // Writes `plaintext.size()` bytes to `ciphertext` (which must be that size) and the tag to
  // `tag`. `aad` may be empty. `iv` must be 12 bytes.
  Status Encrypt(ByteView iv, ByteView plaintext, ByteView aad, std::span<uint8_t> ciphertext,
                 std::span<uint8_t, kTagSize> tag) const;

  // Inverse of Encrypt. On a tag mismatch returns kDataLoss and zeroes `plaintext`.
  Status Decrypt(ByteView iv, ByteView ciphertext, ByteView aad, ByteView tag,
                 std::span<uint8_t> plaintext) const;

  size_t key_size() const { return key_.size(); }

 private:
  struct CtxPool;
  AesGcm(SecretBytes key, std::unique_ptr<CtxPool> pool);
  SecretBytes key_;
  std::unique_ptr<CtxPool> pool_;
};

}  // namespace kms::crypto
