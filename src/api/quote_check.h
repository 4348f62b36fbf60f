#pragma once
// The judgements behind the remote-attestation actions and the attestation-gated release:
// what GenerateQuote binds into its quote, how a verifier's verdict is read, whether a quote
// matches a tenant's quote policy, and the string VerifyQuote's `sign` covers
// (docs/attestation.md, "The KMS's attestation actions"). Thread-safe.

#include <boost/json/object.hpp>
#include <string>
#include <string_view>

#include "attest/quote_verifier.h"
#include "common/bytes.h"
#include "common/status.h"
#include "store/records.h"

namespace kms::api {

// Upstream's texts, typos included (clients match them).
inline constexpr std::string_view kInvalidPolicyMessage = "Invalid  policyId.";
inline constexpr std::string_view kQuoteLengthMessage = "The quote's length is invalid.";
// A DCAP quote is a few KiB (upstream's bound on the decoded quote).
inline constexpr size_t kMaxQuoteBytes = 8192;

// The 64 bytes of report data a GenerateQuote quote carries: SHA-256 of the challenge exactly
// as sent (the bytes of its base64 text, not the decoded bytes), then 32 zero bytes.
StatusOr<Bytes> ChallengeReportData(std::string_view challenge);

// True when a verdict that is not verified says the quote itself is broken — a signature or
// binding inside it does not hold (QuoteSignatureInvalid, QeReportSignatureInvalid,
// QeReportDataMismatch) or its certification data is not of a supported type — which
// VerifyQuote answers with 400, as it answers bytes that are not a quote at all. Every other
// refusal (simulation not allowed, an untrusted chain, collateral, TCB status, revocation) is
// about trust, not about the bytes, and gets `result: false` with a reason.
bool VerdictMeansBrokenQuote(const attest::QuoteVerdict& verdict);

// Empty when `identity` (of a verified SGX or sim quote) has the policy's MRENCLAVE and
// MRSIGNER (hex compared case-insensitively), else why not, naming both values.
std::string PolicyMismatch(const attest::QuoteIdentity& identity,
                           const store::QuotePolicyRecord& policy);

// A quote judged as VerifyQuote answers it.
struct QuoteJudgement {
  // The quote is not a quote or its own signatures fail: answer 400 with this message.
  std::string broken;
  bool result = false;             // verified and, with a policy, matching it
  int64_t qv_result = 0xA006;      // the verifier's; Intel's UNSPECIFIED when there is no verdict
  std::string reason;              // why not, when !result (and the quote is not broken)
  attest::QuoteIdentity identity;  // as far as the verifier got
};

// Verifies `quote` with `verifier` (null: not available) at the current time and, when it
// verifies, checks it against `policy` (null: no policy).
QuoteJudgement JudgeQuote(const attest::QuoteVerifier* verifier, ByteView quote,
                          const store::QuotePolicyRecord* policy);

// What VerifyQuote's `sign` is the HMAC of: canon() of `result` (the reply's result object
// without `sign`) with every boolean and number written as its text ("true", "false", "0"), so
// that no field is ever skipped. Upstream signed canon() of the raw values, which leaves a
// zero `result` out of the MAC (spec/api.md Q7).
std::string VerifyQuoteSigningString(const boost::json::object& result);

}  // namespace kms::api
