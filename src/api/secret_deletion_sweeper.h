#pragma once
// SecretDeletionSweeper: purges secrets whose scheduled deletion time has come.
//
// Deletion schedules live in the store, so nothing is lost on restart: the sweeper's thread
// sweeps once as soon as it starts and then every `interval_ms`, so a secret is purged at most
// one interval after its planned time while a server runs (and at most one interval after the
// next start otherwise). A RestoreSecret that reaches the store before the purge wins.
//
// Thread-safe. The clock is injected: "now" decides what is due; the waiting between sweeps is
// real (steady) time.

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "audit/audit_log.h"
#include "common/clock.h"
#include "common/status.h"
#include "store/store.h"

namespace kms::api {

class SecretDeletionSweeper {
 public:
  struct Options {
    int64_t interval_ms = 30'000;
    int batch = 100;  // secrets asked from the store per query
    // Where each purge is recorded (type "secret", action "purged", the appid, "secret=NAME"),
    // after it happened; null: nowhere. A record that cannot be written is logged as
    // secret.purge_unaudited and the purge stands: holding a secret past the deletion its owner
    // scheduled would be the worse failure.
    audit::AuditLog* audit = nullptr;
  };

  SecretDeletionSweeper(store::Store& store, const Clock& clock, Options options);
  ~SecretDeletionSweeper();  // stops the thread
  SecretDeletionSweeper(const SecretDeletionSweeper&) = delete;
  SecretDeletionSweeper& operator=(const SecretDeletionSweeper&) = delete;

  // Starts the background thread (once). Stop() ends it, waiting for a sweep in progress.
  void Start();
  void Stop();

  // One sweep: purges every secret due at the clock's now. Returns how many were purged; on a
  // store error, the error (what was purged before it stays purged).
  StatusOr<int64_t> SweepOnce();

  // Completed sweeps of the background thread (for tests and logs).
  int64_t sweeps() const;

 private:
  void Run();
  void RecordPurge(const store::SecretRecord& s) const;

  store::Store& store_;
  const Clock& clock_;
  const Options options_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;  // guarded by mu_
  int64_t sweeps_ = 0;     // guarded by mu_
  std::thread thread_;
};

}  // namespace kms::api
