#pragma once
// Self-signed TLS material for a first start without configured certificates.

#include <cstdint>
#include <string>

#include "common/status.h"

namespace kms::net {

struct PemPair {
  std::string cert_pem;
  std::string key_pem;
};

// A fresh ECDSA P-256 key and a self-signed X.509 v3 certificate (CN `common_name`,
// SAN DNS:localhost, IP:127.0.0.1, IP:::1, valid `days` days).
StatusOr<PemPair> MakeSelfSignedCert(const std::string& common_name, int days);

// A certificate that expires within this many days is renewed (self-signed) or warned about
// (operator-supplied).
inline constexpr int kCertRenewDays = 30;

// Seconds from now until the notAfter of the first certificate in `cert_pem` (negative when it
// has expired).
StatusOr<int64_t> SecondsUntilExpiry(const std::string& cert_pem);

// Loads `<dir>/tls.crt` and `<dir>/tls.key`; if neither exists, or the certificate expires
// within kCertRenewDays, generates a pair and writes both (mode 0600) atomically. If only one
// exists, fails with a clear message.
StatusOr<PemPair> LoadOrCreateSelfSigned(const std::string& dir);

}  // namespace kms::net
