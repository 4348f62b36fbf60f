#pragma once
// PCK certificates as ehsm-pccs caches them (GET pckcert, fetched through from the upstream):
// the item's body is the certificate's PEM as the upstream sent it, its issuer chain the PCK
// CA (Processor or Platform) and the root, its key the query it answers (PckCertKey), its
// window the certificate's notBefore/notAfter.
//
// Thread-safe free functions.

#include <openssl/x509.h>

#include <span>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "pccs/collateral_item.h"

namespace kms::pccs {

// "processor" or "platform": which PCK CA `ca` is, by its common name. kInvalidArgument
// (status CrlError, as for a PCK CRL's issuer) for any other.
StatusOr<std::string> PckCaType(X509& ca);

// Verifies a PCK certificate item as of `at`: its key is a PckCertKey, its body exactly one
// certificate carrying the SGX extension, its issuer chain a PCK CA and a root with the pinned
// root's key, and the certificate chains through that CA to `anchor`, nothing in the path
// revoked by `crls` (which must hold the root CA CRL and the PCK CRL of its CA). Fills
// issue_date and next_update from the certificate. kInvalidArgument "<status>: <reason>"
// otherwise (e.g. "PckChainError: ...", "Revoked: ...", "CrlError: ... unable to get
// certificate CRL" when the PCK CRL is missing).
Status VerifyPckCertItem(CollateralItem& item, X509& anchor, std::span<X509_CRL* const> crls,
                         int64_t at);

// The headers Intel's PCCS sends with a PCK certificate, derived from the item:
// SGX-TCBm (cpusvn || pcesvn little-endian, upper-case hex), SGX-FMSPC (upper-case hex) and
// SGX-PCK-Certificate-CA-Type. kInvalidArgument when the body or chain does not parse.
StatusOr<std::vector<std::pair<std::string, std::string>>> PckCertHeaders(
    const CollateralItem& item);

// Whether ASCII `a` and `b` are equal ignoring case (for header values such as hex).
bool EqualsIgnoringCase(std::string_view a, std::string_view b);

}  // namespace kms::pccs
