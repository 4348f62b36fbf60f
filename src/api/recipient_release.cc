#include "api/recipient_release.h"

#include <array>

#include "api/action_util.h"
#include "api/quote_check.h"
#include "crypto/base64.h"
#include "crypto/recipient_wrap.h"

namespace kms::api {
namespace {

const std::array kRecipientFields = {
    Base64Field("quote", Presence::kRequired, 1, 10924),
    UuidField("policyId", Presence::kRequired),
    Base64Field("publicKey", Presence::kRequired, 1, 4096),
};

}  // namespace

StatusOr<std::optional<Recipient>> CheckRecipient(KmsContext& ctx, const ActionRequest& r) {
  const boost::json::value* v = r.payload.if_contains("recipient");
  if (v == nullptr || v->is_null()) return std::optional<Recipient>();
  if (!v->is_object()) {
    return Status::InvalidArgument("Parameter invalid, The recipient must be an object.");
  }
  const boost::json::object& block = v->get_object();
  KMS_RETURN_IF_ERROR(Validate(block, kRecipientFields));
  Recipient recipient{.public_key_der = DecodeField(block, "publicKey")};
  Status key_ok = crypto::CheckRecipientKey(recipient.public_key_der);
  if (!key_ok.ok()) return Status::InvalidArgument("Parameter invalid, " + key_ok.message());

  auto policy = ctx.store().GetQuotePolicy(r.appid, std::string(GetString(block, "policyId")));
  if (!policy.ok()) {
    if (policy.status().code() == Code::kNotFound) {
      return Status::InvalidArgument(std::string(kInvalidPolicyMessage));
    }
    return policy.status();
  }
  Bytes quote = DecodeField(block, "quote");
  if (quote.size() > kMaxQuoteBytes) {
    return Status::InvalidArgument(std::string(kQuoteLengthMessage));
  }
  QuoteJudgement j = JudgeQuote(ctx.attestation().verifier.get(), quote, &*policy);
  if (!j.broken.empty()) return Status::InvalidArgument(j.broken);
  if (!j.result) return Status::PermissionDenied("The recipient is not trusted: " + j.reason);
  KMS_ASSIGN_OR_RETURN(Bytes bound, ChallengeReportData(GetString(block, "publicKey")));
  if (j.identity.report_data != bound) {
    return Status::PermissionDenied(
        "The recipient is not trusted: the quote's report data is not SHA-256 of its publicKey");
  }
  return std::optional<Recipient>(std::move(recipient));
}

StatusOr<boost::json::object> SealForRecipient(const Recipient& recipient, ByteView plaintext) {
  KMS_ASSIGN_OR_RETURN(crypto::RecipientCiphertext c,
                       crypto::EncryptToRecipient(recipient.public_key_der, plaintext));
  boost::json::object out;
  out["algorithm"] = c.algorithm;
  out["ciphertext"] = crypto::Base64Encode(c.ciphertext);
  if (!c.ephemeral_public_key.empty()) {
    out["ephemeralPublicKey"] = crypto::Base64Encode(c.ephemeral_public_key);
  }
  return out;
}

}  // namespace kms::api
