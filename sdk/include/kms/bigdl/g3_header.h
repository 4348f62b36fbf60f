#pragma once
// The 400-byte header of BigDL's current format (G3, BigDL 2.3+):
//
//   offset  size    field
//   0       4       n = length of the EDK text, big-endian int32, 0..376
//   4       4       IV length, big-endian int32, always 16
//   8       n       EDK: the data key wrapped by the KMS, as the KMS's base64 text
//   8+n     16      IV
//   24+n    376-n   filler, every byte 0x80
//   400     16k     AES-128-CBC/PKCS#7 ciphertext, k >= 1
//   end-32  32      HMAC-SHA256 over the ciphertext only
//
// Pure functions; thread-safe.

#include <string>
#include <string_view>

#include "common/bytes.h"
#include "kms/bigdl/result.h"

namespace kms::bigdl {

inline constexpr size_t kG3HeaderSize = 400;
inline constexpr size_t kG3MaxEdk = 376;
inline constexpr size_t kIvSize = 16;
inline constexpr uint8_t kG3Filler = 0x80;

struct G3Header {
  std::string edk;
  Bytes iv;
  bool filler_ok = true;  // false: some filler byte is not 0x80 (BigDL never checks it)
};

// Fails (kInvalidArgument) when the EDK is longer than 376 bytes or the IV is not 16 bytes.
Result<Bytes> EncodeG3Header(std::string_view edk, ByteView iv);

// Parses `header` (exactly 400 bytes). Fails (kLocal) on n > 376 or an IV length other than 16.
Result<G3Header> ParseG3Header(ByteView header);

// True when `prefix` (the first bytes of a file, up to 400) begins like a G3 header: IV length
// 16, n <= 376 and, as far as `prefix` reaches, 0x80 filler after the IV.
bool LooksLikeG3(ByteView prefix);

}  // namespace kms::bigdl
