// CreateKey, ListKey, DeleteKey, DeleteAllKey, EnableKey, DisableKey.

#include <array>

#include "api/action.h"
#include "api/action_util.h"
#include "api/cmk_resolver.h"
#include "common/log.h"
#include "crypto/random.h"

namespace kms::api {
namespace {

const std::array kCreateKeyFields = {
    ConstField("keyspec", Presence::kRequired, keys::KeySpecNames()),
    ConstField("origin", Presence::kRequired, keys::OriginNames()),
    // Optional: BigDL's client sends none, meaning EH_KEYUSAGE_ENCRYPT_DECRYPT.
    ConstField("keyusage", Presence::kOptional, keys::KeyUsageNames()),
};
const std::array kKeyIdFields = {UuidField("keyid", Presence::kRequired)};

void AuditKey(std::string_view action, const ActionRequest& r, std::string_view keyid,
              std::string_view outcome) {
  log::Audit(action, r.appid, keyid, outcome, {{"rid", r.request_id}});
}

boost::json::object KeyListEntry(const store::KeyRecord& k) {
  boost::json::object o;
  o["keyid"] = k.keyid;
  o["creationDate"] = k.creation_date_ms;
  o["expireTime"] = k.expire_time_ms;
  o["alias"] = k.alias;
  o["keyspec"] = k.keyspec;
  o["keyState"] = k.key_state;
  return o;
}

Reply SetState(KmsContext& ctx, const ActionRequest& r, int state, std::string_view action,
               std::string_view failed_message) {
  KMS_VALIDATE_OR_REPLY(r.payload, kKeyIdFields);
  std::string keyid(GetString(r.payload, "keyid"));
  Status s = ctx.store().SetKeyState(keyid, r.appid, state);
  ctx.InvalidateOwnKey(keyid, r.appid);
  if (s.code() == Code::kNotFound) return Reply::BadRequest("not find this keyid");
  if (!s.ok()) {
    log::Error("key.set_state_failed", {{"rid", r.request_id}, {"status", s.ToString()}});
    return UnavailableOr(s, Reply::BadRequest(std::string(failed_message)));
  }
  AuditKey(action, r, keyid, "ok");
  return Reply::Ok("successful");
}

}  // namespace

Reply CreateKey(KmsContext& ctx, const ActionRequest& r) {
  KMS_VALIDATE_OR_REPLY(r.payload, kCreateKeyFields);
  keys::KeySpec spec = *keys::ParseKeySpec(GetString(r.payload, "keyspec"));
  keys::Origin origin = *keys::ParseOrigin(GetString(r.payload, "origin"));
  std::string_view usage_name = GetString(r.payload, "keyusage");
  keys::KeyUsage usage = usage_name.empty() ? keys::KeyUsage::kEncryptDecrypt
                                            : *keys::ParseKeyUsage(usage_name);

  KMS_ASSIGN_OR_REPLY(std::string keyid, crypto::RandomUuid());
  int64_t now = ctx.clock().NowMs();
  store::KeyRecord k{.keyid = keyid,
                     .creator = r.appid,
                     .keyspec = std::string(keys::Name(spec)),
                     .origin = std::string(keys::Name(origin)),
                     .keyusage = std::string(keys::Name(usage)),
                     .key_blob = {},
                     .creation_date_ms = now,
                     .expire_time_ms = ctx.options().key_lifetime_ms > 0
                                           ? now + ctx.options().key_lifetime_ms
                                           : kNeverExpires,
                     .alias = "",
                     .key_state = 1,
                     .revision = 0};
  keys::BlobBinding binding{k.keyid, k.creator, k.keyspec, k.origin, k.keyusage};
  {
    std::optional<ConcurrencyLimiter::Slot> turn;
    if (origin == keys::Origin::kInternal && keys::IsRsa(spec)) {
      turn = ctx.EnterRsaKeygen();
      if (!turn) return Reply::ServerError(std::string(kBusyMessage));
    }
    KMS_ASSIGN_OR_REPLY(k.key_blob, ctx.vault().CreateKey(binding, spec, origin, usage));
  }
  Status s = ctx.store().CreateKey(k);
  if (!s.ok()) {
    log::Error("key.create_failed", {{"rid", r.request_id}, {"status", s.ToString()}});
    return UnavailableOr(s, Reply::BadRequest("create cmk failed"));
  }
  log::Audit("CreateKey", r.appid, keyid, "ok",
             {{"rid", r.request_id}, {"keyspec", k.keyspec}, {"origin", k.origin},
              {"keyusage", k.keyusage}});
  return Reply::Ok("success!", {{"keyid", keyid}});
}

Reply ListKey(KmsContext& ctx, const ActionRequest& r) {
  auto keys = ctx.store().ListKeys(r.appid);
  if (!keys.ok()) {
    log::Error("key.list_failed", {{"rid", r.request_id}, {"status", keys.status().ToString()}});
    return UnavailableOr(keys.status(), Reply::BadRequest("listKey failed"));
  }
  boost::json::array list;
  list.reserve(keys->size());
  for (const store::KeyRecord& k : *keys) list.push_back(KeyListEntry(k));
  return Reply::Ok("successful", {{"list", std::move(list)}});
}

Reply DeleteKey(KmsContext& ctx, const ActionRequest& r) {
  KMS_VALIDATE_OR_REPLY(r.payload, kKeyIdFields);
  std::string keyid(GetString(r.payload, "keyid"));
  auto existed = ctx.store().DeleteKey(keyid, r.appid);
  ctx.InvalidateOwnKey(keyid, r.appid);
  if (!existed.ok()) {
    log::Error("key.delete_failed", {{"rid", r.request_id}, {"status", existed.status().ToString()}});
    return UnavailableOr(existed.status(), Reply::BadRequest("deleteKey failed"));
  }
  // Deleting an unknown or foreign key succeeds without effect, as upstream (idempotent).
  AuditKey("DeleteKey", r, keyid, *existed ? "ok" : "absent");
  return Reply::Ok("successful");
}

Reply DeleteAllKey(KmsContext& ctx, const ActionRequest& r) {
  auto n = ctx.store().DeleteAllKeys(r.appid);
  ctx.InvalidateKeysOf(r.appid);
  if (!n.ok()) {
    log::Error("key.delete_all_failed", {{"rid", r.request_id}, {"status", n.status().ToString()}});
    return UnavailableOr(n.status(), Reply::BadRequest("deleteALLKey failed"));
  }
  log::Audit("DeleteAllKey", r.appid, "*", "ok", {{"rid", r.request_id}, {"count", *n}});
  return Reply::Ok("successful");
}

Reply EnableKey(KmsContext& ctx, const ActionRequest& r) {
  return SetState(ctx, r, 1, "EnableKey", "enableKey failed");
}

Reply DisableKey(KmsContext& ctx, const ActionRequest& r) {
  return SetState(ctx, r, 0, "DisableKey", "disableKey failed");
}

}  // namespace kms::api
