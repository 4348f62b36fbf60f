#include "server/kms_server.h"

#include <sys/resource.h>
#include <sys/stat.h>

#include <cerrno>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "api/kms_context.h"
#include "api/kms_service.h"
#include "api/replay_cache.h"
#include "api/secret_deletion_sweeper.h"
#include "attest/dcap_verifier.h"
#include "attest/intel_root_ca.h"
#include "common/clock.h"
#include "common/config_binder.h"
#include "common/file_util.h"
#include "common/log.h"
#include "common/thread_pool.h"
#include "keys/domain_key.h"
#include "keys/import_session.h"
#include "keys/key_vault.h"
#include "net/health.h"
#include "net/https_server.h"
#include "net/self_signed_cert.h"
#include "server/readiness.h"
#include "server/store_factory.h"
#include "tee/sim/sim_platform.h"

#ifndef KMS_GIT_SHA
#define KMS_GIT_SHA "0000000"
#endif

namespace kms::server {
namespace {

// Routes the probes (no authentication: kubelet and load balancers call them) and hands every
// other request, /ehsm?Action=... included, to the eHSM service unchanged.
class HttpAdapter final : public net::HttpHandler {
 public:
  HttpAdapter(api::KmsService& service, Readiness& readiness)
      : service_(service), readiness_(readiness) {}
  void Handle(net::HttpRequest request, net::Responder respond) override {
    if (request.method == "GET") {
      const std::string path = api::ParseTarget(request.target).path;
      if (path == net::kHealthzPath) {
        respond(Text(net::LivenessAnswer()));
        return;
      }
      if (path == net::kReadyzPath) {
        readiness_.Check([respond = std::move(respond)](Status ready) {
          respond(Text(net::ReadinessAnswer(ready)));
        });
        return;
      }
    }
    service_.Handle(request.method, request.target, std::move(request.body),
                    [respond = std::move(respond)](api::HttpAnswer a) {
                      respond(net::HttpResponse{.status = a.http_status,
                                                .content_type = "application/json",
                                                .body = std::move(a.body),
                                                .close = false});
                    });
  }

 private:
  static net::HttpResponse Text(net::HealthAnswer a) {
    return net::HttpResponse{.status = a.http_status,
                             .content_type = "text/plain; charset=utf-8",
                             .body = std::move(a.body),
                             .close = false};
  }

  api::KmsService& service_;
  Readiness& readiness_;
};

StatusOr<net::PemPair> LoadTls(const KmsConfig& c) {
  if (c.tls_cert.empty()) return net::LoadOrCreateSelfSigned(c.data_dir);
  KMS_ASSIGN_OR_RETURN(Bytes cert, ReadFileBytes(c.tls_cert));
  KMS_ASSIGN_OR_RETURN(Bytes key, ReadFileBytes(c.tls_key));
  return net::PemPair{std::string(AsChars(cert)), std::string(AsChars(key))};
}

// The replay window survives a graceful restart in this file, sealed by the platform so that a
// changed file cannot drop entries; it is removed once read, so a later crash never reuses it.
constexpr char kReplayFile[] = "/replay_window.sealed";
constexpr char kReplaySealAad[] = "ehsm-kms replay window v1";

// Takes the saved window into `replay`; without a valid one (first start, crash, tampering)
// refuses timestamps older than `start_ms`, which the previous process may have accepted.
void RestoreReplayWindow(tee::TeePlatform& platform, api::ReplayCache& replay,
                         const std::string& data_dir, int64_t start_ms, int64_t capacity) {
  const std::string path = data_dir + kReplayFile;
  std::string why = "no saved window";
  if (FileExists(path)) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    // 24 bytes per entry at most (hash, plus a tenant count per bucket), plus headers.
    const uint64_t limit = static_cast<uint64_t>(capacity) * 24 + (1 << 20);
    StatusOr<Bytes> sealed = Status::InvalidArgument("larger than replay_capacity allows");
    if (!ec && size <= limit) sealed = ReadFileBytes(path);
    Status loaded = sealed.status();
    if (sealed.ok()) {
      auto plain = platform.Unseal(*sealed, AsBytes(std::string_view(kReplaySealAad)));
      loaded = plain.ok() ? replay.Load(plain->view()) : plain.status();
    }
    std::filesystem::remove(path, ec);
    if (loaded.ok()) {
      log::Info("replay.window_restored", {{"entries", static_cast<int64_t>(replay.size())}});
      return;
    }
    why = loaded.message();
  }
  replay.RefuseTimestampsBefore(start_ms);
  log::Warn("replay.window_not_restored",
            {{"reason", why}, {"refusing_timestamps_before_ms", start_ms}});
}

Status SaveReplayWindow(tee::TeePlatform& platform, const api::ReplayCache& replay,
                        const std::string& data_dir) {
  SecretBytes plain = replay.Serialize();
  KMS_ASSIGN_OR_RETURN(Bytes sealed,
                       platform.Seal(plain.view(), AsBytes(std::string_view(kReplaySealAad)),
                                     tee::SealPolicy::kMrSigner));
  return WriteFileAtomic(data_dir + kReplayFile, sealed, 0600);
}

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
             {"hint", "replace the certificate and key, then restart"}});
}

// Client connections are bounded by open files, so take all the kernel lets this process have
// (containers often start with a soft limit of 1024 under a far higher hard limit). Returns
// the soft limit in force afterwards.
int64_t RaiseOpenFileLimit() {
  // An "unlimited" value cannot be set for RLIMIT_NOFILE (the kernel caps it at
  // fs.nr_open); treat it as the common default of that cap.
  constexpr rlim_t kUnlimitedAs = 1 << 20;
  struct rlimit lim {};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) return 1024;
  const rlim_t before = lim.rlim_cur == RLIM_INFINITY ? kUnlimitedAs : lim.rlim_cur;
  const rlim_t target = lim.rlim_max == RLIM_INFINITY ? kUnlimitedAs : lim.rlim_max;
  if (before >= target) return static_cast<int64_t>(before);
  struct rlimit raised = lim;
  raised.rlim_cur = target;
  if (::setrlimit(RLIMIT_NOFILE, &raised) != 0) {
    log::Warn("kms.fd_limit_not_raised", {{"soft", static_cast<uint64_t>(before)},
                                          {"hard", static_cast<uint64_t>(target)},
                                          {"error", std::strerror(errno)}});
    return static_cast<int64_t>(before);
  }
  log::Info("kms.fd_limit_raised",
            {{"from", static_cast<uint64_t>(before)}, {"to", static_cast<uint64_t>(target)}});
  return static_cast<int64_t>(target);
}

// Blobs name the domain key that wrapped them (keys/cmk_blob.h), and a store is only ever
// written under one. A data dir whose sealed key belongs to another deployment would otherwise
// start and then fail every request on its keys, one by one.
constexpr int kBlobsCheckedAtStart = 4;  // of each kind: tenants' and keys'

Status CheckBlobsMatchDomainKey(const std::vector<Bytes>& blobs, const keys::DomainKey& dk,
                                const std::string& sealed_path, const store::Store& store) {
  for (const Bytes& blob : blobs) {
    std::optional<keys::DomainKey::Id> id = keys::StoredBlobDomainKeyId(blob);
    if (!id || *id == dk.id()) continue;  // unrecognised blobs are reported when used
    return Status::FailedPrecondition(
        "the store " + store.Describe() + " holds blobs wrapped by another domain key (id " +
        HexEncode(*id) + ") than the sealed domain key " + sealed_path + " (id " + dk.IdHex() +
        "); refusing to start. Use the data dir (sealed domain key and platform secret) that "
        "belongs to this store, or this data dir's own store");
  }
  return Status::Ok();
}

// Stands in while no collateral source is configured: a real quote is then answered "not
// verified" with this reason, instead of the server refusing to start.
class NoCollateralSource final : public attest::CollateralSource {
 public:
  StatusOr<attest::Collateral> Get(const attest::CollateralRequest&) const override {
    return Status::Unavailable("no collateral source is configured for real DCAP quotes");
  }
};

// The verifier behind VerifyQuote. Real quotes chain to the Intel SGX Root CA and need
// `collateral` (a PCCS or files; with none they are answered result false, "no collateral
// source"); sim quotes verify only with allow_simulation, and only under this platform's own
// sim root, so a quote of another KMS's sim platform is refused too.
StatusOr<std::shared_ptr<const attest::QuoteVerifier>> MakeQuoteVerifier(
    const KmsConfig& c, tee::SimPlatform& platform,
    std::shared_ptr<const attest::CollateralSource> collateral) {
  if (collateral == nullptr) collateral = std::make_shared<NoCollateralSource>();
  attest::SimulationTrust sim{.allow_simulation = c.allow_simulation, .sim_root_ca_der = {}};
  if (c.allow_simulation) {
    KMS_ASSIGN_OR_RETURN(sim.sim_root_ca_der, platform.SimRootCaDer());
  }
  KMS_ASSIGN_OR_RETURN(auto verifier, attest::DcapQuoteVerifier::New(
                                          std::move(collateral), attest::IntelSgxRootCaDer(), sim));
  return std::shared_ptr<const attest::QuoteVerifier>(std::move(verifier));
}

class KmsServerImpl final : public KmsServer {
 public:
  Status Init(const KmsConfig& config) {
    const int64_t start_ms = SystemClock::Instance().NowMs();
    KmsConfig c = config;  // max_connections resolved below
    data_dir_ = c.data_dir;
    // Everything this process creates (data dir, kms.db and its -wal/-shm, audit.log, the
    // self-signed pair) holds secrets or metadata in clear: owner-only, whatever umask the
    // operator's shell had. Process-wide on purpose, so no file is ever created wider.
    ::umask(077);
    KMS_RETURN_IF_ERROR(EnsureDirectory(c.data_dir));
    KMS_RETURN_IF_ERROR(
        log::Init({.level = config::LogLevelFromName(c.log_level), .audit_path = c.audit_log}));
    KMS_ASSIGN_OR_RETURN(c.max_connections,
                         ResolveMaxConnections(c.max_connections, RaiseOpenFileLimit()));
    log::Info("kms.config", {{"summary", c.Summary()}});
    if (c.run_mode == "cluster") {
      return Status::FailedPrecondition(
          "run_mode cluster needs the domain key from ehsm-dkeycache, which this build does "
          "not include yet; use run_mode single");
    }
    // A store that is not up yet (CouchDB starting beside us) is waited for. The count that
    // guards against replacing a lost domain key is part of the wait, never skipped.
    int64_t objects = 0;
    std::vector<Bytes> sample;
    KMS_RETURN_IF_ERROR(RetryWhileUnavailable("open store", c.store_connect_timeout_ms, [&] {
      if (!store_) {
        auto opened = OpenStore(c);
        if (!opened.ok()) return opened.status();
        store_ = std::move(opened).value();
      }
      auto counted = store_->CountWrappedObjects();
      if (!counted.ok()) return counted.status();
      objects = *counted;
      auto sampled = store_->SampleWrappedBlobs(kBlobsCheckedAtStart);
      if (!sampled.ok()) return sampled.status();
      sample = std::move(sampled).value();
      return Status::Ok();
    }));
    // A data dir without a domain key has never served a request: nothing there to replay.
    const bool served_before = FileExists(c.data_dir + "/domain_key.sealed");
    KMS_ASSIGN_OR_RETURN(platform_,
                         tee::SimPlatform::Open({.secret_path = c.platform_secret,
                                                 .identity = tee::ToTeeIdentity(c.identity)}));
    const std::string sealed_path = c.data_dir + "/domain_key.sealed";
    KMS_ASSIGN_OR_RETURN(auto dk,
                         keys::LoadOrCreateSealedDomainKey(*platform_, sealed_path, objects));
    KMS_RETURN_IF_ERROR(CheckBlobsMatchDomainKey(sample, *dk, sealed_path, *store_));
    vault_ = std::make_unique<keys::KeyVault>(*platform_, std::move(dk));
    api::ServiceOptions options{.git_sha = KMS_GIT_SHA,
                                .key_lifetime_ms = c.key_lifetime_days * 24 * 3600 * 1000,
                                .key_cache_ttl_ms = c.key_cache_ttl_ms,
                                .enroll_per_second = c.enroll_rate,
                                .enroll_burst = 5 * c.enroll_rate};
    KMS_ASSIGN_OR_RETURN(auto verifier, MakeQuoteVerifier(c, *platform_, /*collateral=*/nullptr));
    context_ = std::make_unique<api::KmsContext>(
        *store_, *vault_, SystemClock::Instance(), options,
        api::Attestation{.platform = platform_.get(), .verifier = std::move(verifier)});
    sweeper_ = std::make_unique<api::SecretDeletionSweeper>(
        *store_, SystemClock::Instance(),
        api::SecretDeletionSweeper::Options{.interval_ms = c.secret_sweep_interval_ms});
    sweeper_->Start();
    int workers = c.workers > 0 ? c.workers : std::max(8, 4 * Cores());
    pool_ = std::make_unique<ThreadPool>(workers, c.queue_limit);
    readiness_ = std::make_unique<Readiness>(*store_, *pool_, SystemClock::Instance(),
                                             Readiness::Options{});
    readiness_->SetDomainKeyLoaded(vault_->domain_key().IdHex());
    KMS_ASSIGN_OR_RETURN(replay_, api::ReplayCache::Create(
                                      SystemClock::Instance(), c.replay_capacity,
                                      c.timestamp_window_ms, ReplayTenantCapacity(c)));
    if (served_before) {
      RestoreReplayWindow(*platform_, *replay_, c.data_dir, start_ms, c.replay_capacity);
    }
    service_ = std::make_unique<api::KmsService>(*context_, *pool_, *replay_);
    adapter_ = std::make_unique<HttpAdapter>(*service_, *readiness_);
    KMS_ASSIGN_OR_RETURN(net::PemPair tls, LoadTls(c));
    if (!c.tls_cert.empty()) {
      WarnIfCertExpiresSoon(c.tls_cert, tls.cert_pem);
      cert_watch_ = std::thread([this, path = c.tls_cert, pem = tls.cert_pem] {
        std::unique_lock<std::mutex> lock(watch_mu_);
        while (!watch_cv_.wait_for(lock, std::chrono::hours(24), [this] { return stopping_; })) {
          WarnIfCertExpiresSoon(path, pem);
        }
      });
    }
    net::HttpsServerOptions http{.host = c.host,
                                 .port = static_cast<uint16_t>(c.port),
                                 .threads = c.threads,
                                 .max_body_bytes = static_cast<size_t>(c.max_body_bytes),
                                 .first_request_timeout_ms =
                                     static_cast<int>(c.first_request_timeout_ms),
                                 .max_connections = c.max_connections,
                                 .max_connections_per_ip = c.max_connections_per_ip,
                                 .cert_pem = std::move(tls.cert_pem),
                                 .key_pem = std::move(tls.key_pem)};
    KMS_ASSIGN_OR_RETURN(http_, net::HttpsServer::Start(http, *adapter_));
    log::Info("kms.started", {{"port", http_->port()}, {"store", store_->Describe()},
                              {"dk_id", vault_->domain_key().IdHex()}});
    return Status::Ok();
  }

  uint16_t port() const override { return http_->port(); }

  void Stop(int grace_ms) override {
    if (stopped_) return;
    stopped_ = true;
    if (http_) {
      http_->Stop(grace_ms);
      http_->Wait();
    }
    if (pool_) pool_->Shutdown();
    if (sweeper_) sweeper_->Stop();
    // Only once no request can be accepted any more, so the file holds every entry.
    if (replay_ && http_) {
      Status saved = SaveReplayWindow(*platform_, *replay_, data_dir_);
      if (saved.ok()) {
        log::Info("replay.window_saved", {{"entries", static_cast<int64_t>(replay_->size())}});
      } else {
        log::Warn("replay.window_not_saved", {{"error", saved.message()}});
      }
    }
    {
      std::lock_guard<std::mutex> lock(watch_mu_);
      stopping_ = true;
    }
    watch_cv_.notify_all();
    if (cert_watch_.joinable()) cert_watch_.join();
    log::Info("kms.stopped");
    log::Flush();
  }

  ~KmsServerImpl() override { Stop(0); }

 private:
  // Declaration order is destruction order in reverse: the listener goes first.
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<tee::SimPlatform> platform_;
  std::unique_ptr<keys::KeyVault> vault_;
  std::unique_ptr<api::KmsContext> context_;
  std::unique_ptr<api::SecretDeletionSweeper> sweeper_;
  std::unique_ptr<ThreadPool> pool_;
  // After pool_: destroyed first, but Stop() has shut the pool down (running its queued
  // pings) before any member is destroyed.
  std::unique_ptr<Readiness> readiness_;
  std::unique_ptr<api::ReplayCache> replay_;
  std::unique_ptr<api::KmsService> service_;
  std::unique_ptr<HttpAdapter> adapter_;
  std::unique_ptr<net::HttpsServer> http_;
  std::string data_dir_;
  bool stopped_ = false;
  // Daily check of an operator-supplied certificate's expiry.
  std::mutex watch_mu_;
  std::condition_variable watch_cv_;
  bool stopping_ = false;  // guarded by watch_mu_
  std::thread cert_watch_;
};

}  // namespace

StatusOr<std::unique_ptr<KmsServer>> KmsServer::Start(const KmsConfig& config) {
  auto server = std::make_unique<KmsServerImpl>();
  KMS_RETURN_IF_ERROR(server->Init(config));
  return std::unique_ptr<KmsServer>(std::move(server));
}

}  // namespace kms::server
