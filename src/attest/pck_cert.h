#pragma once
// PCK certificates: splitting the PEM chains of quotes and collateral, and decoding the SGX
// extension (OID 1.2.840.113741.1.13.1) whose TCB values TCB matching uses.

#include <openssl/x509.h>

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"
#include "crypto/ossl_ptr.h"

namespace kms::attest {

using X509Ptr = crypto::OsslPtr<X509>;

// The certificates of a PEM text, in order. Text around and between the PEM blocks (the NUL
// byte Intel's QE appends, whitespace) is ignored. kInvalidArgument for a malformed block, no
// certificate, or more than `max_certs` (so a hostile chain cannot make us parse thousands).
StatusOr<std::vector<X509Ptr>> ParsePemChain(std::string_view pem, size_t max_certs);

// Decoded SGX extension of a PCK leaf certificate.
struct PckExtension {
  std::array<uint16_t, 16> sgx_tcb_svn{};  // TCB components 1..16 (OIDs .2.1 - .2.16)
  uint16_t pcesvn = 0;                     // .2.17
  Bytes cpusvn;                            // .2.18, 16 bytes
  Bytes ppid;                              // .1, 16 bytes
  Bytes pce_id;                            // .3, 2 bytes
  Bytes fmspc;                             // .4, 6 bytes
};

// Decodes the extension's DER value (a SEQUENCE OF SEQUENCE {OID, value}); kInvalidArgument
// for malformed DER or a missing or mis-sized FMSPC, PCE-ID, component SVN or PCESVN.
StatusOr<PckExtension> DecodePckExtension(ByteView der);

// Finds and decodes the SGX extension of `cert`; kInvalidArgument when absent or malformed.
StatusOr<PckExtension> ReadPckExtension(const X509& cert);

// The subject's common name, or "" when there is none.
std::string CommonName(const X509_NAME* name);

}  // namespace kms::attest
