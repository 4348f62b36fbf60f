#include "crypto/base64.h"

#include <array>

namespace kms::crypto {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr uint8_t kInvalid = 0xff;

constexpr std::array<uint8_t, 256> MakeDecodeTable() {
  std::array<uint8_t, 256> t{};
  for (auto& v : t) v = kInvalid;
  for (uint8_t i = 0; i < 64; ++i) t[static_cast<uint8_t>(kAlphabet[i])] = i;
  return t;
}
constexpr std::array<uint8_t, 256> kDecode = MakeDecodeTable();

// Decodes into `out` (sized by the caller to the exact decoded length). `s` must already have
// passed IsStrictBase64. Bits below the last full byte are ignored, as OpenSSL's decoder does.
void DecodeInto(std::string_view s, uint8_t* out) {
  size_t o = 0;
  for (size_t i = 0; i < s.size(); i += 4) {
    uint32_t v = 0;
    int chars = 0;
    for (size_t j = 0; j < 4; ++j) {
      char c = s[i + j];
      if (c == '=') break;
      v |= static_cast<uint32_t>(kDecode[static_cast<uint8_t>(c)]) << (18 - 6 * j);
      ++chars;
    }
    out[o++] = static_cast<uint8_t>(v >> 16);
    if (chars > 2) out[o++] = static_cast<uint8_t>(v >> 8);
    if (chars > 3) out[o++] = static_cast<uint8_t>(v);
  }
}

size_t DecodedSize(std::string_view s) {
  size_t pad = 0;
  if (!s.empty() && s.back() == '=') ++pad;
  if (s.size() > 1 && s[s.size() - 2] == '=') ++pad;
  return s.size() / 4 * 3 - pad;
}

}  // namespace

std::string Base64Encode(ByteView data) {
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    uint32_t v = (uint32_t{data[i]} << 16) | (uint32_t{data[i + 1]} << 8) | data[i + 2];
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(kAlphabet[(v >> 6) & 63]);
    out.push_back(kAlphabet[v & 63]);
  }
  size_t rest = data.size() - i;
  if (rest > 0) {
    uint32_t v = uint32_t{data[i]} << 16;
    if (rest == 2) v |= uint32_t{data[i + 1]} << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(rest == 2 ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

bool IsStrictBase64(std::string_view s) {
  if (s.empty() || s.size() % 4 != 0) return false;
  size_t body = s.size();
  while (body > 0 && s[body - 1] == '=') --body;
  if (s.size() - body > 2 || body == 0) return false;
  for (size_t i = 0; i < body; ++i) {
    if (kDecode[static_cast<uint8_t>(s[i])] == kInvalid) return false;
  }
  return true;
}

StatusOr<Bytes> Base64Decode(std::string_view s) {
  if (s.empty()) return Bytes();
  if (!IsStrictBase64(s)) return Status::InvalidArgument("not strict base64");
  Bytes out(DecodedSize(s));
  DecodeInto(s, out.data());
  return out;
}

StatusOr<SecretBytes> Base64DecodeSecret(std::string_view s) {
  if (s.empty()) return SecretBytes();
  if (!IsStrictBase64(s)) return Status::InvalidArgument("not strict base64");
  SecretBytes out(DecodedSize(s));
  DecodeInto(s, out.data());
  return out;
}

}  // namespace kms::crypto
