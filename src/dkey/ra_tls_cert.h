#pragma once
// RA-TLS evidence: a TLS certificate whose key is bound to a quote of the TEE that holds it.
//
// The certificate is self-signed, X.509 v3, short-lived, on an ephemeral P-256 key that never
// leaves the process. Its non-critical extension kRaTlsQuoteOid carries the raw quote as the
// extension value (extnValue's octets are the quote bytes, as Intel's RA-TLS does); the quote's 64-byte report data is SHA-256(DER SubjectPublicKeyInfo of the
// certificate's key) followed by 32 zero bytes. A verifier recomputes the hash from the
// certificate it received, so a quote copied into a certificate for another key does not bind.
//
// The OID is Intel's RA-TLS quote extension (1.2.840.113741.1.13.1, what Intel's
// tee_get_certificate_with_evidence and upstream eHSM use), so tools that look for a quote in an
// RA-TLS certificate find it there. The binding is Gramine's (hash of the DER SPKI), not Intel's
// legacy hash of the PEM text: DER is canonical, the PEM form depends on line breaks.

#include <chrono>
#include <cstddef>

#include "common/bytes.h"
#include "common/status.h"
#include "crypto/ossl_ptr.h"
#include "tee/tee_platform.h"

namespace kms::dkey {

inline constexpr char kRaTlsQuoteOid[] = "1.2.840.113741.1.13.1";
// A DCAP quote with its certification chain is a few KiB; anything bigger is not one of ours.
inline constexpr size_t kMaxRaTlsQuoteBytes = 64 * 1024;

struct RaTlsCredentials {
  crypto::OsslPtr<EVP_PKEY> key;
  crypto::OsslPtr<X509> cert;
  std::chrono::system_clock::time_point not_after;
};

// A fresh key and a certificate valid from now - 5 min (clock skew) to now + `lifetime`, whose
// evidence is a quote from `platform`. Errors from the platform's GenerateQuote pass through.
StatusOr<RaTlsCredentials> MakeRaTlsCredentials(tee::TeePlatform& platform,
                                                std::chrono::seconds lifetime);

// The certificate alone, for `key` with `quote` as its evidence (which need not bind `key`:
// tests build mismatched certificates with it). REQUIRES: `key` is a private key.
StatusOr<crypto::OsslPtr<X509>> MakeRaTlsCertificate(EVP_PKEY& key, ByteView quote,
                                                     std::chrono::seconds lifetime);

// The report data a quote must carry for `cert`'s key: SHA-256(DER SPKI) || 32 zero bytes.
StatusOr<Bytes> RaTlsReportData(const X509& cert);
// The same for a bare key.
StatusOr<Bytes> RaTlsReportDataForKey(const EVP_PKEY& key);

// The quote in `cert`'s kRaTlsQuoteOid extension. kPermissionDenied (the certificate carries
// no evidence we accept) when it is missing, appears twice, is empty or longer than
// kMaxRaTlsQuoteBytes.
StatusOr<Bytes> ExtractRaTlsQuote(const X509& cert);

}  // namespace kms::dkey
