#include "kms/bigdl/g3_header.h"

#include <algorithm>

namespace kms::bigdl {
namespace {

void PutBe32(Bytes& out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

uint32_t GetBe32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
}

}  // namespace

Result<Bytes> EncodeG3Header(std::string_view edk, ByteView iv) {
  if (edk.size() > kG3MaxEdk) {
    return Error::InvalidArgument("the EDK has " + std::to_string(edk.size()) +
                                  " bytes; the BigDL header holds at most 376");
  }
  if (iv.size() != kIvSize) return Error::InvalidArgument("the IV must have 16 bytes");
  Bytes h;
  h.reserve(kG3HeaderSize);
  PutBe32(h, static_cast<uint32_t>(edk.size()));
  PutBe32(h, kIvSize);
  h.insert(h.end(), edk.begin(), edk.end());
  h.insert(h.end(), iv.begin(), iv.end());
  h.resize(kG3HeaderSize, kG3Filler);
  return h;
}

Result<G3Header> ParseG3Header(ByteView header) {
  if (header.size() != kG3HeaderSize) {
    return Error::Local("too short for a BigDL header (" + std::to_string(header.size()) +
                        " of 400 bytes)");
  }
  uint32_t n = GetBe32(header.data());
  uint32_t iv_len = GetBe32(header.data() + 4);
  if (iv_len != kIvSize) {
    return Error::Local("header IV length is " + std::to_string(iv_len) + ", not 16");
  }
  if (n > kG3MaxEdk) {
    return Error::Local("header EDK length " + std::to_string(n) + " exceeds 376");
  }
  G3Header h;
  h.edk.assign(reinterpret_cast<const char*>(header.data() + 8), n);
  h.iv.assign(header.begin() + 8 + n, header.begin() + 24 + n);
  h.filler_ok =
      std::all_of(header.begin() + 24 + n, header.end(), [](uint8_t b) { return b == kG3Filler; });
  return h;
}

bool LooksLikeG3(ByteView prefix) {
  if (prefix.size() < 8 || GetBe32(prefix.data() + 4) != kIvSize) return false;
  uint32_t n = GetBe32(prefix.data());
  if (n > kG3MaxEdk) return false;
  size_t filler_start = 24 + n;
  size_t end = std::min(prefix.size(), kG3HeaderSize);
  for (size_t i = filler_start; i < end; ++i) {
    if (prefix[i] != kG3Filler) return false;
  }
  return true;
}

}  // namespace kms::bigdl
