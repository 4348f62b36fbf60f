#include "server/tls_reloader.h"

#include <signal.h>
#include <sys/stat.h>

#include <chrono>

#include "common/file_util.h"
#include "common/log.h"
#include "net/self_signed_cert.h"

namespace kms::server {
namespace {

using Clock = std::chrono::steady_clock;

// How long one wait for SIGHUP lasts: bounds how late Stop() is noticed.
constexpr timespec kSignalSlice{0, 200 * 1000 * 1000};
constexpr auto kExpiryCheckEvery = std::chrono::hours(24);

// An operator-supplied certificate is not ours to renew: say so while there is time.
void WarnIfCertExpiresSoon(const std::string& path, const std::string& cert_pem) {
  StatusOr<int64_t> left = net::SecondsUntilExpiry(cert_pem);
  if (!left.ok()) {
    log::Warn("net.tls_cert_unreadable", {{"path", path}, {"error", left.status().message()}});
    return;
  }
  if (*left > int64_t{net::kCertRenewDays} * 86400) return;
  log::Warn("net.tls_cert_expires_soon",
            {{"path", path},
             {"seconds_left", *left},
             {"hint", "replace the certificate and key files (they are reloaded)"}});
}

}  // namespace

TlsReloader::TlsReloader(TlsReloaderOptions options, Install install,
                         std::string current_cert_pem)
    : options_(std::move(options)), install_(std::move(install)),
      cert_pem_(std::move(current_cert_pem)) {
  stamps_ = StampFiles();
}

TlsReloader::~TlsReloader() { Stop(); }

std::pair<TlsReloader::Stamp, TlsReloader::Stamp> TlsReloader::StampFiles() const {
  auto stamp = [](const std::string& path) {
    Stamp s;
    struct stat st {};
    if (path.empty() || ::stat(path.c_str(), &st) != 0) return s;
    s.dev = st.st_dev;
    s.ino = st.st_ino;
    s.size = static_cast<uint64_t>(st.st_size);
    s.mtime_ns = static_cast<int64_t>(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    return s;
  };
  return {stamp(options_.cert_path), stamp(options_.key_path)};
}

Status TlsReloader::LoadAndInstall() {
  KMS_ASSIGN_OR_RETURN(Bytes cert, ReadFileBytes(options_.cert_path));
  KMS_ASSIGN_OR_RETURN(Bytes key, ReadFileBytes(options_.key_path));
  std::string cert_pem(AsChars(cert));
  std::string key_pem(AsChars(key));
  StatusOr<int64_t> left = net::SecondsUntilExpiry(cert_pem);
  if (!left.ok()) return left.status();
  if (*left <= 0) return Status::InvalidArgument("the certificate has expired");
  Status installed = install_(cert_pem, key_pem);
  key_pem.assign(key_pem.size(), '\0');
  if (!installed.ok()) return installed;
  WarnIfCertExpiresSoon(options_.cert_path, cert_pem);
  log::Info("net.tls_reloaded", {{"cert", options_.cert_path}, {"seconds_left", *left}});
  std::lock_guard<std::mutex> lock(mu_);
  cert_pem_ = std::move(cert_pem);
  return Status::Ok();
}

Status TlsReloader::ReloadNow(const std::string& reason) {
  if (options_.cert_path.empty()) {
    log::Info("net.tls_reload_skipped", {{"reason", reason}, {"why", "self-signed pair"}});
    return Status::FailedPrecondition("no tls_cert/tls_key files to reload");
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    stamps_ = StampFiles();  // a refused pair is retried when the files change again
  }
  Status s = LoadAndInstall();
  if (!s.ok()) {
    log::Warn("net.tls_reload_refused", {{"reason", reason},
                                         {"cert", options_.cert_path},
                                         {"error", s.message()},
                                         {"action", "keeping the previous certificate"}});
  }
  return s;
}

void TlsReloader::Start() {
  if (!options_.cert_path.empty()) WarnIfCertExpiresSoon(options_.cert_path, cert_pem_);
  if (!thread_.joinable()) thread_ = std::thread([this] { Run(); });
}

void TlsReloader::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void TlsReloader::Run() {
  sigset_t hup;
  sigemptyset(&hup);
  sigaddset(&hup, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &hup, nullptr);
  auto next_poll = Clock::now() + std::chrono::milliseconds(options_.interval_ms);
  auto next_expiry_check = Clock::now() + kExpiryCheckEvery;
  for (;;) {
    const int sig = sigtimedwait(&hup, nullptr, &kSignalSlice);
    std::string cert_pem;
    std::pair<Stamp, Stamp> seen;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return;
      cert_pem = cert_pem_;
      seen = stamps_;
    }
    const auto now = Clock::now();
    if (sig == SIGHUP) {
      (void)ReloadNow("SIGHUP");
    } else if (options_.interval_ms > 0 && !options_.cert_path.empty() && now >= next_poll) {
      next_poll = now + std::chrono::milliseconds(options_.interval_ms);
      if (StampFiles() != seen) (void)ReloadNow("files changed");
    }
    if (!options_.cert_path.empty() && now >= next_expiry_check) {
      next_expiry_check = now + kExpiryCheckEvery;
      WarnIfCertExpiresSoon(options_.cert_path, cert_pem);
    }
  }
}

}  // namespace kms::server
