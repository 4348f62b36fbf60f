#pragma once
// Readiness: the answer of ehsm-kms's `GET /readyz`. Ready means the domain key is loaded (and
// was not refused) and the store answers a ping.
//
// Store pings run on the worker pool, never on an event loop, and at most one at a time: probes
// that arrive while a ping runs wait for its result, so a hung store holds one worker, not one
// per probe. A result is reused for `reuse_ms`, so a burst of probes costs one ping.
//
// Thread-safe. `done` is called exactly once, from the caller's thread or a worker thread. The
// pool must be shut down (which runs queued pings) before this object is destroyed.

#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "common/thread_pool.h"
#include "store/store.h"

namespace kms::server {

class Readiness {
 public:
  struct Options {
    int64_t reuse_ms = 1000;
  };
  // OK when ready; otherwise kUnavailable or kFailedPrecondition whose message is the one-line
  // reason, fit for an unauthenticated caller (no store address, no backend error text: those
  // go to the log, event kms.not_ready, once per change of reason).
  using Done = std::function<void(Status)>;

  Readiness(store::Store& store, ThreadPool& pool, const Clock& clock, Options options);
  Readiness(const Readiness&) = delete;
  Readiness& operator=(const Readiness&) = delete;

  // Until one of these is called the answer is "domain key not loaded".
  void SetDomainKeyLoaded(const std::string& dk_id);
  // Not ready with `reason` (a refused domain key: for as long as the process runs; cluster
  // mode waiting for the key: until SetDomainKeyLoaded).
  void SetDomainKeyRefused(const std::string& reason);

  void Check(Done done);

 private:
  void PingStore();
  void LogIfChanged(const Status& s, const std::string& detail);

  store::Store& store_;
  ThreadPool& pool_;
  const Clock& clock_;
  const Options options_;

  std::mutex mu_;
  std::optional<std::string> dk_problem_ = "domain key not loaded";  // guarded by mu_
  bool ping_running_ = false;                                        // guarded by mu_
  std::vector<Done> waiting_;                                        // guarded by mu_
  Status last_ping_ = Status::Ok();                                  // guarded by mu_
  bool have_ping_ = false;                                           // guarded by mu_
  int64_t last_ping_ms_ = 0;                                         // guarded by mu_
  std::string last_logged_;                                          // guarded by mu_
};

}  // namespace kms::server
