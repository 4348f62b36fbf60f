#pragma once
// Bring-your-own-key: wrapping raw key material with the RSA public key returned by
// GetParametersForImport, as ImportKeyMaterial expects it. Thread-safe.

#include <string_view>

#include "common/bytes.h"
#include "kms/result.h"

namespace kms::client {

// RSA-encrypts `raw_key` under `pubkey_pem` (PKCS#1 "RSA PUBLIC KEY" or SPKI "PUBLIC KEY").
// `padding_mode`: "EH_RSA_PKCS1_OAEP" (OAEP, SHA-256 and MGF1-SHA-256, empty label; preferred)
// or "EH_RSA_PKCS1" (PKCS#1 v1.5). Fails with kInvalidArgument on an unusable key or padding.
Result<Bytes> WrapKeyMaterial(std::string_view pubkey_pem, ByteView raw_key,
                              std::string_view padding_mode);

}  // namespace kms::client
