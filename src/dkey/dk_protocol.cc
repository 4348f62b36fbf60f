#include "dkey/dk_protocol.h"

#include <cstring>

#include "dkey/sealed_dk.h"

namespace kms::dkey {
namespace {

constexpr char kRequestMagic[] = "EDKQ";
constexpr char kResponseMagic[] = "EDKA";
constexpr uint8_t kVersion = 1;
constexpr uint8_t kGranted = 0;
constexpr uint8_t kRefused = 1;
constexpr size_t kDkBytes = 32;

Status Malformed(const std::string& what) {
  return Status::InvalidArgument("malformed domain-key " + what);
}

void PutHeader(uint8_t* out, const char* magic, uint8_t b5, uint16_t tail) {
  std::memcpy(out, magic, 4);
  out[4] = kVersion;
  out[5] = b5;
  out[6] = static_cast<uint8_t>(tail >> 8);
  out[7] = static_cast<uint8_t>(tail & 0xff);
}

bool HasHeader(ByteView frame, const char* magic) {
  return std::memcmp(frame.data(), magic, 4) == 0 && frame[4] == kVersion;
}

uint16_t Tail(ByteView frame) { return static_cast<uint16_t>((frame[6] << 8) | frame[7]); }

}  // namespace

Bytes EncodeDkRequest(Role role) {
  Bytes out(kDkRequestBytes);
  PutHeader(out.data(), kRequestMagic, role == Role::kDkeyServer ? 2 : 1, 0);
  return out;
}

StatusOr<Role> ParseDkRequest(ByteView frame) {
  if (frame.size() != kDkRequestBytes) return Malformed("request: wrong size");
  if (!HasHeader(frame, kRequestMagic)) return Malformed("request: bad magic or version");
  if (Tail(frame) != 0) return Malformed("request: reserved bytes set");
  if (frame[5] == 1) return Role::kDkeyCache;
  if (frame[5] == 2) return Role::kDkeyServer;
  return Malformed("request: unknown role " + std::to_string(frame[5]));
}

SecretBytes EncodeDkGrant(ByteView dk, const std::string& dk_id) {
  SecretBytes out(kDkResponseHeaderBytes + kDkGrantBodyBytes);
  uint8_t* p = out.data();
  PutHeader(p, kResponseMagic, kGranted, kDkGrantBodyBytes);
  std::memcpy(p + kDkResponseHeaderBytes, dk.data(), std::min(dk.size(), kDkBytes));
  std::memcpy(p + kDkResponseHeaderBytes + kDkBytes, dk_id.data(), std::min<size_t>(dk_id.size(), 16));
  return out;
}

Bytes EncodeDkRefusal(const std::string& reason) {
  std::string text = reason.substr(0, kMaxRefusalBytes);
  if (text.empty()) text = "refused";
  for (char& c : text) {
    if (c < 0x20 || c > 0x7e) c = '?';
  }
  Bytes out(kDkResponseHeaderBytes + text.size());
  PutHeader(out.data(), kResponseMagic, kRefused, static_cast<uint16_t>(text.size()));
  std::memcpy(out.data() + kDkResponseHeaderBytes, text.data(), text.size());
  return out;
}

StatusOr<DkResponseHeader> ParseDkResponseHeader(ByteView header) {
  if (header.size() != kDkResponseHeaderBytes) return Malformed("response: short header");
  if (!HasHeader(header, kResponseMagic)) return Malformed("response: bad magic or version");
  const size_t n = Tail(header);
  if (header[5] == kGranted) {
    if (n != kDkGrantBodyBytes) return Malformed("response: grant of " + std::to_string(n) + " bytes");
    return DkResponseHeader{.granted = true, .body_bytes = n};
  }
  if (header[5] == kRefused) {
    if (n == 0 || n > kMaxRefusalBytes) {
      return Malformed("response: refusal of " + std::to_string(n) + " bytes");
    }
    return DkResponseHeader{.granted = false, .body_bytes = n};
  }
  return Malformed("response: unknown status " + std::to_string(header[5]));
}

StatusOr<DkResponse> ParseDkResponse(ByteView frame) {
  if (frame.size() < kDkResponseHeaderBytes) return Malformed("response: short header");
  KMS_ASSIGN_OR_RETURN(DkResponseHeader h,
                       ParseDkResponseHeader(frame.subspan(0, kDkResponseHeaderBytes)));
  ByteView body = frame.subspan(kDkResponseHeaderBytes);
  if (body.size() != h.body_bytes) return Malformed("response: body length differs from header");
  DkResponse out;
  out.granted = h.granted;
  if (!h.granted) {
    out.reason.assign(reinterpret_cast<const char*>(body.data()), body.size());
    for (char c : out.reason) {
      if (c < 0x20 || c > 0x7e) return Malformed("response: unprintable refusal");
    }
    return out;
  }
  out.dk = SecretBytes(body.subspan(0, kDkBytes));
  out.dk_id.assign(reinterpret_cast<const char*>(body.data() + kDkBytes), 16);
  KMS_ASSIGN_OR_RETURN(std::string actual, DomainKeyId(out.dk.view()));
  if (actual != out.dk_id) return Malformed("response: dk_id is not the key's fingerprint");
  return out;
}

}  // namespace kms::dkey
