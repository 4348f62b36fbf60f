#include "api/request_audit.h"

#include "audit/audit_log.h"
#include "common/log.h"

namespace kms::api {
namespace {

std::string StringAt(const boost::json::object& o, std::string_view name) {
  const boost::json::value* v = o.if_contains(name);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

}  // namespace

AuditSubject AuditSubjectOf(const boost::json::object& payload, const Reply& reply) {
  AuditSubject s{.keyid = StringAt(payload, "keyid"),
                 .secret = StringAt(payload, "secretName"),
                 .enrolled_appid = ""};
  if (const boost::json::object* result = reply.result.if_object()) {
    if (s.keyid.empty()) s.keyid = StringAt(*result, "keyid");
    if (reply.code == 200 && payload.empty()) s.enrolled_appid = StringAt(*result, "appid");
  }
  return s;
}

HttpAnswer RecordForAudit(const ServiceOptions& options, std::string_view action,
                          std::string_view appid, const AuditSubject& subject,
                          std::string_view request_id, HttpAnswer answer) {
  if (options.audit == nullptr || action == "GetVersion") return answer;
  audit::Event event;
  event.type = "request";
  event.action = action;
  event.appid = appid;
  event.keyid = subject.keyid;
  event.result = answer.code;
  event.rid = request_id;
  std::string detail;
  if (!subject.secret.empty()) detail = "secret=" + subject.secret;
  event.detail = detail;
  Status written = options.audit->Append(event);
  if (written.ok() || !options.audit_required) return answer;
  // The cause (file, errno) is logged once per outage by the audit log itself.
  return {200, 500, Serialize(Reply::ServerError(std::string(kAuditUnavailableMessage)))};
}

}  // namespace kms::api
