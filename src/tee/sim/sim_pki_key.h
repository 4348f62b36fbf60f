#pragma once
// DeriveSimPkiKey: the P-256 keys of the sim attestation PKI, derived from the platform secret,
// so every process given one platform secret has the same sim root (and PCK and attestation
// keys) without storing any of them.

#include <string_view>

#include "common/status.h"
#include "common/bytes.h"
#include "crypto/ossl_ptr.h"

namespace kms::tee {

// The P-256 key pair whose private scalar is d = (v mod (n - 1)) + 1, where v is 48 bytes of
// HKDF-SHA256(ikm = platform_secret, salt = "ehsm-sim-attestation-v1", info = label), read as a
// big-endian integer (the 128 extra bits make the bias of the reduction negligible). The same
// secret and label always give the same key; intermediate secrets are wiped.
StatusOr<crypto::OsslPtr<EVP_PKEY>> DeriveSimPkiKey(ByteView platform_secret,
                                                    std::string_view label);

}  // namespace kms::tee
