#pragma once
// QuoteVerifier: the one verifier of remote-attestation evidence (DCAP quotes: SGX v3/v4,
// TDX v4/v5, and the `sim` backend's quotes, which use the SGX v3 layout under a simulation
// PKI). The domain-key daemons, the KMS's VerifyQuote action and `ehsm quote verify` all call
// it, so a quote means the same thing everywhere.
//
// Implementations are thread-safe.

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/bytes.h"
#include "common/status.h"

namespace kms::attest {

// What a quote says about the code that produced it. SGX and sim quotes fill the enclave
// fields; TDX quotes fill the TD fields. Hashes are raw bytes (hex them for display).
struct QuoteIdentity {
  std::string tee;       // "sgx", "tdx" or "sim"
  uint16_t version = 0;  // quote format version (3, 4, 5)
  Bytes report_data;     // 64 bytes
  Bytes fmspc;           // 6 bytes, from the PCK certificate
  // SGX and sim
  Bytes mrenclave;  // 32 bytes
  Bytes mrsigner;   // 32 bytes
  uint16_t isvprodid = 0;
  uint16_t isvsvn = 0;
  bool debug = false;  // ATTRIBUTES.DEBUG (SGX) or TD_ATTRIBUTES.DEBUG (TDX)
  // TDX
  Bytes mrtd;                  // 48 bytes
  std::array<Bytes, 4> rtmr;   // 48 bytes each
};

// The outcome of a verification whose quote could be parsed.
struct QuoteVerdict {
  // True iff the PCK chain reaches the pinned root, no certificate is revoked, every signature
  // holds, every validity window contains the verification time, a TCB level matched and its
  // status is not Revoked. A caller still decides which statuses it accepts (`qv_result`).
  bool verified = false;
  // Intel's TCB status name when a level matched ("UpToDate", "SWHardeningNeeded",
  // "ConfigurationNeeded", "ConfigurationAndSWHardeningNeeded", "OutOfDate",
  // "OutOfDateConfigurationNeeded", "Revoked"), otherwise a short failure name.
  std::string status;
  uint32_t qv_result = 0;  // sgx_ql_qv_result_t as Intel's QVL reports it (0 = OK, 0xA00x …)
  std::vector<std::string> advisory_ids;
  std::string error;  // why `verified` is false; empty otherwise
  QuoteIdentity identity;  // filled as far as parsing got
};

class QuoteVerifier {
 public:
  virtual ~QuoteVerifier() = default;

  // Verifies `quote` as of `at`. kInvalidArgument when the bytes are not a quote (truncated,
  // bad lengths, unknown version or key type); the collateral source's kNotFound (none for this
  // platform) or kUnavailable (cannot be obtained now); otherwise a verdict (which may say
  // `verified = false`). Sim quotes verify only when the verifier was built to allow
  // simulation; otherwise they are refused with a verdict whose error says so.
  virtual StatusOr<QuoteVerdict> Verify(ByteView quote,
                                        std::chrono::system_clock::time_point at) const = 0;
};

}  // namespace kms::attest
