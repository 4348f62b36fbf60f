#pragma once
// VerifyItem: the check every collateral item passes before ehsm-pccs stores or serves it.
// Signed JSON (TCB info, enclave identities): the issuer chain is exactly TCB Signing + a
// root with the pinned root's key, the signing certificate chains to the pinned root and is
// not on the root CA CRL, the ECDSA signature covers the exact text, and
// issueDate <= at < nextUpdate. PCK CRL: its issuer (the PCK Processor or Platform CA of the
// chain) chains to the pinned root and is not revoked, it signed the CRL, and
// thisUpdate <= at < nextUpdate. Root CA CRL: signed by the pinned root, same window. PCK
// certificate: VerifyPckCertItem (pck_cert_item.h).
//
// Thread-safe free function.

#include <openssl/x509.h>

#include <span>

#include "common/status.h"
#include "pccs/collateral_item.h"

namespace kms::pccs {

// Verifies `item` as of Unix time `at` against `anchor` (the pinned Intel SGX Root CA), with
// `root_crl` (an already verified root CA CRL; may be null only for a root CA CRL item) and,
// for a PCK certificate, `pck_crls` (verified PCK CRLs, one of which its CA issued). On
// success fills the item's key (from its content; a PCK certificate keeps the key of its
// query), issue_date and next_update. On failure
// kInvalidArgument with the reason (e.g. "TcbInfoSignatureInvalid: TCB info: signature does
// not verify", "CollateralExpired: ..."); the item is then not to be stored.
Status VerifyItem(CollateralItem& item, X509& anchor, X509_CRL* root_crl, int64_t at,
                  std::span<X509_CRL* const> pck_crls = {});

}  // namespace kms::pccs
