#include "server/audit_trail.h"

#include "common/clock.h"
#include "common/log.h"

namespace kms::server {

StatusOr<std::unique_ptr<audit::AuditLog>> OpenAuditTrail(const KmsConfig& c) {
  const HardeningConfig& h = c.hardening;
  auto opened = audit::AuditLog::Open({.path = c.audit_log,
                                       .max_file_bytes = h.audit_max_file_bytes,
                                       .checkpoint_every = h.audit_checkpoint_every,
                                       .checkpoint_interval_ms = h.audit_checkpoint_interval_ms},
                                      SystemClock::Instance());
  if (opened.ok()) return opened;
  if (h.audit_required) {
    return Status::FailedPrecondition("cannot open the audit log (--audit-required): " +
                                      opened.status().message());
  }
  log::Error("audit.unavailable",
             {{"error", opened.status().message()}, {"action", "serving without an audit trail"}});
  return std::unique_ptr<audit::AuditLog>();
}

void RecordDomainKeyEvent(audit::AuditLog* log, std::string_view action, std::string_view dk_id,
                          std::string_view detail) {
  if (log == nullptr) return;
  audit::Event e;
  e.type = "domain_key";
  e.action = action;
  e.keyid = dk_id;
  e.detail = detail;
  Status s = log->Append(e);
  if (!s.ok()) log::Error("audit.domain_key_event_lost", {{"action", action}, {"error", s.message()}});
}

}  // namespace kms::server
