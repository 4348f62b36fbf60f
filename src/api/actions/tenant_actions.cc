// GetVersion and Enroll: the two unauthenticated actions.

#include "api/action.h"
#include "api/action_util.h"
#include "common/log.h"

namespace kms::api {

Reply VersionReply(const ServiceOptions& options) {
  return Reply::Ok("success!", {{"git_sha", options.git_sha}, {"version", options.version}});
}

Reply GetVersion(KmsContext& ctx, const ActionRequest&) { return VersionReply(ctx.options()); }

Reply Enroll(KmsContext& ctx, const ActionRequest& r) {
  if (!ctx.enroll_limiter().TryAcquire()) {
    log::Warn("enroll.rate_limited", {{"rid", r.request_id}});
    return Reply::BadRequest("Too many enrollments, please retry later.");
  }
  KMS_ASSIGN_OR_REPLY(keys::Enrollment e, ctx.vault().Enroll());
  store::TenantRecord t{.appid = e.appid,
                        .apikey_blob = std::move(e.apikey_blob),
                        .cmk_blob = std::move(e.cmk_blob),
                        .sm_default_cmk_blob = std::move(e.sm_default_cmk_blob),
                        .create_time_ms = ctx.clock().NowMs()};
  Status s = ctx.store().CreateTenant(t);
  if (!s.ok()) {
    log::Error("enroll.store_failed", {{"rid", r.request_id}, {"status", s.ToString()}});
    return UnavailableOr(s, Reply::ServerError("enroll user info failed"));
  }
  log::Audit("Enroll", e.appid, e.appid, "ok", {{"rid", r.request_id}});
  boost::json::object result;
  result["apikey"] = boost::json::string(AsChars(e.apikey.view()));
  result["appid"] = e.appid;
  return Reply::Ok("successful", std::move(result));
}

}  // namespace kms::api
