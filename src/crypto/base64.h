#pragma once
// Standard base64 (RFC 4648 §4, `+/`, `=` padding), as the eHSM wire format uses everywhere.

#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/secret_bytes.h"
#include "common/status.h"

namespace kms::crypto {

std::string Base64Encode(ByteView data);

// True iff `s` is non-empty, its length is a multiple of 4, it uses only the standard alphabet
// and has at most two `=` only at the end (the upstream validator's rule
// `^[A-Za-z0-9+/]+={0,2}$` plus `len % 4 == 0`).
bool IsStrictBase64(std::string_view s);

// Decodes strict base64 (as IsStrictBase64; the empty string decodes to empty).
// Returns kInvalidArgument otherwise.
StatusOr<Bytes> Base64Decode(std::string_view s);
StatusOr<SecretBytes> Base64DecodeSecret(std::string_view s);

}  // namespace kms::crypto
