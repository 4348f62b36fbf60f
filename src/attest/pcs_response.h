#pragma once
// The bodies Intel's PCS and a PCCS send for TCB info and QE identity:
// `{"tcbInfo":{...},"signature":"<128 hex>"}` and `{"enclaveIdentity":{...},"signature":...}`.
// Intel signs the exact text of the inner object, so it is cut out of the body as it is and
// never re-serialised (docs/attestation.md).

#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/status.h"

namespace kms::attest {

struct SignedJson {
  std::string text;  // the exact text of the signed object
  Bytes signature;   // 64 bytes, raw r || s
};

// Cuts the value of the top-level member `key` out of `body` and decodes "signature".
// kInvalidArgument when the body is not a JSON object, larger than kMaxCollateralJsonSize,
// lacks either member, has `key` more than once, its value is not an object, or the signature
// is not 128 hex digits.
StatusOr<SignedJson> ParsePcsSignedJson(std::string_view body, std::string_view key);

// The body a PCS sends for `signed_text` under `key`: `{"<key>":<text>,"signature":"<hex>"}`
// (compact, lowercase hex, as Intel's service writes it).
std::string PcsSignedJsonBody(std::string_view key, std::string_view signed_text,
                              ByteView signature);

}  // namespace kms::attest
