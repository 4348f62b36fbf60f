#pragma once
// AuditLog: the tamper-evident audit trail of ehsm-kms (format in audit/audit_record.h).
// Appends one hash-chained record per event, writes a signed checkpoint every
// `checkpoint_every` records, every `checkpoint_interval_ms` while records arrive, before each
// rotation and at Close, and rotates the file by size: `<path>` is renamed to
// `<path>.<20-digit seq of its last record>` and a new `<path>` continues the chain.
//
// Append returns only after the record was written to the file (write(2); not fsynced: a
// crash of the machine, not of the process, can lose the last records, which verify then
// reports as missing after the last checkpoint). When it fails — disk full, the file or its
// directory replaced or unwritable — the caller must not answer as if the event were
// recorded; the log keeps trying to reopen `<path>` on later appends.
//
// Thread-safe. Writes are serialised by one mutex held for a hash and one write(2).

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "audit/audit_record.h"
#include "common/clock.h"
#include "common/secret_bytes.h"
#include "common/status.h"

namespace kms::audit {

struct AuditLogOptions {
  std::string path;
  int64_t max_file_bytes = 64 << 20;
  int64_t checkpoint_every = 1000;           // records; >= 1
  int64_t checkpoint_interval_ms = 60000;    // >= 10
};

class AuditLog {
 public:
  // Opens (or creates, mode 0600) `options.path` and continues the chain from its last record,
  // or from the newest rotated file beside it. An existing file whose last line is incomplete
  // (a crash mid-write) is rotated aside as it is, for verify to report, and the chain goes on
  // from its last complete record.
  static StatusOr<std::unique_ptr<AuditLog>> Open(const AuditLogOptions& options,
                                                  const Clock& clock);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Appends `event`. kUnavailable (naming the file and the error) when it could not be written.
  Status Append(const Event& event);

  // From now on checkpoints are signed with `key` (DomainKey::audit_checkpoint_key) and name
  // `dk_id`. Until then no checkpoint is written (records are still chained).
  void SetCheckpointKey(const SecretBytes& key, std::string dk_id);

  // Writes a final checkpoint and closes the file; later appends fail.
  void Close();

  // The sequence number of the last record written (0: none yet).
  uint64_t last_seq() const;

 private:
  struct State;
  AuditLog(const AuditLogOptions& options, const Clock& clock, std::unique_ptr<State> state);
  Status WriteLineLocked(std::string_view tail);
  Status CheckpointLocked();
  Status RotateLocked();
  Status EnsureOpenLocked();
  void TimerLoop();

  const AuditLogOptions options_;
  const Clock& clock_;
  mutable std::mutex mu_;
  std::unique_ptr<State> state_;  // guarded by mu_
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  std::thread timer_;
};

}  // namespace kms::audit
