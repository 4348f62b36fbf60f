#pragma once
// Authentication of DCAP collateral: the CRLs, and the TCB info and QE identity texts with
// their signatures by Intel's TCB Signing certificate, all as of one verification time.

#include <openssl/x509.h>

#include <string_view>
#include <variant>

#include "attest/cert_chain.h"
#include "attest/collateral.h"
#include "attest/tcb_eval.h"
#include "attest/tcb_info.h"

namespace kms::attest {

struct AuthenticCollateral {
  crypto::OsslPtr<X509_CRL> root_ca_crl;
  crypto::OsslPtr<X509_CRL> pck_crl;
  TcbInfo tcb_info;
  QeIdentity qe_identity;
};

// Parses both CRLs ("CrlError"); verifies each issuer chain (exactly TCB Signing + a root with
// the anchor's key, the signing certificate chaining to `anchor` and not on the root CA CRL),
// then the ECDSA signature over the exact signed text ("TcbInfoSignatureInvalid",
// "QeIdentitySignatureInvalid"), then parses the text ("CollateralInvalid") and requires
// issueDate <= at < nextUpdate ("CollateralNotYetValid", "CollateralExpired").
std::variant<AuthenticCollateral, Rejection> AuthenticateCollateral(const Collateral& c,
                                                                    X509& anchor, int64_t at);

// One signed text of the collateral on its own (as AuthenticateCollateral checks it): the
// issuer chain to `anchor` with `root_crl`, the signature, the parse into `out` and
// issueDate <= at < nextUpdate. An empty Rejection when all hold.
Rejection AuthenticateTcbInfo(std::string_view issuer_chain, std::string_view text,
                              ByteView signature, X509& anchor, X509_CRL& root_crl, int64_t at,
                              TcbInfo* out);
Rejection AuthenticateQeIdentity(std::string_view issuer_chain, std::string_view text,
                                 ByteView signature, X509& anchor, X509_CRL& root_crl, int64_t at,
                                 QeIdentity* out);

// The rejection for a failed path validation of `what`; `untrusted` names the status used
// when the failure is not about time, revocation or CRLs.
Rejection ChainRejection(const ChainResult& r, std::string_view what, std::string_view untrusted);

}  // namespace kms::attest
