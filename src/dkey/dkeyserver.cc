#include "dkey/dkeyserver.h"

#include <sys/stat.h>

#include <boost/asio/ip/tcp.hpp>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "attest/collateral_config.h"
#include "common/backoff.h"
#include "common/file_util.h"
#include "common/log.h"
#include "dkey/dk_service.h"
#include "dkey/daemon_metrics.h"
#include "dkey/health_server.h"
#include "dkey/listen.h"
#include "dkey/ra_tls_upstream.h"
#include "dkey/sealed_dk.h"
#include "tee/platform_factory.h"

namespace kms::dkey {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

constexpr char kNoKeyReason[] = "no domain key: start with --init or --peer";

// The replica's retries: soon after a peer restart, but never more than every 30 s.
constexpr std::chrono::milliseconds kPeerRetryInitial{500};
constexpr std::chrono::milliseconds kPeerRetryMax{30000};

// Without a service (our evidence cannot be made) the port still accepts, and says why it closes.
void DropConnection(tcp::socket socket, const std::string& reason) {
  boost::system::error_code ec;
  const tcp::endpoint peer = socket.remote_endpoint(ec);
  log::Warn("dkeyserver.connection_dropped",
            {{"peer", ec ? std::string("?")
                         : peer.address().to_string() + ":" + std::to_string(peer.port())},
             {"reason", reason}});
  socket.close(ec);
}

class DkeyServerImpl final : public DkeyServer {
 public:
  explicit DkeyServerImpl(Policy policy) : policy_(std::move(policy)) {}
  ~DkeyServerImpl() override { Stop(); }

  Status Init(const DkeyServerConfig& c) {
    // The data dir holds the sealed key and the platform secret: owner-only, whatever umask
    // the operator's shell had.
    ::umask(077);
    KMS_RETURN_IF_ERROR(EnsureDirectory(c.data_dir));
    data_dir_ = c.data_dir;
    peer_ = c.peer;
    KMS_ASSIGN_OR_RETURN(platform_, tee::OpenPlatform(tee::ToPlatformSpec(c.identity)));
    // Before the key: a collateral setting that names nothing usable is a start error.
    KMS_ASSIGN_OR_RETURN(collateral_, attest::MakeCollateralSource(c.collateral, "dkeyserver"));
    KMS_RETURN_IF_ERROR(ObtainDomainKey(c));
    PrepareChannel();
    listener_ = std::make_unique<TcpListener>();
    KMS_RETURN_IF_ERROR(listener_->Start(c.host, static_cast<uint16_t>(c.port),
                                         "domain-key requests", "dkeyserver.accept_failed",
                                         [this](tcp::socket s) { Accept(std::move(s)); }));
    if (c.health_port >= 0) {
      RegisterDaemonMetrics(metrics_, "ehsm-dkeyserver", [this] { return HeldDkId(); }, [this] { return Ready(); });
      KMS_ASSIGN_OR_RETURN(health_, HealthServer::Start(
                                        {.host = c.host,
                                         .port = static_cast<uint16_t>(c.health_port),
                                         .metrics = &metrics_,
                                         .metrics_token = c.metrics_token},
                                        [this] { return Ready(); }));
    }
    if (!peer_.empty() && channel_error_.empty()) StartReplication();
    log::Info("dkeyserver.started",
              {{"port", listener_->port()},
               {"health_port", health_ ? std::to_string(health_->port()) : std::string("-")},
               {"ready", Ready().ok() ? "true" : "false"}});
    return Status::Ok();
  }

  uint16_t port() const override { return listener_ ? listener_->port() : 0; }
  std::optional<uint16_t> health_port() const override {
    if (!health_) return std::nullopt;
    return health_->port();
  }

  std::string HeldDkId() const {
    std::lock_guard lock(mu_);
    return dk_.empty() ? std::string() : dk_id_;
  }

  Status Ready() const override {
    std::lock_guard lock(mu_);
    if (dk_.empty()) return Status::Unavailable(not_ready_);
    if (!channel_error_.empty()) return Status::Unavailable(channel_error_);
    return Status::Ok();
  }

  void Stop() override {
    {
      std::lock_guard lock(mu_);
      stopping_ = true;
    }
    stop_cv_.notify_all();
    if (replicator_.joinable()) replicator_.join();
    health_.reset();
    // Closing the port ends every connection before the state they read goes away.
    listener_.reset();
  }

 private:
  // The attested channel's evidence and verifier. Failing to make them (the sim attestation
  // chain next to the platform secret does not unseal) leaves the process up, not ready,
  // saying why: like a key that does not unseal, it needs an operator.
  void PrepareChannel() {
    auto tls = std::make_shared<RaTlsContextSource>(*platform_);
    Status made = tls->Current().status();
    auto verifier = made.ok() ? RaTlsVerifier::New(policy_, *platform_, {}, collateral_)
                              : StatusOr<std::shared_ptr<const RaTlsVerifier>>(made);
    if (!verifier.ok()) {
      std::lock_guard lock(mu_);
      channel_error_ = "cannot make or check attestation evidence: " + verifier.status().message();
      log::Error("dkeyserver.not_ready", {{"reason", channel_error_}});
      return;
    }
    tls_ = tls;
    service_ = std::make_unique<DkService>(tls, *verifier, [this] { return CurrentKey(); },
                                           "dkeyserver");
  }

  void Accept(tcp::socket socket) {
    if (!service_) {
      std::string reason;
      {
        std::lock_guard lock(mu_);
        reason = channel_error_;
      }
      return DropConnection(std::move(socket), reason);
    }
    service_->Serve(std::move(socket));
  }

  StatusOr<HeldDomainKey> CurrentKey() const {
    std::lock_guard lock(mu_);
    if (dk_.empty()) return Status::Unavailable(not_ready_);
    return HeldDomainKey{.dk = dk_.Clone(), .dk_id = dk_id_};
  }

  Status ObtainDomainKey(const DkeyServerConfig& c) {
    SealedDomainKeyFile file(*platform_, c.data_dir);
    if (file.Exists()) {
      auto loaded = file.Load();
      if (!loaded.ok()) return NotReady(loaded.status().message(), file.path());
      return Hold(std::move(loaded).value(), "dkeyserver.domain_key_loaded", file.path());
    }
    if (c.init) {
      auto created = file.Create();
      if (created.status().code() == Code::kAlreadyExists) return ObtainDomainKey(c);  // raced
      KMS_RETURN_IF_ERROR(created.status());
      return Hold(std::move(created).value(), "dkeyserver.domain_key_created", file.path());
    }
    if (!c.peer.empty()) {
      return NotReady("no domain key: obtaining it from --peer " + c.peer, file.path());
    }
    return NotReady(kNoKeyReason, file.path());
  }

  // A replica: obtains the key from --peer when it has none, or checks that the peer serves the
  // same key when it has one. Retries (backoff) until one exchange completes; never exits.
  void StartReplication() {
    auto upstream = RaTlsUpstream::New(
        {.sources = {peer_}, .role = Role::kDkeyServer, .collateral = collateral_}, *platform_,
        policy_);
    if (!upstream.ok()) {
      log::Error("dkeyserver.peer_unusable", {{"peer", peer_}, {"error", upstream.status().message()}});
      return;
    }
    replicator_ = std::thread([this, up = std::move(upstream).value()] { Replicate(*up); });
  }

  void Replicate(DkUpstream& upstream) {
    Backoff backoff(kPeerRetryInitial, kPeerRetryMax);
    while (true) {
      auto got = upstream.Fetch();
      if (got.ok()) return Adopt(std::move(got).value());
      const auto delay = backoff.Next();
      log::Warn("dkeyserver.peer_fetch_failed", {{"peer", peer_},
                                                 {"error", got.status().message()},
                                                 {"retry_in_ms", delay.count()}});
      std::unique_lock lock(mu_);
      if (dk_.empty()) {
        not_ready_ = "no domain key: obtaining it from --peer " + peer_ + ": " +
                     got.status().message();
      }
      if (stop_cv_.wait_for(lock, delay, [this] { return stopping_; })) return;
    }
  }

  void Adopt(FetchedDomainKey got) {
    std::string held_id;
    {
      std::lock_guard lock(mu_);
      held_id = dk_id_;
    }
    if (!held_id.empty()) {
      if (held_id == got.dk_id) {
        log::Info("dkeyserver.peer_domain_key_matches", {{"peer", got.served_by}, {"dk_id", held_id}});
      } else {
        // Two different keys in one deployment: keep ours (stored keys depend on it) and say so.
        log::Error("dkeyserver.domain_key_mismatch", {{"peer", got.served_by},
                                                      {"held_dk_id", held_id},
                                                      {"peer_dk_id", got.dk_id},
                                                      {"action", "kept ours, refused the peer's"}});
      }
      return;
    }
    SealedDomainKeyFile file(*platform_, data_dir_);
    Status stored = file.Store(got.dk.view());
    if (!stored.ok()) {
      log::Error("dkeyserver.seal_failed", {{"path", file.path()},
                                            {"error", stored.message()},
                                            {"action", "serving from memory"}});
    }
    log::Info("dkeyserver.domain_key_obtained", {{"dk_id", got.dk_id},
                                                 {"peer", got.served_by},
                                                 {"path", file.path()},
                                                 {"sealed", stored.ok() ? "true" : "false"}});
    std::lock_guard lock(mu_);
    dk_ = std::move(got.dk);
    dk_id_ = std::move(got.dk_id);
  }

  Status Hold(SecretBytes key, std::string_view event, const std::string& path) {
    KMS_ASSIGN_OR_RETURN(std::string id, DomainKeyId(key.view()));
    log::Info(event, {{"dk_id", id}, {"path", path}});
    std::lock_guard lock(mu_);
    dk_ = std::move(key);
    dk_id_ = std::move(id);
    return Status::Ok();
  }

  // Not an error for start-up: the process runs, not ready, and says why (log and /readyz).
  Status NotReady(const std::string& reason, const std::string& path) {
    log::Warn("dkeyserver.not_ready", {{"reason", reason}, {"path", path}});
    std::lock_guard lock(mu_);
    not_ready_ = reason;
    return Status::Ok();
  }

  const Policy policy_;  // for the peer checks of the attested channel
  std::string data_dir_;
  std::string peer_;
  std::unique_ptr<tee::TeePlatform> platform_;
  // Verifies the peers' real quotes (--pccs-url, --collateral-dir); null: none configured.
  std::shared_ptr<const attest::CollateralSource> collateral_;
  mutable std::mutex mu_;
  SecretBytes dk_;             // guarded by mu_; empty while not held
  std::string dk_id_;          // guarded by mu_
  std::string not_ready_;      // guarded by mu_
  std::string channel_error_;  // guarded by mu_; set once, at Init
  bool stopping_ = false;      // guarded by mu_
  std::condition_variable stop_cv_;
  std::shared_ptr<RaTlsContextSource> tls_;
  std::unique_ptr<DkService> service_;
  std::unique_ptr<TcpListener> listener_;
  metrics::Registry metrics_;  // before health_, which renders it
  std::unique_ptr<HealthServer> health_;
  std::thread replicator_;
};

}  // namespace

StatusOr<std::unique_ptr<DkeyServer>> DkeyServer::Start(const DkeyServerConfig& config,
                                                        Policy policy) {
  auto server = std::make_unique<DkeyServerImpl>(std::move(policy));
  KMS_RETURN_IF_ERROR(server->Init(config));
  return std::unique_ptr<DkeyServer>(std::move(server));
}

}  // namespace kms::dkey
