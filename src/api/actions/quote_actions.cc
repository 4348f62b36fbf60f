// GenerateQuote, VerifyQuote, UploadQuotePolicy, GetQuotePolicy: remote attestation
// (spec/api.md §6), with the upstream defects of Q7 fixed: the challenge is bound into the
// quote, a quote that does not match the policy is `result: false` with a reason (not 500),
// and `sign` covers every result field. docs/attestation.md, "The KMS's attestation actions".

#include <array>
#include <cctype>
#include <chrono>
#include <optional>

#include "api/action.h"
#include "api/action_util.h"
#include "api/quote_check.h"
#include "common/log.h"
#include "crypto/base64.h"
#include "crypto/random.h"

namespace kms::api {
namespace {

constexpr std::string_view kServerException = "Server exception.";

bool IsHex(std::string_view s) {
  for (char c : s) {
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

const std::array kGenerateFields = {
    Base64Field("challenge", Presence::kRequired, 1, 4096),
};
const std::array kVerifyFields = {
    Base64Field("quote", Presence::kRequired, 1, 10924),
    Base64Field("nonce", Presence::kRequired, 1, 4096),
    UuidField("policyId", Presence::kOptional),
};
const std::array kUploadFields = {
    StringField("mr_enclave", Presence::kRequired, 64, 64, &IsHex),
    StringField("mr_signer", Presence::kRequired, 64, 64, &IsHex),
};
const std::array kGetPolicyFields = {
    UuidField("policyId", Presence::kRequired),
};

Reply PolicyStoreFailure(const ActionRequest& r, const Status& status) {
  log::Error("attest.store_failed", {{"rid", r.request_id}, {"status", status.ToString()}});
  if (status.code() == Code::kUnavailable) return FromStatus(status);
  return Reply::ServerError(std::string(kInternalErrorMessage));
}

}  // namespace

Reply GenerateQuote(KmsContext& ctx, const ActionRequest& r) {
  KMS_VALIDATE_OR_REPLY(r.payload, kGenerateFields);
  std::string_view challenge = GetString(r.payload, "challenge");
  tee::TeePlatform* platform = ctx.attestation().platform;
  StatusOr<Bytes> quote = Status::FailedPrecondition("no TEE platform");
  if (platform != nullptr) {
    auto report_data = ChallengeReportData(challenge);
    quote = report_data.ok() ? platform->GenerateQuote(*report_data) : report_data.status();
  }
  if (!quote.ok()) {
    log::Error("attest.generate_quote_failed",
               {{"rid", r.request_id}, {"status", quote.status().ToString()}});
    return Reply::ServerError(std::string(kServerException));
  }
  boost::json::object result;
  result["challenge"] = challenge;
  result["quote"] = crypto::Base64Encode(*quote);
  return Reply::Ok("success!", std::move(result));
}

Reply VerifyQuote(KmsContext& ctx, const ActionRequest& r) {
  KMS_VALIDATE_OR_REPLY(r.payload, kVerifyFields);
  std::string policy_id(GetString(r.payload, "policyId"));
  std::optional<store::QuotePolicyRecord> policy;
  if (!policy_id.empty()) {
    auto found = ctx.store().GetQuotePolicy(r.appid, policy_id);
    if (!found.ok()) {
      if (found.status().code() == Code::kNotFound) {
        return Reply::BadRequest(std::string(kInvalidPolicyMessage));
      }
      return PolicyStoreFailure(r, found.status());
    }
    policy = std::move(found).value();
  }
  Bytes quote = DecodeField(r.payload, "quote");
  if (quote.empty() || quote.size() > kMaxQuoteBytes) {
    return Reply::BadRequest(std::string(kQuoteLengthMessage));
  }

  QuoteJudgement outcome =
      JudgeQuote(ctx.attestation().verifier.get(), quote, policy ? &*policy : nullptr);
  if (!outcome.broken.empty()) return Reply::BadRequest(outcome.broken);

  boost::json::object result;
  result["result"] = outcome.result;
  result["qv_result"] = outcome.qv_result;
  result["nonce"] = GetString(r.payload, "nonce");
  if (policy) {
    result["mr_enclave"] = policy->mr_enclave;
    result["mr_signer"] = policy->mr_signer;
  }
  if (!outcome.result) result["reason"] = outcome.reason;

  auto tenant = ctx.GetTenant(r.appid);
  StatusOr<std::string> sign =
      tenant.ok() ? ctx.vault().SignWithApikey(r.appid, (*tenant)->cmk_blob,
                                               (*tenant)->apikey_blob,
                                               VerifyQuoteSigningString(result))
                  : StatusOr<std::string>(tenant.status());
  if (!sign.ok()) {
    log::Error("attest.sign_failed", {{"rid", r.request_id}, {"status", sign.status().ToString()}});
    return Reply::BadRequest("Internal error");  // upstream's answer to an HMAC failure
  }
  result["sign"] = *sign;
  log::Audit("VerifyQuote", r.appid, policy_id.empty() ? "-" : policy_id,
             outcome.result ? "true" : "false", {{"rid", r.request_id}});
  return Reply::Ok("success!", std::move(result));
}

Reply UploadQuotePolicy(KmsContext& ctx, const ActionRequest& r) {
  KMS_VALIDATE_OR_REPLY(r.payload, kUploadFields);
  auto uuid = crypto::RandomUuid();
  if (!uuid.ok()) return PolicyStoreFailure(r, uuid.status());
  store::QuotePolicyRecord policy{.policy_id = *uuid,
                                  .appid = r.appid,
                                  .mr_enclave = std::string(GetString(r.payload, "mr_enclave")),
                                  .mr_signer = std::string(GetString(r.payload, "mr_signer")),
                                  .create_time_ms = ctx.clock().NowMs()};
  Status stored = ctx.store().CreateQuotePolicy(policy);
  if (!stored.ok()) return PolicyStoreFailure(r, stored);
  log::Audit("UploadQuotePolicy", r.appid, policy.policy_id, "ok", {{"rid", r.request_id}});
  boost::json::object result;
  result["policyId"] = policy.policy_id;
  return Reply::Ok("Upload quote policy success.", std::move(result));
}

Reply GetQuotePolicy(KmsContext& ctx, const ActionRequest& r) {
  KMS_VALIDATE_OR_REPLY(r.payload, kGetPolicyFields);
  auto policy = ctx.store().GetQuotePolicy(r.appid, std::string(GetString(r.payload, "policyId")));
  if (!policy.ok()) {
    // Unknown and another tenant's are one answer, so ids of others cannot be probed.
    if (policy.status().code() == Code::kNotFound) {
      return Reply::BadRequest(std::string(kInvalidPolicyMessage));
    }
    return PolicyStoreFailure(r, policy.status());
  }
  boost::json::object result;
  result["policyId"] = policy->policy_id;
  result["mr_enclave"] = policy->mr_enclave;
  result["mr_signer"] = policy->mr_signer;
  result["createTime"] = policy->create_time_ms;
  return Reply::Ok("Query quote policy success.", std::move(result));
}

}  // namespace kms::api
