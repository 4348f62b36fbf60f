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

// '=' characters ending `s` (non-empty, length a multiple of 4) as DecodeChecked reads them:
// the output size must come from the same rule, or a malformed input ("ab=c") would be sized
// for fewer bytes than the decoder writes before it notices the misplaced '='.
int Padding(std::string_view s) {
  if (s[s.size() - 1] != '=') return 0;
  return s[s.size() - 2] == '=' ? 2 : 1;
}

size_t DecodedSize(std::string_view s) { return s.size() / 4 * 3 - Padding(s); }

// Decodes `s` (non-empty, length a multiple of 4) into `out`, sized by the caller with
// DecodedSize, and checks it in the same pass: false if a character is outside the alphabet or
// '=' appears anywhere but as one or two final characters (what IsStrictBase64 rejects). One
// pass instead of a check and a decode: this runs over every request's plaintext or ciphertext.
// Bits below the last full byte are ignored, as OpenSSL's decoder does.
bool DecodeChecked(std::string_view s, uint8_t* out) {
  const auto* in = reinterpret_cast<const uint8_t*>(s.data());
  const size_t last = s.size() - 4;
  uint8_t bad = 0;  // OR of table entries: kInvalid sets the top bits
  for (size_t i = 0; i < last; i += 4) {
    uint8_t a = kDecode[in[i]], b = kDecode[in[i + 1]], c = kDecode[in[i + 2]],
            d = kDecode[in[i + 3]];
    bad |= a | b | c | d;
    uint32_t v = (uint32_t{a} << 18) | (uint32_t{b} << 12) | (uint32_t{c} << 6) | d;
    out[0] = static_cast<uint8_t>(v >> 16);
    out[1] = static_cast<uint8_t>(v >> 8);
    out[2] = static_cast<uint8_t>(v);
    out += 3;
  }
  const uint8_t* g = in + last;
  const int pad = Padding(s);
  uint8_t a = kDecode[g[0]], b = kDecode[g[1]];
  uint8_t c = pad == 2 ? 0 : kDecode[g[2]];
  uint8_t d = pad >= 1 ? 0 : kDecode[g[3]];
  bad |= a | b | c | d;
  uint32_t v = (uint32_t{a & 63u} << 18) | (uint32_t{b & 63u} << 12) | (uint32_t{c & 63u} << 6) |
               (d & 63u);
  out[0] = static_cast<uint8_t>(v >> 16);
  if (pad < 2) out[1] = static_cast<uint8_t>(v >> 8);
  if (pad < 1) out[2] = static_cast<uint8_t>(v);
  return (bad & 0xC0) == 0;
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
  if (s.size() % 4 != 0) return Status::InvalidArgument("not strict base64");
  Bytes out(DecodedSize(s));
  if (!DecodeChecked(s, out.data())) return Status::InvalidArgument("not strict base64");
  return out;
}

StatusOr<SecretBytes> Base64DecodeSecret(std::string_view s) {
  if (s.empty()) return SecretBytes();
  if (s.size() % 4 != 0) return Status::InvalidArgument("not strict base64");
  SecretBytes out(DecodedSize(s));  // wiped on destruction, also when the input is refused
  if (!DecodeChecked(s, out.data())) return Status::InvalidArgument("not strict base64");
  return out;
}

}  // namespace kms::crypto
