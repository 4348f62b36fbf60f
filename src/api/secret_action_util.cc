#include "api/secret_action_util.h"

#include "common/log.h"

namespace kms::api {

Reply StoreFailure(const ActionRequest& r, const Status& status) {
  log::Error("secret.store_failed", {{"rid", r.request_id}, {"status", status.ToString()}});
  if (status.code() == Code::kUnavailable) return FromStatus(status);
  return Reply::ServerError(std::string(kInternalErrorMessage));
}

void AuditSecret(std::string_view action, const ActionRequest& r, std::string_view name,
                 std::string_view outcome, std::optional<int64_t> version_id) {
  if (version_id) {
    log::Audit(action, r.appid, name, outcome, {{"rid", r.request_id}, {"version", *version_id}});
  } else {
    log::Audit(action, r.appid, name, outcome, {{"rid", r.request_id}});
  }
}

}  // namespace kms::api
