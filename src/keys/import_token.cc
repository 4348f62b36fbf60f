#include "keys/import_token.h"

#include <algorithm>

#include "crypto/base64.h"
#include "crypto/hmac.h"

namespace kms::keys {
namespace {

constexpr std::string_view kMagic = "EHIT";
constexpr uint8_t kVersion = 1;
constexpr std::string_view kMacLabel = "ehsm-kms import token v1";
constexpr size_t kMacSize = 32;
constexpr size_t kFixedSize = 4 + 1 + kImportTokenIdSize + 8 + 1;
constexpr size_t kMaxKeyidSize = 255;

Status Invalid() { return Status::InvalidArgument("importToken invalid"); }

StatusOr<crypto::Sha256Digest> Mac(ByteView key, std::string_view creator, ByteView body) {
  Bytes input = ToBytes(kMacLabel);
  input.push_back(0);
  input.insert(input.end(), creator.begin(), creator.end());
  input.push_back(0);
  input.insert(input.end(), body.begin(), body.end());
  return crypto::HmacSha256(key, input);
}

}  // namespace

StatusOr<std::string> EncodeImportToken(ByteView mac_key, const ImportTokenClaims& claims,
                                        std::string_view creator) {
  if (claims.keyid.size() > kMaxKeyidSize) return Status::InvalidArgument("keyid too long");
  Bytes body = ToBytes(kMagic);
  body.push_back(kVersion);
  body.insert(body.end(), claims.token_id.begin(), claims.token_id.end());
  for (int shift = 56; shift >= 0; shift -= 8) {
    body.push_back(static_cast<uint8_t>(static_cast<uint64_t>(claims.expires_ms) >> shift));
  }
  body.push_back(static_cast<uint8_t>(claims.keyid.size()));
  body.insert(body.end(), claims.keyid.begin(), claims.keyid.end());
  KMS_ASSIGN_OR_RETURN(auto mac, Mac(mac_key, creator, body));
  body.insert(body.end(), mac.begin(), mac.end());
  return crypto::Base64Encode(body);
}

StatusOr<ImportTokenClaims> VerifyImportToken(ByteView mac_key, std::string_view token,
                                              std::string_view keyid, std::string_view creator,
                                              int64_t now_ms) {
  auto raw = crypto::Base64Decode(token);
  if (!raw.ok() || raw->size() < kFixedSize + kMacSize) return Invalid();
  const Bytes& b = *raw;
  size_t keyid_size = b[kFixedSize - 1];
  if (b.size() != kFixedSize + keyid_size + kMacSize) return Invalid();
  ByteView body(b.data(), kFixedSize + keyid_size);
  KMS_ASSIGN_OR_RETURN(auto mac, Mac(mac_key, creator, body));
  // The MAC is checked before any field is trusted; the comparison is constant-time.
  if (!crypto::ConstantTimeEquals(mac, ByteView(b.data() + body.size(), kMacSize))) {
    return Invalid();
  }
  if (!std::equal(kMagic.begin(), kMagic.end(), b.begin()) || b[4] != kVersion) return Invalid();
  ImportTokenClaims c;
  std::copy_n(b.begin() + 5, kImportTokenIdSize, c.token_id.begin());
  uint64_t expires = 0;
  for (size_t i = 0; i < 8; ++i) expires = (expires << 8) | b[5 + kImportTokenIdSize + i];
  c.expires_ms = static_cast<int64_t>(expires);
  c.keyid.assign(AsChars(ByteView(b.data() + kFixedSize, keyid_size)));
  if (c.keyid != keyid) return Invalid();
  if (now_ms > c.expires_ms) return Status::InvalidArgument(std::string(kImportTokenExpired));
  return c;
}

}  // namespace kms::keys
