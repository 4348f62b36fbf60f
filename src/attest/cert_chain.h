#pragma once
// X.509 path validation for DCAP: one pinned trust anchor, CRLs, and a caller-chosen time.
// Thread-safe free functions (each call builds its own store).

#include <openssl/x509.h>

#include <cstdint>
#include <span>
#include <string>

#include "common/bytes.h"
#include "common/status.h"
#include "crypto/ossl_ptr.h"

namespace kms::attest {

enum class ChainError {
  kNone,
  kExpired,      // a certificate or CRL was no longer valid at the verification time
  kNotYetValid,  // a certificate or CRL was not yet valid
  kRevoked,      // a certificate in the path is on a CRL
  kCrl,          // a CRL is missing, badly signed or malformed
  kUntrusted,    // no path to the anchor, bad signature, or a certificate profile error
};

struct ChainResult {
  ChainError error = ChainError::kNone;
  std::string message;  // OpenSSL's reason and the depth, when error != kNone
  bool ok() const { return error == ChainError::kNone; }
};

// Verifies `leaf` through `intermediates` to `anchor`, the only trusted certificate, as of
// Unix time `at` (every certificate's and CRL's window must contain it), with strict X.509
// checks. Every certificate in the path is checked against `crls` (so the CRL of each issuer
// must be there).
ChainResult VerifyCertChain(X509& anchor, X509& leaf, std::span<X509* const> intermediates,
                            std::span<X509_CRL* const> crls, int64_t at);

// A DER CRL; kInvalidArgument when it does not parse.
StatusOr<crypto::OsslPtr<X509_CRL>> CrlFromDer(ByteView der);
// A DER certificate; kInvalidArgument when it does not parse.
StatusOr<crypto::OsslPtr<X509>> CertFromDer(ByteView der);

// An ASN.1 time (a certificate's or CRL's bound) as Unix seconds; kInvalidArgument when null
// or unreadable.
StatusOr<int64_t> AsnTimeToUnix(const ASN1_TIME* t);

// True iff the two certificates carry the same public key.
bool SamePublicKey(const X509& a, const X509& b);

}  // namespace kms::attest
