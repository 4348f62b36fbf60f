#pragma once
// DCAP collateral: what a verifier needs besides the quote to judge it (Intel's
// sgx_ql_qve_collateral_t; dcap-qvl's QuoteCollateralV3). Everything in it is signed by Intel,
// so it may come from an untrusted source (a PCCS, a file).

#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/status.h"

namespace kms::attest {

struct Collateral {
  std::string pck_crl_issuer_chain;      // PEM: PCK Processor/Platform CA, then root
  Bytes root_ca_crl;                     // DER, issued by the root
  Bytes pck_crl;                         // DER, issued by the PCK CA
  std::string tcb_info_issuer_chain;     // PEM: TCB Signing, then root
  std::string tcb_info;                  // the exact signed text of the "tcbInfo" object
  Bytes tcb_info_signature;              // 64 bytes, raw r || s
  std::string qe_identity_issuer_chain;  // PEM: TCB Signing, then root
  std::string qe_identity;               // the exact signed text of "enclaveIdentity"
  Bytes qe_identity_signature;           // 64 bytes, raw r || s
};

// Upper bound on a collateral document; real ones are 15-20 KB.
inline constexpr size_t kMaxCollateralJsonSize = 1 << 20;

// Reads the dcap-qvl JSON form: one object with the nine fields above as strings, CRLs in hex
// (PEM and DER-as-text are accepted too, see DecodeCrl), signatures as 128 hex digits. The
// signed texts are kept byte for byte as the JSON string values decode; they are not parsed
// here. kInvalidArgument for malformed JSON, a missing or non-string field, a bad CRL encoding
// or a signature that is not 64 bytes.
StatusOr<Collateral> ParseCollateralJson(std::string_view json);

// A CRL as PCS and PCCS serve it: PEM ("-----BEGIN X509 CRL-----"), hex text of the DER, or
// the DER itself. Returns the DER; kInvalidArgument when PEM or hex does not decode or the
// text exceeds kMaxCollateralJsonSize.
StatusOr<Bytes> DecodeCrl(std::string_view text);

}  // namespace kms::attest
