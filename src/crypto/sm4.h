#pragma once
// SM4 (GB/T 32907) in CTR and CBC modes, 16-byte key and IV. Thread-safe free functions.
// OpenSSL 3.0 provides SM4-CTR/CBC but no SM4-GCM (checked 3.0.x), and eHSM's wire format uses
// only CTR and CBC, without integrity.

#include "common/bytes.h"
#include "common/secret_bytes.h"
#include "common/status.h"

namespace kms::crypto {

inline constexpr size_t kSm4KeySize = 16;
inline constexpr size_t kSm4BlockSize = 16;

// CTR: output has the input's length; `iv` is the initial 128-bit counter block.
StatusOr<Bytes> Sm4CtrEncrypt(ByteView key, ByteView iv, ByteView plaintext);
StatusOr<SecretBytes> Sm4CtrDecrypt(ByteView key, ByteView iv, ByteView ciphertext);

// CBC with PKCS#7 padding (always at least one padding byte): output is (n/16+1)*16 bytes.
StatusOr<Bytes> Sm4CbcEncrypt(ByteView key, ByteView iv, ByteView plaintext);
// Fails with kDataLoss on a length that is not a positive multiple of 16 or bad padding.
StatusOr<SecretBytes> Sm4CbcDecrypt(ByteView key, ByteView iv, ByteView ciphertext);

}  // namespace kms::crypto
