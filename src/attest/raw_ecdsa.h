#pragma once
// ECDSA P-256 / SHA-256 in the raw encodings DCAP uses: public keys as x || y (64 bytes, no
// 0x04 prefix) and signatures as r || s (64 bytes). OpenSSL wants SPKI and DER, so these
// helpers convert. Thread-safe free functions.

#include <openssl/evp.h>

#include "common/bytes.h"
#include "common/status.h"
#include "crypto/ossl_ptr.h"

namespace kms::attest {

// kInvalidArgument when `xy` is not 64 bytes or not a point on P-256.
StatusOr<crypto::OsslPtr<EVP_PKEY>> P256KeyFromRaw(ByteView xy);

// True iff `rs` (64 bytes) is a valid ECDSA-SHA256 signature of `message` by `key`. Malformed
// signatures are simply false.
bool VerifyRawEcdsaSha256(EVP_PKEY& key, ByteView message, ByteView rs);

// DER ECDSA-Sig-Value of a raw r || s; empty when `rs` is not 64 bytes.
Bytes RawSignatureToDer(ByteView rs);

// ECDSA-SHA256 signature of `message` by the P-256 private `key`, as r || s (64 bytes).
StatusOr<Bytes> SignRawEcdsaSha256(EVP_PKEY& key, ByteView message);

// The public key of a P-256 `key` as x || y (64 bytes).
StatusOr<Bytes> RawP256PublicKey(const EVP_PKEY& key);

}  // namespace kms::attest
