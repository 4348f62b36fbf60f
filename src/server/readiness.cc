#include "server/readiness.h"

#include <utility>

#include "common/log.h"

namespace kms::server {

Readiness::Readiness(store::Store& store, ThreadPool& pool, const Clock& clock, Options options)
    : store_(store), pool_(pool), clock_(clock), options_(options) {}

void Readiness::SetDomainKeyLoaded(const std::string& dk_id) {
  std::lock_guard lock(mu_);
  dk_problem_.reset();
  log::Info("kms.domain_key_ready", {{"dk_id", dk_id}});
}

void Readiness::SetDomainKeyRefused(const std::string& reason) {
  std::lock_guard lock(mu_);
  dk_problem_ = reason;
}

void Readiness::Check(Done done) {
  std::unique_lock lock(mu_);
  if (dk_problem_) {
    Status s = Status::FailedPrecondition(*dk_problem_);
    lock.unlock();
    done(std::move(s));
    return;
  }
  if (!ping_running_ && have_ping_ && clock_.NowMs() - last_ping_ms_ < options_.reuse_ms) {
    Status s = last_ping_;
    lock.unlock();
    done(std::move(s));
    return;
  }
  waiting_.push_back(std::move(done));
  if (ping_running_) return;
  ping_running_ = true;
  lock.unlock();
  if (pool_.TrySubmit([this] { PingStore(); })) return;
  // The pool is full or stopping: every worker is taken, which is itself a reason not to send
  // more traffic here.
  lock.lock();
  ping_running_ = false;
  std::vector<Done> waiters = std::move(waiting_);
  waiting_.clear();
  lock.unlock();
  for (auto& w : waiters) w(Status::Unavailable("server busy: every worker is taken"));
}

void Readiness::PingStore() {
  Status pinged = store_.Ping();
  Status answer = pinged.ok() ? Status::Ok()
                              : Status::Unavailable(pinged.code() == Code::kUnavailable
                                                        ? "store unreachable"
                                                        : "store answers with errors");
  std::vector<Done> waiters;
  {
    std::lock_guard lock(mu_);
    LogIfChanged(answer, pinged.message());
    last_ping_ = answer;
    last_ping_ms_ = clock_.NowMs();
    have_ping_ = true;
    ping_running_ = false;
    waiters = std::move(waiting_);
    waiting_.clear();
  }
  for (auto& w : waiters) w(answer);
}

// REQUIRES: mu_ held. Probes come every few seconds; one line per change is what an operator
// needs to see when readiness flipped and why.
void Readiness::LogIfChanged(const Status& s, const std::string& detail) {
  const std::string now = s.ok() ? "" : s.message();
  if (now == last_logged_) return;
  last_logged_ = now;
  if (s.ok()) {
    log::Info("kms.ready", {{"store", store_.Describe()}});
  } else {
    log::Warn("kms.not_ready", {{"reason", now}, {"store", store_.Describe()}, {"error", detail}});
  }
}

}  // namespace kms::server
