#include "dkey/local_protocol.h"

#include <cstring>

#include "crypto/aes_gcm.h"
#include "crypto/hmac.h"
#include "crypto/random.h"

namespace kms::dkey::local {
namespace {

constexpr uint8_t kMagic[4] = {'E', 'H', 'D', 'K'};
constexpr uint8_t kVersion = 1;
enum Type : uint8_t { kHello = 1, kRequest = 2, kGrant = 3, kRefuse = 4 };
constexpr size_t kHeaderSize = 6;
// mrenclave, mrsigner, isvprodid, isvsvn, flags, own nonce, MAC.
constexpr size_t kReportFields = 32 + 32 + 2 + 2 + 1 + kNonceSize;
constexpr size_t kMacSize = 32;
constexpr size_t kReportSize = kReportFields + kMacSize;
constexpr size_t kDkSize = 32;
constexpr size_t kGrantSize = kHeaderSize + kReportSize + crypto::AesGcm::kIvSize + kDkSize +
                              crypto::AesGcm::kTagSize;

Bytes Header(Type type) {
  Bytes out(kMagic, kMagic + 4);
  out.push_back(kVersion);
  out.push_back(type);
  return out;
}

// kInvalidArgument unless `body` starts with the header of `type`.
Status CheckHeader(ByteView body, Type type) {
  if (body.size() < kHeaderSize || std::memcmp(body.data(), kMagic, 4) != 0) {
    return Status::InvalidArgument("not a domain-key protocol message");
  }
  if (body[4] != kVersion) {
    return Status::InvalidArgument("protocol version " + std::to_string(body[4]) +
                                   " is not supported (this build speaks 1)");
  }
  if (body[5] != type) {
    return Status::InvalidArgument("unexpected message type " + std::to_string(body[5]));
  }
  return Status::Ok();
}

void PutU16(Bytes& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v >> 8));
  out.push_back(static_cast<uint8_t>(v & 0xff));
}
uint16_t GetU16(const uint8_t* p) { return static_cast<uint16_t>((p[0] << 8) | p[1]); }

StatusOr<crypto::Sha256Digest> ReportMac(tee::TeePlatform& platform, const Nonce& target,
                                         ByteView signed_bytes) {
  KMS_ASSIGN_OR_RETURN(SecretBytes key, platform.DeriveLocalKey("report", target));
  return crypto::HmacSha256(key.view(), signed_bytes);
}

// Appends this process's report (targeted at `target`, carrying `own`) to `out`, whose bytes so
// far are covered by the MAC too.
Status AppendReport(tee::TeePlatform& platform, const Nonce& target, const Nonce& own,
                    Bytes& out) {
  const tee::TeeIdentity& id = platform.Identity();
  if (id.mrenclave.size() != 32 || id.mrsigner.size() != 32) {
    return Status::FailedPrecondition("platform identity has no 32-byte measurements");
  }
  out.insert(out.end(), id.mrenclave.begin(), id.mrenclave.end());
  out.insert(out.end(), id.mrsigner.begin(), id.mrsigner.end());
  PutU16(out, id.prod_id);
  PutU16(out, id.svn);
  out.push_back(id.debug ? 1 : 0);
  out.insert(out.end(), own.begin(), own.end());
  KMS_ASSIGN_OR_RETURN(auto mac, ReportMac(platform, target, out));
  out.insert(out.end(), mac.begin(), mac.end());
  return Status::Ok();
}

// Verifies the report at body[kHeaderSize, kHeaderSize + kReportSize), MACed over everything
// before its MAC. REQUIRES: body holds that much.
StatusOr<VerifiedReport> VerifyReport(tee::TeePlatform& platform, ByteView body,
                                      const Nonce& target) {
  const size_t mac_at = kHeaderSize + kReportFields;
  KMS_ASSIGN_OR_RETURN(auto mac, ReportMac(platform, target, body.first(mac_at)));
  if (!crypto::ConstantTimeEquals(mac, body.subspan(mac_at, kMacSize))) {
    return Status::PermissionDenied(
        "local report does not verify (made for another connection, on another node, or "
        "altered)");
  }
  const uint8_t* p = body.data() + kHeaderSize;
  VerifiedReport r;
  r.identity.tee = "sim";
  r.identity.mrenclave.assign(p, p + 32);
  r.identity.mrsigner.assign(p + 32, p + 64);
  r.identity.isvprodid = GetU16(p + 64);
  r.identity.isvsvn = GetU16(p + 66);
  if (p[68] > 1) return Status::InvalidArgument("local report: unknown flags");
  r.identity.debug = p[68] == 1;
  std::memcpy(r.own_nonce.data(), p + 69, kNonceSize);
  return r;
}

Bytes GrantSalt(const Nonce& server_nonce, const Nonce& client_nonce) {
  Bytes salt(server_nonce.begin(), server_nonce.end());
  salt.insert(salt.end(), client_nonce.begin(), client_nonce.end());
  return salt;
}

}  // namespace

Status RandomNonce(Nonce& out) { return crypto::RandomFill(out); }

Bytes MakeHello(const Nonce& server_nonce) {
  Bytes out = Header(kHello);
  out.insert(out.end(), server_nonce.begin(), server_nonce.end());
  return out;
}

StatusOr<Nonce> ParseHello(ByteView body) {
  KMS_RETURN_IF_ERROR(CheckHeader(body, kHello));
  if (body.size() != kHeaderSize + kNonceSize) {
    return Status::InvalidArgument("HELLO of " + std::to_string(body.size()) + " bytes");
  }
  Nonce n;
  std::memcpy(n.data(), body.data() + kHeaderSize, kNonceSize);
  return n;
}

StatusOr<Bytes> MakeRequest(tee::TeePlatform& platform, const Nonce& server_nonce,
                            const Nonce& client_nonce) {
  Bytes out = Header(kRequest);
  KMS_RETURN_IF_ERROR(AppendReport(platform, server_nonce, client_nonce, out));
  return out;
}

StatusOr<VerifiedReport> ParseRequest(tee::TeePlatform& platform, ByteView body,
                                      const Nonce& server_nonce) {
  KMS_RETURN_IF_ERROR(CheckHeader(body, kRequest));
  if (body.size() != kHeaderSize + kReportSize) {
    return Status::InvalidArgument("REQUEST of " + std::to_string(body.size()) + " bytes");
  }
  return VerifyReport(platform, body, server_nonce);
}

StatusOr<Bytes> MakeGrant(tee::TeePlatform& platform, const Nonce& server_nonce,
                          const Nonce& client_nonce, ByteView dk) {
  if (dk.size() != kDkSize) return Status::InvalidArgument("domain key must be 32 bytes");
  Bytes out = Header(kGrant);
  Nonce unused{};  // the server's report needs no nonce of its own: the grant key binds both
  KMS_RETURN_IF_ERROR(AppendReport(platform, client_nonce, unused, out));
  KMS_ASSIGN_OR_RETURN(SecretBytes key,
                       platform.DeriveLocalKey("grant", GrantSalt(server_nonce, client_nonce)));
  KMS_ASSIGN_OR_RETURN(auto gcm, crypto::AesGcm::New(key.view()));
  const size_t aad_size = out.size();
  out.resize(kGrantSize);
  uint8_t* iv = out.data() + aad_size;
  KMS_RETURN_IF_ERROR(crypto::RandomFill(std::span<uint8_t>(iv, crypto::AesGcm::kIvSize)));
  uint8_t* ct = iv + crypto::AesGcm::kIvSize;
  KMS_RETURN_IF_ERROR(gcm->Encrypt(
      ByteView(iv, crypto::AesGcm::kIvSize), dk, ByteView(out.data(), aad_size),
      std::span<uint8_t>(ct, kDkSize),
      std::span<uint8_t, crypto::AesGcm::kTagSize>(ct + kDkSize, crypto::AesGcm::kTagSize)));
  return out;
}

Bytes MakeRefuse(const std::string& reason) {
  Bytes out = Header(kRefuse);
  const size_t n = std::min(reason.size(), kMaxReasonBytes);
  out.push_back(static_cast<uint8_t>(n));
  out.insert(out.end(), reason.begin(), reason.begin() + static_cast<std::ptrdiff_t>(n));
  return out;
}

StatusOr<Granted> ParseGrant(tee::TeePlatform& platform, ByteView body, const Nonce& server_nonce,
                             const Nonce& client_nonce) {
  if (CheckHeader(body, kRefuse).ok()) {
    if (body.size() < kHeaderSize + 1 || body.size() != kHeaderSize + 1 + body[kHeaderSize]) {
      return Status::InvalidArgument("malformed REFUSE");
    }
    return Status::PermissionDenied(
        "refused: " + std::string(AsChars(body.subspan(kHeaderSize + 1))));
  }
  KMS_RETURN_IF_ERROR(CheckHeader(body, kGrant));
  if (body.size() != kGrantSize) {
    return Status::InvalidArgument("GRANT of " + std::to_string(body.size()) + " bytes");
  }
  KMS_ASSIGN_OR_RETURN(VerifiedReport server, VerifyReport(platform, body, client_nonce));
  KMS_ASSIGN_OR_RETURN(SecretBytes key,
                       platform.DeriveLocalKey("grant", GrantSalt(server_nonce, client_nonce)));
  KMS_ASSIGN_OR_RETURN(auto gcm, crypto::AesGcm::New(key.view()));
  const size_t aad_size = kHeaderSize + kReportSize;
  const uint8_t* iv = body.data() + aad_size;
  const uint8_t* ct = iv + crypto::AesGcm::kIvSize;
  Granted g{.server = std::move(server.identity), .dk = SecretBytes(kDkSize)};
  Status opened = gcm->Decrypt(ByteView(iv, crypto::AesGcm::kIvSize), ByteView(ct, kDkSize),
                               body.first(aad_size), ByteView(ct + kDkSize, crypto::AesGcm::kTagSize),
                               g.dk.span());
  if (!opened.ok()) return Status::PermissionDenied("the granted domain key does not open");
  return g;
}

}  // namespace kms::dkey::local
