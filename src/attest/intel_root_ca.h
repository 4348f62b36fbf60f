#pragma once
// The trust anchor of Intel DCAP attestation, pinned in the binary: every PCK chain, TCB info
// and QE identity must lead to this certificate. A root shipped inside a quote or collateral
// is never trusted by itself.

#include "common/bytes.h"

namespace kms::attest {

// DER of the "Intel SGX Root CA" certificate (659 bytes, static storage).
ByteView IntelSgxRootCaDer();

}  // namespace kms::attest
