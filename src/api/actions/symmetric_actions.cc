// Encrypt, Decrypt, GenerateDataKey, GenerateDataKeyWithoutPlaintext.

#include <array>

#include "api/action.h"
#include "api/action_util.h"
#include "api/cmk_resolver.h"
#include "api/recipient_release.h"
#include "crypto/base64.h"

namespace kms::api {
namespace {

const std::array kEncryptFields = {
    UuidField("keyid", Presence::kRequired),
    Base64Field("plaintext", Presence::kRequired, 1, 8192),
    Base64Field("aad", Presence::kOptional, std::nullopt, 8192),
};
const std::array kDecryptFields = {
    UuidField("keyid", Presence::kRequired),
    Base64Field("ciphertext", Presence::kRequired, 1, 8232),
    Base64Field("aad", Presence::kOptional, std::nullopt, 8192),
};
const std::array kDataKeyFields = {
    UuidField("keyid", Presence::kRequired),
    IntField("keylen", Presence::kRequired, 1, 1024),
    Base64Field("aad", Presence::kOptional, std::nullopt, 8192),
};

// SM4-CTR and SM4-CBC carry no tag, so an aad would be accepted and never checked: refuse it
// rather than let a caller believe it binds the ciphertext (spec §7 Q8).
bool AadRefused(const ResolvedKey& key, const boost::json::object& payload) {
  bool sm4 = key.ref.spec == keys::KeySpec::kSm4Ctr || key.ref.spec == keys::KeySpec::kSm4Cbc;
  return sm4 && !DecodeField(payload, "aad").empty();
}
constexpr std::string_view kSm4AadMessage =
    "Parameter invalid, SM4 modes carry no integrity and no AAD: the aad must be empty.";

Reply DataKey(KmsContext& ctx, const ActionRequest& r, bool with_plaintext) {
  KMS_VALIDATE_OR_REPLY(r.payload, kDataKeyFields);
  KMS_ASSIGN_OR_REPLY(ResolvedKey key,
                      ResolveCmk(ctx, r.appid, std::string(GetString(r.payload, "keyid"))));
  if (AadRefused(key, r.payload)) return Reply::BadRequest(std::string(kSm4AadMessage));
  size_t len = static_cast<size_t>(*GetInt(r.payload, "keylen"));
  std::optional<Recipient> recipient;
  if (with_plaintext) {
    KMS_ASSIGN_OR_REPLY(recipient, CheckRecipient(ctx, r));
  }
  KMS_ASSIGN_OR_REPLY(keys::DataKey dk,
                      ctx.vault().GenerateDataKey(key.ref, len, DecodeField(r.payload, "aad")));
  boost::json::object result;
  if (recipient) {
    KMS_ASSIGN_OR_REPLY(result["recipient"], SealForRecipient(*recipient, dk.plaintext.view()));
  } else if (with_plaintext) {
    result["plaintext"] = EncodeSecret(dk.plaintext);
  }
  result["ciphertext"] = crypto::Base64Encode(dk.ciphertext);
  return Reply::Ok("success!", std::move(result));
}

}  // namespace

Reply Encrypt(KmsContext& ctx, const ActionRequest& r) {
  KMS_VALIDATE_OR_REPLY(r.payload, kEncryptFields);
  KMS_ASSIGN_OR_REPLY(ResolvedKey key,
                      ResolveCmk(ctx, r.appid, std::string(GetString(r.payload, "keyid"))));
  if (AadRefused(key, r.payload)) return Reply::BadRequest(std::string(kSm4AadMessage));
  SecretBytes plaintext = DecodeSecretField(r.payload, "plaintext");
  if (plaintext.size() > 6144) {
    return Reply::BadRequest("Parameter invalid, The plaintext length error.");
  }
  KMS_ASSIGN_OR_REPLY(Bytes ct, ctx.vault().Encrypt(key.ref, plaintext.view(),
                                                    DecodeField(r.payload, "aad")));
  return Reply::Ok("success!", {{"ciphertext", crypto::Base64Encode(ct)}});
}

Reply Decrypt(KmsContext& ctx, const ActionRequest& r) {
  KMS_VALIDATE_OR_REPLY(r.payload, kDecryptFields);
  KMS_ASSIGN_OR_REPLY(ResolvedKey key,
                      ResolveCmk(ctx, r.appid, std::string(GetString(r.payload, "keyid"))));
  if (AadRefused(key, r.payload)) return Reply::BadRequest(std::string(kSm4AadMessage));
  KMS_ASSIGN_OR_REPLY(std::optional<Recipient> recipient, CheckRecipient(ctx, r));
  auto pt = ctx.vault().Decrypt(key.ref, DecodeField(r.payload, "ciphertext"),
                                DecodeField(r.payload, "aad"));
  if (!pt.ok()) {
    if (pt.status().code() == Code::kDataLoss) {
      return Reply::BadRequest(std::string(kDecryptFailedMessage));
    }
    return FromStatus(pt.status());
  }
  if (recipient) {
    KMS_ASSIGN_OR_REPLY(boost::json::object sealed, SealForRecipient(*recipient, pt->view()));
    return Reply::Ok("success!", {{"recipient", std::move(sealed)}});
  }
  return Reply::Ok("success!", {{"plaintext", EncodeSecret(*pt)}});
}

Reply GenerateDataKey(KmsContext& ctx, const ActionRequest& r) { return DataKey(ctx, r, true); }

Reply GenerateDataKeyWithoutPlaintext(KmsContext& ctx, const ActionRequest& r) {
  return DataKey(ctx, r, false);
}

}  // namespace kms::api
