// GetParametersForImport, ImportKeyMaterial (BYOK).
//
// The pending import lives in the key's own blob (keys/import_session.h) and both steps
// replace the record with an optimistic-concurrency check, so two racing imports cannot both
// succeed and an imported key is never overwritten.

#include <array>

#include "api/action.h"
#include "api/action_util.h"
#include "api/cmk_resolver.h"
#include "common/log.h"
#include "crypto/base64.h"

namespace kms::api {
namespace {

// One message for every way the wrapped key can fail to unwrap (bad padding, wrong key, wrong
// length), so ImportKeyMaterial is no padding oracle.
constexpr std::string_view kImportFailed =
    "Import key failed, Please confirm that key_material is the raw key of the keyid's keyspec "
    "wrapped with this import's public key and padding_mode.";
constexpr std::string_view kChangedConcurrently =
    "the key changed while this request ran (another import step); call "
    "GetParametersForImport again";

const std::array kParametersFields = {
    UuidField("keyid", Presence::kRequired),
    ConstField("keyspec", Presence::kRequired, keys::KeySpecNames()),
};
const std::array kImportFields = {
    UuidField("keyid", Presence::kRequired),
    ConstField("padding_mode", Presence::kRequired, keys::PaddingModeNames()),
    Base64Field("key_material", Presence::kRequired, 1, 8192),
    StringField("importToken", Presence::kRequired, 1, 8192),
};

// Reads the key from the store, not the cache: both steps must see (and then replace) the
// latest revision.
StatusOr<ResolvedKey> ResolveFresh(KmsContext& ctx, const ActionRequest& r) {
  std::string keyid(GetString(r.payload, "keyid"));
  ctx.InvalidateOwnKey(keyid, r.appid);  // a non-owner gets "appid error" from the cache
  return ResolveCmk(ctx, r.appid, keyid);
}

// Stores `blob` as the key's new blob if nobody changed the key since it was read.
Reply StoreBlob(KmsContext& ctx, const ActionRequest& r, const store::KeyRecord& read, Bytes blob,
                std::string_view action, boost::json::object result) {
  store::KeyRecord updated = read;
  updated.key_blob = std::move(blob);
  auto rev = ctx.store().UpdateKey(updated);
  ctx.InvalidateKey(read.keyid);
  if (!rev.ok()) {
    log::Audit(action, r.appid, read.keyid, "conflict", {{"rid", r.request_id}});
    if (rev.status().code() == Code::kAborted || rev.status().code() == Code::kNotFound) {
      return Reply::BadRequest(std::string(kChangedConcurrently));
    }
    return FromStatus(rev.status());
  }
  log::Audit(action, r.appid, read.keyid, "ok", {{"rid", r.request_id}});
  return Reply::Ok("success!", std::move(result));
}

}  // namespace

Reply GetParametersForImport(KmsContext& ctx, const ActionRequest& r) {
  KMS_VALIDATE_OR_REPLY(r.payload, kParametersFields);
  KMS_ASSIGN_OR_REPLY(ResolvedKey key, ResolveFresh(ctx, r));
  keys::KeySpec wrapping = *keys::ParseKeySpec(GetString(r.payload, "keyspec"));
  std::optional<ConcurrencyLimiter::Slot> turn;
  if (keys::IsRsa(wrapping)) {
    turn = ctx.EnterRsaKeygen();
    if (!turn) return Reply::ServerError(std::string(kBusyMessage));
  }
  KMS_ASSIGN_OR_REPLY(keys::ImportParameters params,
                      ctx.vault().GetParametersForImport(key.ref, wrapping, ctx.clock().NowMs()));
  turn.reset();
  return StoreBlob(ctx, r, *key.record, std::move(params.session_blob), "GetParametersForImport",
                   {{"pubkey", params.pubkey_pem}, {"importToken", params.import_token}});
}

Reply ImportKeyMaterial(KmsContext& ctx, const ActionRequest& r) {
  KMS_VALIDATE_OR_REPLY(r.payload, kImportFields);
  KMS_ASSIGN_OR_REPLY(ResolvedKey key, ResolveFresh(ctx, r));
  auto blob =
      ctx.vault().ImportKeyMaterial(key.ref, GetString(r.payload, "importToken"),
                                    *keys::ParsePaddingMode(GetString(r.payload, "padding_mode")),
                                    DecodeField(r.payload, "key_material"), ctx.clock().NowMs());
  if (!blob.ok()) {
    log::Audit("ImportKeyMaterial", r.appid, key.record->keyid, "refused", {{"rid", r.request_id}});
    if (blob.status().code() == Code::kDataLoss) {
      return Reply::BadRequest(std::string(kImportFailed));
    }
    return FromStatus(blob.status());
  }
  return StoreBlob(ctx, r, *key.record, std::move(blob).value(), "ImportKeyMaterial",
                   {{"result", true}});
}

}  // namespace kms::api
