#pragma once
// TCB evaluation, as Intel's QVL does it: the QE identity against the QE report, the PCK
// certificate's TCB (and for TDX the TD report's TEE_TCB_SVN and TDX module) against the TCB
// info levels, the convergence of the results, and the sgx_ql_qv_result_t of a status. All
// inputs must already be authenticated (signatures checked by the caller).

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "attest/pck_cert.h"
#include "attest/quote.h"
#include "attest/tcb_info.h"

namespace kms::attest {

// A failed verification step: a short name (the verdict's `status`) and a readable reason.
struct Rejection {
  std::string status;
  std::string error;
};

struct TcbVerdict {
  TcbStatus status = TcbStatus::kRevoked;
  std::vector<std::string> advisory_ids;
};

using TcbOutcome = std::variant<TcbVerdict, Rejection>;

// The QE report's MISCSELECT, ATTRIBUTES, MRSIGNER and ISVPRODID must match `qe` (else
// "QeIdentityMismatch"); the status is that of the first level whose isvsvn <= the report's
// ISVSVN, Revoked when none is.
TcbOutcome EvaluateQeIdentity(const QeIdentity& qe, ByteView qe_report);

// TDX only: MRSIGNERSEAM and SEAMATTRIBUTES against the TCB info's "tdxModule" (else
// "TdxModuleMismatch"). Returns an empty status on success.
Rejection CheckTdxModule(const TcbInfo& info, const ParsedQuote& quote);

// The first TCB level the platform meets (every PCK component SVN and the PCESVN, for TDX also
// TEE_TCB_SVN, at least the level's), merged with the TDX module identity's level for TDX;
// "TcbNotSupported" when no level matches.
TcbOutcome EvaluateTcbLevel(const TcbInfo& info, const PckExtension& pck, const ParsedQuote& quote);

// Intel's convergence of a TCB level status with the QE (or TDX module) status: an OutOfDate
// QE makes UpToDate/SWHardeningNeeded OutOfDate and the Configuration* statuses
// OutOfDateConfigurationNeeded; a Revoked one makes everything Revoked.
TcbStatus Converge(TcbStatus tcb, TcbStatus other);

// SGX_QL_QV_RESULT_UNSPECIFIED: what QvE reports with every terminal failure.
inline constexpr uint32_t kQvResultUnspecified = 0xA006;

// sgx_ql_qv_result_t of a status: 0x0000, 0xA001, 0xA002, 0xA003, 0xA007, 0xA008. Revoked is
// terminal in Intel's QvE, which then forces 0xA006, so it maps to 0xA006 too.
uint32_t QvResultOf(TcbStatus s);

}  // namespace kms::attest
