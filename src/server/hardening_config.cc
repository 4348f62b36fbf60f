#include "server/hardening_config.h"

#include <sstream>

#include "common/config_binder.h"
#include "common/file_util.h"

namespace kms::server {

void AddHardeningFlags(config::Binder& b, HardeningConfig& h) {
  b.AddFlag("audit_required", h.audit_required,
            "fail a request whose audit record cannot be written (default on; "
            "--audit-required=false to serve unrecorded)");
  b.Add("audit_max_file_bytes", h.audit_max_file_bytes, "rotate the audit log beyond this size");
  b.Add("audit_checkpoint_every", h.audit_checkpoint_every,
        "audit records between signed checkpoints");
  b.Add("audit_checkpoint_interval_ms", h.audit_checkpoint_interval_ms,
        "at most this long between signed checkpoints while records arrive");
  b.Add("enroll_token", h.enroll_token,
        "Enroll requires 'Authorization: Bearer TOKEN' (prefer --enroll-token-file)");
  b.Add("enroll_token_file", h.enroll_token_file, "file whose first line is the enroll token");
  b.Add("enroll_rate_per_ip", h.enroll_rate_per_ip,
        "Enroll calls per second from one source address (bursts of 5x); 0 = unlimited");
  b.Add("tls_reload_interval_ms", h.tls_reload_interval_ms,
        "how often tls_cert/tls_key are checked for a change (0 = only on SIGHUP)");
}

Status FinishHardeningConfig(HardeningConfig& h) {
  if (h.audit_max_file_bytes < 4096) {
    return Status::InvalidArgument("audit_max_file_bytes must be >= 4096");
  }
  if (h.audit_checkpoint_every < 1) {
    return Status::InvalidArgument("audit_checkpoint_every must be >= 1");
  }
  if (h.audit_checkpoint_interval_ms < 10 || h.audit_checkpoint_interval_ms > 86400000) {
    return Status::InvalidArgument("audit_checkpoint_interval_ms must be 10..86400000");
  }
  if (h.enroll_rate_per_ip < 0) return Status::InvalidArgument("enroll_rate_per_ip must be >= 0");
  if (h.tls_reload_interval_ms != 0 &&
      (h.tls_reload_interval_ms < 100 || h.tls_reload_interval_ms > 86400000)) {
    return Status::InvalidArgument("tls_reload_interval_ms must be 0 or 100..86400000");
  }
  if (!h.enroll_token_file.empty()) {
    if (!h.enroll_token.empty()) {
      return Status::InvalidArgument("give enroll_token or enroll_token_file, not both");
    }
    StatusOr<Bytes> file = ReadFileBytes(h.enroll_token_file);
    if (!file.ok()) {
      return Status::InvalidArgument("enroll_token_file: " + file.status().message());
    }
    std::string text(AsChars(*file));
    h.enroll_token = text.substr(0, text.find_first_of("\r\n"));
    if (h.enroll_token.empty()) {
      return Status::InvalidArgument("enroll_token_file " + h.enroll_token_file +
                                     " holds no token on its first line");
    }
  }
  return Status::Ok();
}

std::string HardeningSummary(const HardeningConfig& h) {
  std::ostringstream s;
  s << "audit_required=" << (h.audit_required ? "true" : "false")
    << " audit_max_file_bytes=" << h.audit_max_file_bytes
    << " audit_checkpoint_every=" << h.audit_checkpoint_every
    << " audit_checkpoint_interval_ms=" << h.audit_checkpoint_interval_ms
    << " enroll_token=" << (h.enroll_token.empty() ? "none" : "set")
    << " enroll_rate_per_ip=" << h.enroll_rate_per_ip
    << " tls_reload_interval_ms=" << h.tls_reload_interval_ms;
  return s.str();
}

}  // namespace kms::server
