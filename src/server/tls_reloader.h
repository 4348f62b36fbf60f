#pragma once
// TlsReloader: keeps the HTTPS server's certificate current without a restart
// (docs/operations.md, "TLS certificate reload"). On SIGHUP, and when `cert_path` or
// `key_path` changes (inode, size or mtime, checked every `interval_ms`), it reads both files
// and installs the pair for new connections; established connections keep theirs. A bad pair
// (unreadable, not parsing, key not matching the certificate, expired) is refused: the
// previous pair stays and the log says why (net.tls_reload_refused). It also warns daily while
// the certificate is within kCertRenewDays of its expiry.
//
// SIGHUP is taken with sigtimedwait on the reloader's thread: the process must block SIGHUP
// in every thread (BlockReloadSignal, common/stop_signals.h) before starting any. Without
// files (the self-signed pair) a SIGHUP is only logged.

#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <thread>

#include "common/status.h"

namespace kms::server {

struct TlsReloaderOptions {
  std::string cert_path;  // both empty: nothing to reload
  std::string key_path;
  int64_t interval_ms = 5000;  // 0: only on SIGHUP
};

// What tells a changed file: its inode, size and modification time (all 0: missing).
struct TlsFileStamp {
  uint64_t dev = 0, ino = 0, size = 0;
  int64_t mtime_ns = 0;
  bool operator==(const TlsFileStamp&) const = default;
};

class TlsReloader {
 public:
  // `install` puts a pair in service (HttpsServer::ReloadTls) or says why it cannot.
  using Install = std::function<Status(const std::string& cert_pem, const std::string& key_pem)>;

  // `current_cert_pem` is the certificate in service now (for the expiry warnings).
  TlsReloader(TlsReloaderOptions options, Install install, std::string current_cert_pem);
  ~TlsReloader();

  // Starts the thread that waits for SIGHUP and polls the files (and warns now if the
  // certificate expires soon).
  void Start();
  void Stop();

  // Reads and installs the files now; the Status says why the old pair stayed.
  Status ReloadNow(const std::string& reason);

 private:
  using Stamp = TlsFileStamp;
  std::pair<Stamp, Stamp> StampFiles() const;
  Status LoadAndInstall();
  void Run();

  const TlsReloaderOptions options_;
  const Install install_;
  std::mutex mu_;
  std::string cert_pem_;                // in service; guarded by mu_
  std::pair<Stamp, Stamp> stamps_;      // of the files last read; guarded by mu_
  bool stopping_ = false;               // guarded by mu_
  std::thread thread_;
};

}  // namespace kms::server
