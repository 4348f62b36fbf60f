#pragma once
// Verification of an audit log (audit/audit_record.h): the hash chain and sequence numbers
// over one or more files given in chain order (rotated files oldest first, the live file
// last), and, given the checkpoint key, every checkpoint's MAC.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/secret_bytes.h"

namespace kms::audit {

struct CheckpointKey {
  SecretBytes key;    // DomainKey::audit_checkpoint_key()
  std::string dk_id;  // the domain key's id (hex)
};

struct VerifyReport {
  bool ok = true;
  // The first broken record when !ok: where and why.
  std::string file;
  int64_t line = 0;
  uint64_t seq = 0;  // 0 when the line has none
  std::string why;
  // Counts over what was read up to the end (or the break).
  int64_t files = 0;
  int64_t records = 0;
  uint64_t first_seq = 0;
  uint64_t last_seq = 0;
  int64_t checkpoints_checked = 0;
  int64_t checkpoints_unchecked = 0;  // no key given
  int64_t records_after_last_checkpoint = 0;
};

// Checks `files` in order. Without `key` the chain is still checked and checkpoints are
// counted as unchecked.
VerifyReport VerifyAuditFiles(const std::vector<std::string>& files,
                              const std::optional<CheckpointKey>& key);

// One line for people: "OK ..." with the counts, or "BROKEN file:line seq N: why".
std::string FormatReport(const VerifyReport& report, bool key_given);

}  // namespace kms::audit
