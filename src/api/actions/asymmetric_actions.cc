// AsymmetricEncrypt, AsymmetricDecrypt, Sign, Verify, GetPublicKey, ExportDataKey.

#include <array>

#include "api/action.h"
#include "api/action_util.h"
#include "api/cmk_resolver.h"
#include "crypto/base64.h"

namespace kms::api {
namespace {

const std::array kAsymEncryptFields = {
    UuidField("keyid", Presence::kRequired),
    Base64Field("plaintext", Presence::kRequired, 1, 8192),
    ConstField("padding_mode", Presence::kRequired, keys::PaddingModeNames()),
};
const std::array kAsymDecryptFields = {
    UuidField("keyid", Presence::kRequired),
    Base64Field("ciphertext", Presence::kRequired, 1, 8192),
    ConstField("padding_mode", Presence::kRequired, keys::PaddingModeNames()),
};
const std::array kSignFields = {
    UuidField("keyid", Presence::kRequired),
    Base64Field("message", Presence::kRequired, 1, 8192),
    ConstField("message_type", Presence::kRequired, keys::MessageTypeNames()),
    ConstField("digest_mode", Presence::kRequired, keys::DigestModeNames()),
    ConstField("padding_mode", Presence::kRequired, keys::PaddingModeNames()),
};
const std::array kVerifyFields = {
    UuidField("keyid", Presence::kRequired),
    Base64Field("message", Presence::kRequired, 1, 8192),
    ConstField("message_type", Presence::kRequired, keys::MessageTypeNames()),
    ConstField("digest_mode", Presence::kRequired, keys::DigestModeNames()),
    ConstField("padding_mode", Presence::kRequired, keys::PaddingModeNames()),
    Base64Field("signature", Presence::kRequired, 1, 8192),
};
const std::array kKeyIdFields = {UuidField("keyid", Presence::kRequired)};
// `olddatakey_base` is what upstream reads; its documentation calls the field `olddatakey`,
// so either is accepted (olddatakey_base wins when both are sent).
const std::array kExportFields = {
    UuidField("keyid", Presence::kRequired),
    StringField("ukeyid", Presence::kRequired, 1, 8192),
    Base64Field("aad", Presence::kOptional, std::nullopt, 8192),
    StringField("olddatakey_base", Presence::kOptional, 1, 8192),
    StringField("olddatakey", Presence::kOptional, 1, 8192),
};

keys::PaddingMode Padding(const boost::json::object& p) {
  return *keys::ParsePaddingMode(GetString(p, "padding_mode"));
}

keys::SignParams SignParamsOf(const boost::json::object& p) {
  return {.digest = *keys::ParseDigestMode(GetString(p, "digest_mode")),
          .padding = Padding(p),
          .type = *keys::ParseMessageType(GetString(p, "message_type"))};
}

StatusOr<ResolvedKey> Resolve(KmsContext& ctx, const ActionRequest& r, std::string_view field) {
  return ResolveCmk(ctx, r.appid, std::string(GetString(r.payload, field)));
}

}  // namespace

Reply AsymmetricEncrypt(KmsContext& ctx, const ActionRequest& r) {
  KMS_VALIDATE_OR_REPLY(r.payload, kAsymEncryptFields);
  KMS_ASSIGN_OR_REPLY(ResolvedKey key, Resolve(ctx, r, "keyid"));
  SecretBytes plaintext = DecodeSecretField(r.payload, "plaintext");
  KMS_ASSIGN_OR_REPLY(Bytes ct,
                      ctx.vault().AsymmetricEncrypt(key.ref, Padding(r.payload), plaintext.view()));
  return Reply::Ok("success!", {{"ciphertext", crypto::Base64Encode(ct)}});
}

Reply AsymmetricDecrypt(KmsContext& ctx, const ActionRequest& r) {
  KMS_VALIDATE_OR_REPLY(r.payload, kAsymDecryptFields);
  KMS_ASSIGN_OR_REPLY(ResolvedKey key, Resolve(ctx, r, "keyid"));
  auto pt = ctx.vault().AsymmetricDecrypt(key.ref, Padding(r.payload),
                                          DecodeField(r.payload, "ciphertext"));
  if (!pt.ok()) {
    if (pt.status().code() == Code::kDataLoss)
      return Reply::BadRequest(std::string(kDecryptFailedMessage));
    return FromStatus(pt.status());
  }
  return Reply::Ok("success!", {{"plaintext", EncodeSecret(*pt)}});
}

Reply Sign(KmsContext& ctx, const ActionRequest& r) {
  KMS_VALIDATE_OR_REPLY(r.payload, kSignFields);
  KMS_ASSIGN_OR_REPLY(ResolvedKey key, Resolve(ctx, r, "keyid"));
  KMS_ASSIGN_OR_REPLY(Bytes sig, ctx.vault().Sign(key.ref, SignParamsOf(r.payload),
                                                  DecodeField(r.payload, "message")));
  return Reply::Ok("success!", {{"signature", crypto::Base64Encode(sig)}});
}

Reply Verify(KmsContext& ctx, const ActionRequest& r) {
  KMS_VALIDATE_OR_REPLY(r.payload, kVerifyFields);
  KMS_ASSIGN_OR_REPLY(ResolvedKey key, Resolve(ctx, r, "keyid"));
  KMS_ASSIGN_OR_REPLY(bool ok, ctx.vault().Verify(key.ref, SignParamsOf(r.payload),
                                                  DecodeField(r.payload, "message"),
                                                  DecodeField(r.payload, "signature")));
  return Reply::Ok("success!", {{"result", ok}});
}

Reply GetPublicKey(KmsContext& ctx, const ActionRequest& r) {
  KMS_VALIDATE_OR_REPLY(r.payload, kKeyIdFields);
  KMS_ASSIGN_OR_REPLY(ResolvedKey key, Resolve(ctx, r, "keyid"));
  KMS_ASSIGN_OR_REPLY(std::string pem, ctx.vault().GetPublicKey(key.ref));
  return Reply::Ok("success!", {{"pubkey", pem}, {"keyid", key.record->keyid}});
}

Reply ExportDataKey(KmsContext& ctx, const ActionRequest& r) {
  KMS_VALIDATE_OR_REPLY(r.payload, kExportFields);
  std::string_view field = "olddatakey_base";
  if (GetString(r.payload, field).empty()) {
    field = "olddatakey";
    if (GetString(r.payload, field).empty()) {
      return Reply::BadRequest("Missing required parameters, The olddatakey_base cannot be empty.");
    }
  }
  auto old = crypto::Base64Decode(GetString(r.payload, field));
  if (!old.ok()) {
    return Reply::BadRequest("Parameter invalid, The " + std::string(field) +
                             " not a vailed base64 string.");
  }
  KMS_ASSIGN_OR_REPLY(ResolvedKey key, Resolve(ctx, r, "keyid"));
  KMS_ASSIGN_OR_REPLY(ResolvedKey target, Resolve(ctx, r, "ukeyid"));
  auto out = ctx.vault().ExportDataKey(key.ref, DecodeField(r.payload, "aad"), *old, target.ref);
  if (!out.ok()) {
    if (out.status().code() == Code::kDataLoss) {
      return Reply::BadRequest(std::string(kDecryptFailedMessage));
    }
    return FromStatus(out.status());
  }
  return Reply::Ok("success!", {{"newdatakey", crypto::Base64Encode(*out)}});
}

}  // namespace kms::api
