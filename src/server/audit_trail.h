#pragma once
// How ehsm-kms opens its audit trail (audit/audit_log.h) from its configuration, and records
// the domain-key events in it.

#include <memory>
#include <string_view>

#include "audit/audit_log.h"
#include "common/status.h"
#include "server/config.h"

namespace kms::server {

// The audit log at c.audit_log. When it cannot be opened: the error if audit_required, else
// null (logged as audit.unavailable: the server then runs without a trail).
StatusOr<std::unique_ptr<audit::AuditLog>> OpenAuditTrail(const KmsConfig& c);

// A "domain_key" record: `action` (loaded, obtained, refused) for the key `dk_id`. `log` may
// be null. A record that cannot be written is logged; the event itself goes on.
void RecordDomainKeyEvent(audit::AuditLog* log, std::string_view action, std::string_view dk_id,
                          std::string_view detail = {});

}  // namespace kms::server
