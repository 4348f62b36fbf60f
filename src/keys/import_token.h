#pragma once
// The BYOK import token handed out by GetParametersForImport and required by
// ImportKeyMaterial. Clients treat it as opaque base64; it carries its own integrity, unlike
// the upstream's unauthenticated JSON (spec: eHSM API §3.9, quirk Q1).
//
// Layout before base64 (big-endian integers):
//   0   4  magic "EHIT"
//   4   1  version (1)
//   5  16  token id (random; must equal the id stored in the key's pending import session)
//  21   8  expiry, ms since the Unix epoch
//  29   1  keyid length n
//  30   n  keyid
//  30+n 32 HMAC-SHA256(mac key, "ehsm-kms import token v1" || 0 || creator || 0 || bytes [0, 30+n))
// The creator (appid) is authenticated without being carried, so a token is useless to
// another tenant. Thread-safe free functions.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/status.h"

namespace kms::keys {

inline constexpr int64_t kImportTokenLifetimeMs = 24LL * 3600 * 1000;
inline constexpr size_t kImportTokenIdSize = 16;
using ImportTokenId = std::array<uint8_t, kImportTokenIdSize>;

struct ImportTokenClaims {
  std::string keyid;
  ImportTokenId token_id{};
  int64_t expires_ms = 0;
};

// The upstream's message for an expired token, kept because clients may match it.
inline constexpr std::string_view kImportTokenExpired =
    "Token validity time is 24 hours. Try to send \"GetParametersForImport\" request again.";

StatusOr<std::string> EncodeImportToken(ByteView mac_key, const ImportTokenClaims& claims,
                                        std::string_view creator);

// The claims of a genuine, unexpired token issued for (`keyid`, `creator`).
// kInvalidArgument "importToken invalid" for anything malformed, forged or issued for another
// key or tenant (one message: which check failed is not revealed); kInvalidArgument
// kImportTokenExpired when now_ms is past the expiry.
StatusOr<ImportTokenClaims> VerifyImportToken(ByteView mac_key, std::string_view token,
                                              std::string_view keyid, std::string_view creator,
                                              int64_t now_ms);

}  // namespace kms::keys
