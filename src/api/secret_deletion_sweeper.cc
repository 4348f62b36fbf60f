#include "api/secret_deletion_sweeper.h"

#include <algorithm>
#include <chrono>

#include "common/log.h"

namespace kms::api {

SecretDeletionSweeper::SecretDeletionSweeper(store::Store& store, const Clock& clock,
                                             Options options)
    : store_(store), clock_(clock), options_(options) {}

SecretDeletionSweeper::~SecretDeletionSweeper() { Stop(); }

void SecretDeletionSweeper::Start() {
  std::lock_guard lock(mu_);
  if (thread_.joinable() || stopping_) return;
  thread_ = std::thread([this] { Run(); });
}

void SecretDeletionSweeper::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

int64_t SecretDeletionSweeper::sweeps() const {
  std::lock_guard lock(mu_);
  return sweeps_;
}

void SecretDeletionSweeper::RecordPurge(const store::SecretRecord& s) const {
  if (options_.audit == nullptr) return;
  const std::string detail = "secret=" + s.name;
  audit::Event e;
  e.type = "secret";
  e.action = "purged";
  e.appid = s.appid;
  e.detail = detail;
  Status written = options_.audit->Append(e);
  if (!written.ok()) {
    log::Error("secret.purge_unaudited", {{"appid", s.appid}, {"error", written.message()}});
  }
}

StatusOr<int64_t> SecretDeletionSweeper::SweepOnce() {
  const int64_t now = clock_.NowMs();
  int64_t purged = 0;
  Status first_error;
  // The store hands out due secrets a batch at a time; each batch is purged before asking for
  // the next. A batch that purges nothing (all restored or purged elsewhere meanwhile, or
  // failing) ends the sweep, so a stuck secret cannot make it spin.
  while (true) {
    KMS_ASSIGN_OR_RETURN(std::vector<store::SecretRecord> due,
                         store_.ListSecretsDueForDeletion(now, options_.batch));
    int64_t progress = 0;
    for (const store::SecretRecord& s : due) {
      StatusOr<bool> removed = store_.DeleteSecretIfDue(s.appid, s.name, now);
      if (!removed.ok()) {
        // One failing secret must not hold back the others.
        log::Warn("secret.purge_failed",
                  {{"appid", s.appid}, {"status", removed.status().ToString()}});
        if (first_error.ok()) first_error = removed.status();
        continue;
      }
      if (!*removed) continue;
      ++progress;
      log::Audit("SecretDeletionSweeper", s.appid, s.name, "purged",
                 {{"planned_ms", s.planned_delete_time_ms}});
      RecordPurge(s);
    }
    purged += progress;
    if (progress == 0) break;
  }
  if (!first_error.ok()) return first_error;
  return purged;
}

void SecretDeletionSweeper::Run() {
  const auto interval = std::chrono::milliseconds(std::max<int64_t>(1, options_.interval_ms));
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    StatusOr<int64_t> purged = SweepOnce();
    if (!purged.ok()) {
      // Retried at the next sweep; the schedule is in the store, so nothing is forgotten.
      log::Warn("secret.sweep_failed", {{"status", purged.status().ToString()}});
    } else if (*purged > 0) {
      log::Info("secret.sweep", {{"purged", *purged}});
    }
    lock.lock();
    ++sweeps_;
    cv_.notify_all();
    cv_.wait_for(lock, interval, [this] { return stopping_; });
  }
}

}  // namespace kms::api
