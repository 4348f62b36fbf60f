#pragma once
// The settings of ehsm-kms's audit trail, Enroll protection and TLS reload (part of KmsConfig;
// docs/operations.md, "Audit log", "Enroll protection", "TLS certificate reload").

#include <cstdint>
#include <string>

#include "common/status.h"

namespace kms::config {
class Binder;  // common/config_binder.h: only the .cc files that register flags pay for CLI11
}  // namespace kms::config

namespace kms::server {

struct HardeningConfig {
  // A request whose audit record cannot be written fails ("audit log unavailable").
  bool audit_required = true;
  int64_t audit_max_file_bytes = 64 << 20;  // rotate beyond this
  int64_t audit_checkpoint_every = 1000;     // records between signed checkpoints
  int64_t audit_checkpoint_interval_ms = 60000;
  // Enroll needs `Authorization: Bearer <token>` when set (from the flag, EHSM_ENROLL_TOKEN,
  // the config file, or the first line of enroll_token_file). Never printed.
  std::string enroll_token;
  std::string enroll_token_file;
  // Enroll calls per second from one source address (bursts of 5x); 0 = no per-address limit.
  double enroll_rate_per_ip = 5;
  // How often the TLS files are checked for a change (besides SIGHUP); 0 = only on SIGHUP.
  int64_t tls_reload_interval_ms = 5000;
};

// Registers the settings above on `b`.
void AddHardeningFlags(config::Binder& b, HardeningConfig& h);
// Checks the ranges and reads enroll_token_file into enroll_token; kInvalidArgument naming the
// setting otherwise.
Status FinishHardeningConfig(HardeningConfig& h);
// For the start-up summary line; says whether an enroll token is set, never the token.
std::string HardeningSummary(const HardeningConfig& h);

}  // namespace kms::server
