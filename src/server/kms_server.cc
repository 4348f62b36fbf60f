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
#include "attest/collateral_config.h"
#include "attest/dcap_verifier.h"
#include "attest/intel_root_ca.h"
#include "common/backoff.h"
#include "common/clock.h"
#include "common/config_binder.h"
#include "common/file_util.h"
#include "common/log.h"
#include "common/thread_pool.h"
#include "dkey/local_dk_client.h"
#include "dkey/policy.h"
#include "keys/domain_key.h"
#include "keys/import_session.h"
#include "keys/key_vault.h"
#include "net/https_server.h"
#include "net/self_signed_cert.h"
#include "server/audit_trail.h"
#include "server/enroll_guard.h"
#include "server/readiness.h"
#include "server/kms_telemetry.h"
#include "server/service_gate.h"
#include "store/metered_store.h"
#include "server/store_factory.h"
#include "server/tls_reloader.h"
#include "tee/platform_factory.h"
#include "tee/sim/sim_platform.h"

#ifndef KMS_GIT_SHA
#define KMS_GIT_SHA "0000000"
#endif
#ifndef KMS_VERSION
#define KMS_VERSION "0.0.0"
#endif

namespace kms::server {
namespace {

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

// Source addresses whose Enroll rate is tracked at once (about 100 bytes each).
constexpr size_t kEnrollAddressesTracked = 16384;

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
    const KmsConfig& c, tee::TeePlatform& platform,
    std::shared_ptr<const attest::CollateralSource> collateral) {
  if (collateral == nullptr) collateral = std::make_shared<NoCollateralSource>();
  attest::SimulationTrust sim{.allow_simulation = c.allow_simulation, .sim_root_ca_der = {}};
  if (c.allow_simulation) {
    auto* sim_platform = dynamic_cast<tee::SimPlatform*>(&platform);
    if (sim_platform == nullptr) {
      return Status::InvalidArgument("allow_simulation needs tee sim (it trusts the sim root of "
                                     "this process's own sim platform)");
    }
    KMS_ASSIGN_OR_RETURN(sim.sim_root_ca_der, sim_platform->SimRootCaDer());
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
    // audit.log is the hash-chained trail (server/audit_trail.h); the actions' detail lines
    // (log::Audit) go to the main log.
    KMS_RETURN_IF_ERROR(log::Init({.level = config::LogLevelFromName(c.log_level),
                                   .format = *log::ParseFormat(c.log_format),
                                   .audit_path = ""}));
    KMS_ASSIGN_OR_RETURN(audit_, OpenAuditTrail(c));
    KmsTelemetry::Options telemetry;
    telemetry.version = KMS_VERSION;
    telemetry.git_sha = KMS_GIT_SHA;
    telemetry_ = std::make_unique<KmsTelemetry>(std::move(telemetry));
    KMS_ASSIGN_OR_RETURN(c.max_connections,
                         ResolveMaxConnections(c.max_connections, RaiseOpenFileLimit()));
    log::Info("kms.config", {{"summary", c.Summary()}});
    KMS_ASSIGN_OR_RETURN(collateral_, attest::MakeCollateralSource(c.collateral, "kms"));
    const bool cluster = c.run_mode == "cluster";
    std::optional<dkey::Policy> policy;
    if (cluster) {
      auto loaded = dkey::Policy::LoadFile(c.policy);
      if (!loaded.ok()) return Status::InvalidArgument(loaded.status().message());
      policy.emplace(std::move(loaded).value());
      log::Info("kms.policy", {{"summary", policy->Summary()}});
    }
    // A store that is not up yet (CouchDB starting beside us) is waited for. The count that
    // guards against replacing a lost domain key is part of the wait, never skipped.
    int64_t objects = 0;
    std::vector<Bytes> sample;
    KMS_RETURN_IF_ERROR(RetryWhileUnavailable("open store", c.store_connect_timeout_ms, [&] {
      if (!store_) {
        auto opened = OpenStore(c);
        if (!opened.ok()) return opened.status();
        store_ = std::make_unique<store::MeteredStore>(std::move(opened).value(),
                                                       telemetry_->registry());
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
    // (Cluster mode keeps its key in memory only; its replay window is saved as in single.)
    const bool served_before = cluster || FileExists(c.data_dir + "/domain_key.sealed");
    KMS_ASSIGN_OR_RETURN(platform_, tee::OpenPlatform(tee::ToPlatformSpec(c.identity)));
    KMS_ASSIGN_OR_RETURN(verifier_, MakeQuoteVerifier(c, *platform_, collateral_));
    std::unique_ptr<keys::DomainKey> dk;
    if (!cluster) {
      const std::string sealed_path = c.data_dir + "/domain_key.sealed";
      KMS_ASSIGN_OR_RETURN(dk, keys::LoadOrCreateSealedDomainKey(*platform_, sealed_path, objects));
      KMS_RETURN_IF_ERROR(CheckBlobsMatchDomainKey(sample, *dk, sealed_path, *store_));
    }
    options_ = api::ServiceOptions{.git_sha = KMS_GIT_SHA,
                                   .key_lifetime_ms = c.key_lifetime_days * 24 * 3600 * 1000,
                                   .key_cache_ttl_ms = c.key_cache_ttl_ms,
                                   .enroll_per_second = c.enroll_rate,
                                   .enroll_burst = 5 * c.enroll_rate,
                                   .audit = audit_.get(),
                                   .audit_required = c.hardening.audit_required};
    sweep_interval_ms_ = c.secret_sweep_interval_ms;
    int workers = c.workers > 0 ? c.workers : std::max(8, 4 * Cores());
    pool_ = std::make_unique<ThreadPool>(workers, c.queue_limit);
    readiness_ = std::make_unique<Readiness>(*store_, *pool_, SystemClock::Instance(),
                                             Readiness::Options{});
    KMS_ASSIGN_OR_RETURN(replay_, api::ReplayCache::Create(
                                      SystemClock::Instance(), c.replay_capacity,
                                      c.timestamp_window_ms, ReplayTenantCapacity(c)));
    if (served_before) {
      RestoreReplayWindow(*platform_, *replay_, c.data_dir, start_ms, c.replay_capacity);
    }
    telemetry_->WatchPool(*pool_);
    telemetry_->WatchReplay(*replay_);
    gate_ = std::make_unique<ServiceGate>(options_, *readiness_);
    gate_->ServeMetrics(telemetry_->registry(), c.metrics_token);
    if (!cluster) {
      // Single mode: the store records the fingerprint, or the key is refused (not ready).
      KMS_RETURN_IF_ERROR(Activate(std::move(dk)));
    }
    KMS_ASSIGN_OR_RETURN(net::PemPair tls, LoadTls(c));
    std::string cert_in_service = tls.cert_pem;
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
    enroll_guard_ = std::make_unique<EnrollGuard>(
        EnrollGuardOptions{.token = c.hardening.enroll_token,
                           .per_ip_per_second = c.hardening.enroll_rate_per_ip,
                           .max_addresses = kEnrollAddressesTracked},
        SystemClock::Instance(), *gate_, audit_.get());
    KMS_ASSIGN_OR_RETURN(http_, net::HttpsServer::Start(http, *enroll_guard_));
    telemetry_->WatchConnections([this] { return http_->connection_stats(); });
    tls_reloader_ = std::make_unique<TlsReloader>(
        TlsReloaderOptions{.cert_path = c.tls_cert,
                           .key_path = c.tls_key,
                           .interval_ms = c.hardening.tls_reload_interval_ms},
        [this](const std::string& cert, const std::string& key) {
          return http_->ReloadTls(cert, key);
        },
        std::move(cert_in_service));
    tls_reloader_->Start();
    log::Info("kms.started", {{"port", http_->port()}, {"store", store_->Describe()},
                              {"mode", c.run_mode},
                              {"dk_id", vault_ ? vault_->domain_key().IdHex() : std::string("-")}});
    if (cluster) {
      policy_ = std::make_unique<dkey::Policy>(std::move(*policy));
      upstream_ = dkey::NewLocalDkClient({.socket_path = c.dkeycache_socket}, *platform_,
                                         *policy_);
      readiness_->SetDomainKeyRefused("waiting for the domain key from the dkeycache");
      dk_thread_ = std::thread([this] { ObtainDomainKey(); });
    }
    return Status::Ok();
  }

  uint16_t port() const override { return http_->port(); }

  void Stop(int grace_ms) override {
    if (stopped_) return;
    stopped_ = true;
    {
      std::lock_guard<std::mutex> lock(watch_mu_);
      stopping_ = true;
    }
    watch_cv_.notify_all();
    if (dk_thread_.joinable()) dk_thread_.join();
    if (tls_reloader_) tls_reloader_->Stop();
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
    if (telemetry_) telemetry_->Flush();
    if (audit_) audit_->Close();  // its final checkpoint covers every request served
    log::Info("kms.stopped");
    log::Flush();
  }

  ~KmsServerImpl() override { Stop(0); }

 private:
  // Cluster mode: asks the node's dkeycache until it grants the key (retrying with backoff,
  // not ready meanwhile and saying why), then activates it. Runs on dk_thread_.
  void ObtainDomainKey() {
    Backoff backoff(std::chrono::milliseconds(200), std::chrono::seconds(10));
    for (;;) {
      Status s = FetchAndActivate();
      if (s.ok()) return;
      const auto delay = backoff.Next();
      readiness_->SetDomainKeyRefused("waiting for the domain key from the dkeycache");
      log::Warn("kms.domain_key_retry", {{"attempt", backoff.attempts()},
                                         {"delay_ms", static_cast<int64_t>(delay.count())},
                                         {"source", upstream_->Describe()},
                                         {"error", s.message()}});
      std::unique_lock<std::mutex> lock(watch_mu_);
      if (watch_cv_.wait_for(lock, delay, [this] { return stopping_; })) return;
    }
  }

  // OK also when the key was refused (that is final); an error means "try again".
  Status FetchAndActivate() {
    KMS_ASSIGN_OR_RETURN(dkey::FetchedDomainKey fetched, upstream_->Fetch());
    KMS_ASSIGN_OR_RETURN(auto dk, keys::DomainKey::FromBytes(fetched.dk.view()));
    log::Info("kms.domain_key_obtained",
              {{"dk_id", dk->IdHex()}, {"served_by", fetched.served_by}});
    RecordDomainKeyEvent(audit_.get(), "obtained", dk->IdHex(), "from " + fetched.served_by);
    KMS_ASSIGN_OR_RETURN(std::vector<Bytes> sample,
                         store_->SampleWrappedBlobs(kBlobsCheckedAtStart));
    Status blobs = CheckBlobsMatchDomainKey(sample, *dk, "from " + fetched.served_by, *store_);
    if (!blobs.ok()) {
      Refuse(*dk, "", blobs.message());
      return Status::Ok();
    }
    return Activate(std::move(dk));
  }

  // Checks `dk` against the fingerprint the store records (recording it when none is), then
  // opens the service. A mismatch is not an error: the server runs, refusing (see Refuse).
  Status Activate(std::unique_ptr<keys::DomainKey> dk) {
    const std::string id = dk->IdHex();
    KMS_ASSIGN_OR_RETURN(std::string recorded, store_->RecordDomainKeyId(id));
    if (recorded != id) {
      Refuse(*dk, recorded, "the store records another domain key");
      return Status::Ok();
    }
    if (audit_) audit_->SetCheckpointKey(dk->audit_checkpoint_key(), id);
    RecordDomainKeyEvent(audit_.get(), "activated", id);
    vault_ = std::make_unique<keys::KeyVault>(*platform_, std::move(dk));
    context_ = std::make_unique<api::KmsContext>(
        *store_, *vault_, SystemClock::Instance(), options_,
        api::Attestation{.platform = platform_.get(), .verifier = verifier_});
    sweeper_ = std::make_unique<api::SecretDeletionSweeper>(
        *store_, SystemClock::Instance(),
        api::SecretDeletionSweeper::Options{.interval_ms = sweep_interval_ms_,
                                            .audit = audit_.get()});
    sweeper_->Start();
    service_ = std::make_unique<api::KmsService>(*context_, *pool_, *replay_, telemetry_.get());
    telemetry_->SetServing(*context_, *vault_, id);
    gate_->Open(*service_);
    readiness_->SetDomainKeyLoaded(id);
    return Status::Ok();
  }

  // For good: not ready, and only GetVersion and the probes answer (ServiceGate).
  void Refuse(const keys::DomainKey& dk, const std::string& recorded, const std::string& why) {
    RecordDomainKeyEvent(audit_.get(), "refused", dk.IdHex(), why);
    log::Error("kms.domain_key_mismatch",
               {{"dk_id", dk.IdHex()},
                {"store_dk_id", recorded.empty() ? std::string("-") : recorded},
                {"store", store_->Describe()},
                {"reason", why},
                {"action", "refusing to serve; GetVersion and /healthz still answer"}});
    readiness_->SetDomainKeyRefused(
        "domain key mismatch: this KMS holds dk_id " + dk.IdHex() +
        (recorded.empty() ? ", the store's keys were wrapped by another"
                          : ", the store records dk_id " + recorded));
  }

  // Declaration order is destruction order in reverse: the listener goes first.
  // First: the store, the service and the listener report into it until they are gone.
  std::unique_ptr<KmsTelemetry> telemetry_;
  std::unique_ptr<audit::AuditLog> audit_;  // null only without --audit-required
  // DCAP collateral for verifying real quotes (pccs_url / collateral_dir); null when neither.
  std::shared_ptr<const attest::CollateralSource> collateral_;  // null: none configured
  std::shared_ptr<const attest::QuoteVerifier> verifier_;        // VerifyQuote's
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<tee::TeePlatform> platform_;
  std::unique_ptr<keys::KeyVault> vault_;
  std::unique_ptr<api::KmsContext> context_;
  std::unique_ptr<api::SecretDeletionSweeper> sweeper_;
  std::unique_ptr<ThreadPool> pool_;
  // After pool_: destroyed first, but Stop() has shut the pool down (running its queued
  // pings) before any member is destroyed.
  std::unique_ptr<Readiness> readiness_;
  std::unique_ptr<api::ReplayCache> replay_;
  std::unique_ptr<api::KmsService> service_;
  std::unique_ptr<ServiceGate> gate_;
  std::unique_ptr<EnrollGuard> enroll_guard_;  // in front of gate_
  api::ServiceOptions options_;
  int64_t sweep_interval_ms_ = 30000;
  // Cluster mode.
  std::unique_ptr<dkey::Policy> policy_;
  std::unique_ptr<dkey::DkUpstream> upstream_;
  std::thread dk_thread_;
  std::unique_ptr<net::HttpsServer> http_;
  std::string data_dir_;
  bool stopped_ = false;
  std::unique_ptr<TlsReloader> tls_reloader_;  // after http_: stopped and destroyed first
  // Wakes the cluster-mode domain-key thread at stop.
  std::mutex watch_mu_;
  std::condition_variable watch_cv_;
  bool stopping_ = false;  // guarded by watch_mu_
};

}  // namespace

StatusOr<std::unique_ptr<KmsServer>> KmsServer::Start(const KmsConfig& config) {
  auto server = std::make_unique<KmsServerImpl>();
  KMS_RETURN_IF_ERROR(server->Init(config));
  return std::unique_ptr<KmsServer>(std::move(server));
}

}  // namespace kms::server
