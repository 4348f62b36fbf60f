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
  // Full groups without padding: no per-character branches (this runs over every request's
  // plaintext or ciphertext).
  size_t full = s.size() - (s.empty() || s.back() != '=' ? 0 : 4);
  const auto* in = reinterpret_cast<const uint8_t*>(s.data());
  size_t i = 0;
  for (; i < full; i += 4) {
    uint32_t v = (uint32_t{kDecode[in[i]]} << 18) | (uint32_t{kDecode[in[i + 1]]} << 12) |
                 (uint32_t{kDecode[in[i + 2]]} << 6) | kDecode[in[i + 3]];
    out[0] = static_cast<uint8_t>(v >> 16);
    out[1] = static_cast<uint8_t>(v >> 8);
    out[2] = static_cast<uint8_t>(v);
    out += 3;
  }
  if (i == s.size()) return;
  // The last group, with one or two '='.
  uint32_t v = 0;
  int chars = 0;
  for (size_t j = 0; j < 4; ++j) {
    char c = s[i + j];
    if (c == '=') break;
    v |= static_cast<uint32_t>(kDecode[static_cast<uint8_t>(c)]) << (18 - 6 * j);
    ++chars;
  }
  *out++ = static_cast<uint8_t>(v >> 16);
  if (chars > 2) *out++ = static_cast<uint8_t>(v >> 8);
  if (chars > 3) *out = static_cast<uint8_t>(v);
}

size_t DecodedSize(std::string_view s) {
  size_t pad = 0;
  if (!s.empty() && s.back() == '=') ++pad;
  if (s.size() > 1 && s[s.size() - 2] == '=') ++pad;
  return s.size() / 4 * 3 - pad;
}

}  // namespace

std::string Base64Encode(ByteView data) {
  // Sized once and written through a pointer: push_back's capacity check per character cost
  // more than the encoding itself.
  std::string out((data.size() + 2) / 3 * 4, '\0');
  char* o = out.data();
  size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    uint32_t v = (uint32_t{data[i]} << 16) | (uint32_t{data[i + 1]} << 8) | data[i + 2];
    o[0] = kAlphabet[(v >> 18) & 63];
    o[1] = kAlphabet[(v >> 12) & 63];
    o[2] = kAlphabet[(v >> 6) & 63];
    o[3] = kAlphabet[v & 63];
    o += 4;
  }
  size_t rest = data.size() - i;
  if (rest > 0) {
    uint32_t v = uint32_t{data[i]} << 16;
    if (rest == 2) v |= uint32_t{data[i + 1]} << 8;
    o[0] = kAlphabet[(v >> 18) & 63];
    o[1] = kAlphabet[(v >> 12) & 63];
    o[2] = rest == 2 ? kAlphabet[(v >> 6) & 63] : '=';
    o[3] = '=';
  }
  return out;
}

bool IsStrictBase64(std::string_view s) {
  if (s.empty() || s.size() % 4 != 0) return false;
  size_t body = s.size();
  while (body > 0 && s[body - 1] == '=') --body;
  if (s.size() - body > 2 || body == 0) return false;
  // OR of the table entries: one branch at the end instead of one per character.
  uint8_t acc = 0;
  for (size_t i = 0; i < body; ++i) acc |= kDecode[static_cast<uint8_t>(s[i])] & 0xC0;
  return acc == 0;
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
