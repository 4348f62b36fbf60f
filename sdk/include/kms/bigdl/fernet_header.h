#pragma once
// The 25-byte header that Fernet tokens (format F, after base64url decoding) and BigDL's
// 2022 Scala formats G1 and G2 share:
//
//   offset  size  field
//   0       1     version 0x80
//   1       8     write time, Unix seconds, big-endian (informational; never checked)
//   9       16    IV
//   25      16k   AES-CBC/PKCS#7 ciphertext
//   end-32  32    HMAC-SHA256: over bytes [0, end-32) for F and G1, over the ciphertext for G2
//
// Pure functions; thread-safe.

#include <cstdint>

#include "common/bytes.h"
#include "common/secret_bytes.h"
#include "kms/bigdl/result.h"

namespace kms::bigdl {

inline constexpr size_t kFernetHeaderSize = 25;
inline constexpr uint8_t kFernetVersion = 0x80;

struct FernetHeader {
  int64_t time = 0;
  Bytes iv;
};

Bytes EncodeFernetHeader(int64_t time, ByteView iv);
// Fails (kLocal) unless `header` is 25 bytes starting with 0x80.
Result<FernetHeader> ParseFernetHeader(ByteView header);

// The IV BigDL's G2a writer (2022-05-30 .. 06-07) used for every file under `text_mac_key`
// (the data key's first 16 characters): java.util.Random seeded with the wrapping byte sum of
// the key, 16 x (nextInt(256) - 128). Files with this IV carry a MAC nobody can check.
Bytes G2aIv(ByteView text_mac_key);

}  // namespace kms::bigdl
