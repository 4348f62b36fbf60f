#include "kms/bigdl/fernet_header.h"

#include "kms/bigdl/g3_header.h"

namespace kms::bigdl {

Bytes EncodeFernetHeader(int64_t time, ByteView iv) {
  Bytes h;
  h.reserve(kFernetHeaderSize);
  h.push_back(kFernetVersion);
  auto t = static_cast<uint64_t>(time);
  for (int i = 7; i >= 0; --i) h.push_back(static_cast<uint8_t>(t >> (8 * i)));
  h.insert(h.end(), iv.begin(), iv.end());
  return h;
}

Result<FernetHeader> ParseFernetHeader(ByteView header) {
  if (header.size() != kFernetHeaderSize) return Error::Local("too short for a header");
  if (header[0] != kFernetVersion) return Error::Local("the version byte is not 0x80");
  uint64_t t = 0;
  for (size_t i = 1; i < 9; ++i) t = (t << 8) | header[i];
  FernetHeader h;
  h.time = static_cast<int64_t>(t);
  h.iv.assign(header.begin() + 9, header.end());
  return h;
}

Bytes G2aIv(ByteView text_mac_key) {
  // Java adds the signed bytes into a byte, which wraps, and widens it to the long seed.
  int8_t sum = 0;
  for (uint8_t b : text_mac_key) sum = static_cast<int8_t>(sum + static_cast<int8_t>(b));
  constexpr uint64_t kMultiplier = 0x5DEECE66DULL, kMask = (uint64_t{1} << 48) - 1;
  uint64_t seed = (static_cast<uint64_t>(static_cast<int64_t>(sum)) ^ kMultiplier) & kMask;
  Bytes iv(kIvSize);
  for (uint8_t& b : iv) {
    seed = (seed * kMultiplier + 0xB) & kMask;
    auto next31 = static_cast<int64_t>(seed >> (48 - 31));
    // nextInt(256) for a power-of-two bound: (256 * next(31)) >> 31.
    auto value = static_cast<int32_t>((256 * next31) >> 31);
    b = static_cast<uint8_t>(static_cast<int8_t>(value - 128));
  }
  return iv;
}

}  // namespace kms::bigdl
