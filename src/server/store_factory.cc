#include "server/store_factory.h"

#include <signal.h>
#include <time.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <thread>

#include "common/log.h"
#include "store/couch_store.h"
#include "store/sqlite_store.h"

namespace kms::server {
namespace {

using Ms = std::chrono::milliseconds;

// Sleeps for `ms`, or until SIGTERM/SIGINT if the calling thread blocks them (then it consumes
// the signal and returns false).
bool SleepUnlessStopped(int64_t ms) {
  sigset_t blocked;
  pthread_sigmask(SIG_BLOCK, nullptr, &blocked);
  if (!sigismember(&blocked, SIGTERM) || !sigismember(&blocked, SIGINT)) {
    std::this_thread::sleep_for(Ms(ms));
    return true;
  }
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGTERM);
  sigaddset(&stop, SIGINT);
  auto deadline = std::chrono::steady_clock::now() + Ms(ms);
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::nanoseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return true;
    timespec ts{.tv_sec = static_cast<time_t>(left.count() / 1000000000),
                .tv_nsec = static_cast<long>(left.count() % 1000000000)};
    int sig = sigtimedwait(&stop, nullptr, &ts);
    if (sig == SIGTERM || sig == SIGINT) return false;
    if (sig < 0 && errno == EAGAIN) return true;
    // EINTR: another signal's handler ran; keep waiting.
  }
}

}  // namespace

store::CouchOptions CouchOptionsFromConfig(const KmsConfig& c) {
  store::CouchOptions o;
  o.url = c.couchdb_url;
  o.username = c.couchdb_user;
  o.password = c.couchdb_password;
  o.database = c.couchdb_db;
  o.ca_file = c.couchdb_ca_file;
  o.request_timeout = Ms(c.couchdb_timeout_ms);
  o.connect_timeout = std::min(o.connect_timeout, o.request_timeout);
  return o;
}

StatusOr<std::unique_ptr<store::Store>> OpenStore(const KmsConfig& c) {
  if (c.store == "sqlite") {
    // Event loops read SQLite themselves (Store::ReadsAreLocal): one reader connection per loop
    // on top of the four the workers' reads used to have, so point reads on the loops seldom
    // wait for a connection.
    KMS_ASSIGN_OR_RETURN(auto s, store::SqliteStore::Open(
                                     c.sqlite_path, {.reader_connections = 4 + EventLoops(c)}));
    return std::unique_ptr<store::Store>(std::move(s));
  }
  if (c.store == "couchdb") {
    KMS_ASSIGN_OR_RETURN(auto s, store::CouchStore::Open(CouchOptionsFromConfig(c)));
    return std::unique_ptr<store::Store>(std::move(s));
  }
  return Status::InvalidArgument("store " + c.store + " is not available in this build");
}

Status RetryWhileUnavailable(std::string_view what, int64_t timeout_ms,
                             const std::function<Status()>& attempt) {
  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + Ms(timeout_ms);
  int64_t backoff_ms = 250;
  for (int n = 1;; ++n) {
    Status s = attempt();
    if (s.code() != Code::kUnavailable) return s;
    auto now = std::chrono::steady_clock::now();
    int64_t waited = std::chrono::duration_cast<Ms>(now - start).count();
    int64_t left = std::chrono::duration_cast<Ms>(deadline - now).count();
    if (left <= 0) {
      return Status::Unavailable(
          std::string(what) + " failed for " + std::to_string(waited) + " ms (" +
          std::to_string(n) + " attempts, store_connect_timeout_ms=" + std::to_string(timeout_ms) +
          "): " + s.message());
    }
    int64_t sleep_ms = std::min(backoff_ms, left);
    log::Warn("store.unavailable", {{"what", what},
                                    {"attempt", n},
                                    {"error", s.message()},
                                    {"retry_in_ms", sleep_ms},
                                    {"gives_up_in_ms", left}});
    if (!SleepUnlessStopped(sleep_ms)) {
      return Status::Aborted("stopped while waiting for the store (" + std::string(what) + ": " +
                             s.message() + ")");
    }
    backoff_ms = std::min<int64_t>(backoff_ms * 2, 5000);
  }
}

}  // namespace kms::server
