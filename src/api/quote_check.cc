#include "api/quote_check.h"

#include <array>
#include <cctype>
#include <chrono>
#include <string>

#include "crypto/hmac.h"
#include "protocol/canonical.h"

namespace kms::api {
namespace {

std::string LowerHex(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string CheckMeasurement(std::string_view name, ByteView quoted, std::string_view wanted) {
  const std::string quoted_hex = HexEncode(quoted);
  if (quoted_hex == LowerHex(wanted)) return "";
  return "the quote's " + std::string(name) + " " + quoted_hex + " differs from the policy's " +
         std::string(wanted);
}

}  // namespace

StatusOr<Bytes> ChallengeReportData(std::string_view challenge) {
  KMS_ASSIGN_OR_RETURN(auto digest, crypto::Sha256(AsBytes(challenge)));
  Bytes report_data(64, 0);
  std::copy(digest.begin(), digest.end(), report_data.begin());
  return report_data;
}

bool VerdictMeansBrokenQuote(const attest::QuoteVerdict& verdict) {
  static constexpr std::array<std::string_view, 4> kBroken = {
      "QuoteSignatureInvalid", "QeReportSignatureInvalid", "QeReportDataMismatch",
      "UnsupportedCertificationData"};
  if (verdict.verified) return false;
  for (std::string_view s : kBroken) {
    if (verdict.status == s) return true;
  }
  return false;
}

std::string PolicyMismatch(const attest::QuoteIdentity& identity,
                           const store::QuotePolicyRecord& policy) {
  if (identity.tee == "tdx") {
    return "the policy names an enclave (mr_enclave, mr_signer) but the quote is of a TDX TD";
  }
  std::string why = CheckMeasurement("MRENCLAVE", identity.mrenclave, policy.mr_enclave);
  if (!why.empty()) return why;
  return CheckMeasurement("MRSIGNER", identity.mrsigner, policy.mr_signer);
}

QuoteJudgement JudgeQuote(const attest::QuoteVerifier* verifier, ByteView quote,
                          const store::QuotePolicyRecord* policy) {
  QuoteJudgement j;
  StatusOr<attest::QuoteVerdict> verdict =
      verifier != nullptr ? verifier->Verify(quote, std::chrono::system_clock::now())
                          : Status::Unavailable("this KMS has no quote verifier");
  if (!verdict.ok()) {
    if (verdict.status().code() == Code::kInvalidArgument) {
      j.broken = "The quote is invalid: " + verdict.status().message();
    } else {
      // No collateral for a real quote (none configured, or the PCCS is down): not verified.
      j.reason = "cannot verify the quote: " + verdict.status().message();
    }
    return j;
  }
  j.identity = verdict->identity;
  j.qv_result = verdict->qv_result;
  if (VerdictMeansBrokenQuote(*verdict)) {
    j.broken = "The quote is invalid: " + verdict->status + ": " + verdict->error;
  } else if (!verdict->verified) {
    j.reason = verdict->status + ": " + verdict->error;
  } else if (policy != nullptr) {
    j.reason = PolicyMismatch(verdict->identity, *policy);
  }
  j.result = verdict->verified && j.broken.empty() && j.reason.empty();
  return j;
}

std::string VerifyQuoteSigningString(const boost::json::object& result) {
  boost::json::object text;
  for (const auto& [key, value] : result) {
    if (value.is_bool()) {
      text[key] = value.get_bool() ? "true" : "false";
    } else if (value.is_int64()) {
      text[key] = std::to_string(value.get_int64());  // canon() would skip a zero
    } else if (value.is_uint64()) {
      text[key] = std::to_string(value.get_uint64());
    } else {
      text[key] = value;
    }
  }
  return protocol::Canonicalize(text, protocol::EmptyValues::kDrop);
}

}  // namespace kms::api
