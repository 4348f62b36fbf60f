// DeleteSecret and RestoreSecret: forced and scheduled deletion of secrets. Scheduled ones are
// purged by the SecretDeletionSweeper.

#include <strings.h>

#include <array>

#include "api/action.h"
#include "api/action_util.h"
#include "api/secret_action_util.h"
#include "common/log.h"

namespace kms::api {
namespace {

constexpr int64_t kDefaultRecoveryDays = 30;
constexpr int64_t kDayMs = 86'400'000;

const std::array kDeleteFields = {
    StringField("secretName", Presence::kRequired, 1, kMaxSecretNameLength),
    IntField("recoveryPeriod", Presence::kOptional, 1, 365),
    StringField("forceDelete", Presence::kOptional, 0, 5),
};
const std::array kRestoreFields = {
    StringField("secretName", Presence::kRequired, 1, kMaxSecretNameLength),
};

}  // namespace

Reply DeleteSecret(KmsContext& ctx, const ActionRequest& r) {
  KMS_VALIDATE_OR_REPLY(r.payload, kDeleteFields);
  std::string name(GetString(r.payload, "secretName"));
  std::string force_text(GetString(r.payload, "forceDelete"));
  bool force = false;
  if (!force_text.empty()) {
    // Unlike upstream, "TRUE" forces too: it is accepted as true, so it must act as true.
    if (strcasecmp(force_text.c_str(), "true") == 0) {
      force = true;
    } else if (strcasecmp(force_text.c_str(), "false") != 0) {
      return Reply::BadRequest("The forceDelete must be true or false");
    }
  }
  int64_t days = GetInt(r.payload, "recoveryPeriod").value_or(kDefaultRecoveryDays);

  if (force) {
    auto removed = ctx.store().DeleteSecret(r.appid, name);
    if (!removed.ok()) {
      log::Error("secret.force_delete_failed",
                 {{"rid", r.request_id}, {"status", removed.status().ToString()}});
      return Reply::BadRequest("Force delete failed");
    }
    if (!*removed) return Reply::BadRequest("Delete error, Can not find the secretName");
    AuditSecret("DeleteSecret", r, name, "purged");
    return Reply::Ok("The " + name + " delete success");
  }
  int64_t now = ctx.clock().NowMs();
  Status s = ctx.store().ScheduleSecretDeletion(r.appid, name, now, now + days * kDayMs);
  if (s.code() == Code::kNotFound) {
    return Reply::BadRequest("Delete error, Can not find the secretName");
  }
  if (!s.ok()) return StoreFailure(r, s);
  log::Audit("DeleteSecret", r.appid, name, "scheduled",
             {{"rid", r.request_id}, {"recovery_days", days}});
  return Reply::Ok("The " + name + " will be deleted after " + std::to_string(days) + " days.");
}

Reply RestoreSecret(KmsContext& ctx, const ActionRequest& r) {
  KMS_VALIDATE_OR_REPLY(r.payload, kRestoreFields);
  std::string name(GetString(r.payload, "secretName"));
  Status s = ctx.store().RestoreSecret(r.appid, name);
  if (s.code() == Code::kNotFound) {
    return Reply::BadRequest("Can not restore secret, the secretName not find.");
  }
  if (!s.ok()) return StoreFailure(r, s);
  AuditSecret("RestoreSecret", r, name, "ok");
  return Reply::Ok("The " + name + " restore success.");
}

}  // namespace kms::api
