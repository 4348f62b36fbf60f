#pragma once
// Test support for the CouchDB store: where the shared test server is, fresh database names,
// and a private server that a test may stop, pause and restart.

#include <memory>
#include <optional>
#include <string>

#include "store/couch_options.h"
#include "store/couch_store.h"

namespace kms::store::testing {

// EHSM_TEST_COUCHDB_URL, or nullopt. Tests skip without it, unless EHSM_REQUIRE_COUCHDB=1
// (set by CI), in which case RequireCouchUrl fails the test instead.
std::optional<std::string> TestCouchUrl();
bool CouchRequired();

// A database name no other test (or test process) uses.
std::string UniqueDbName(const std::string& tag);

// Options for `url` and a fresh database.
CouchOptions TestOptions(const std::string& url, const std::string& tag);

// A store on a fresh database of the test server, for factories of store-agnostic suites:
// nullptr when EHSM_TEST_COUCHDB_URL is unset (the caller skips, or fails if CouchRequired()).
// The database is left behind; the test server runs in memory.
std::unique_ptr<CouchStore> NewTestCouchStore(const std::string& tag = "conformance");

// A free TCP port on 127.0.0.1 (bound and released, so only probably still free).
int PickFreePort();

// A pouchdb-server of its own, started through scripts/couchdb-test-server.sh with its data in
// `dir`, so that it keeps its data across Stop and Start.
class PrivateCouchServer {
 public:
  PrivateCouchServer(std::string dir, int port);
  ~PrivateCouchServer();  // stops the server
  PrivateCouchServer(const PrivateCouchServer&) = delete;
  PrivateCouchServer& operator=(const PrivateCouchServer&) = delete;

  bool Start();
  bool Stop();
  // SIGKILL, as a crash: whatever the server was writing stays as it was on disk. Waits (up to
  // 10 s) until the process is gone; Start() runs it again on the same data.
  bool Kill();
  // SIGSTOP/SIGCONT: the port stays open but nothing answers.
  bool Pause();
  bool Resume();
  // The server's URL with the administrator's credentials (valid after Start).
  std::string url() const;

 private:
  int Pid() const;
  std::string dir_;
  int port_;
};

}  // namespace kms::store::testing
