#include "dkey/dkeyserver.h"

#include <sys/stat.h>

#include <boost/asio/ip/tcp.hpp>
#include <mutex>

#include "common/file_util.h"
#include "common/log.h"
#include "dkey/health_server.h"
#include "dkey/listen.h"
#include "dkey/sealed_dk.h"
#include "tee/sim/sim_platform.h"

namespace kms::dkey {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

constexpr char kNoKeyReason[] = "no domain key: start with --init or --peer";

// The domain-key port until the attested channel exists: accepts, logs, closes. Binding it now
// lets deployments and probes wire the port; sending nothing means no peer can mistake it for
// a working server, and nothing about the key can leak.
void RefuseConnection(tcp::socket socket) {
  boost::system::error_code ec;
  const tcp::endpoint peer = socket.remote_endpoint(ec);
  log::Info("dkeyserver.connection_refused",
            {{"peer", ec ? std::string("?")
                         : peer.address().to_string() + ":" + std::to_string(peer.port())},
             {"reason", "the attested channel is not in this build; nothing is served"}});
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
    KMS_ASSIGN_OR_RETURN(platform_,
                         tee::SimPlatform::Open({.secret_path = c.identity.platform_secret,
                                                 .identity = tee::ToTeeIdentity(c.identity)}));
    KMS_RETURN_IF_ERROR(ObtainDomainKey(c));
    KMS_RETURN_IF_ERROR(listener_.Start(c.host, static_cast<uint16_t>(c.port),
                                        "domain-key requests", "dkeyserver.accept_failed",
                                        RefuseConnection));
    if (c.health_port >= 0) {
      KMS_ASSIGN_OR_RETURN(health_, HealthServer::Start(
                                        {.host = c.host,
                                         .port = static_cast<uint16_t>(c.health_port)},
                                        [this] { return Ready(); }));
    }
    log::Info("dkeyserver.started",
              {{"port", listener_.port()},
               {"health_port", health_ ? std::to_string(health_->port()) : std::string("-")},
               {"ready", Ready().ok() ? "true" : "false"}});
    return Status::Ok();
  }

  uint16_t port() const override { return listener_.port(); }
  std::optional<uint16_t> health_port() const override {
    if (!health_) return std::nullopt;
    return health_->port();
  }

  Status Ready() const override {
    std::lock_guard lock(mu_);
    if (!dk_.empty()) return Status::Ok();
    return Status::Unavailable(not_ready_);
  }

  void Stop() override {
    health_.reset();
    // The listener closes with the object; nothing else runs.
  }

 private:
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
      return NotReady("no domain key: obtaining it from --peer " + c.peer +
                          " needs the attested channel, which this build does not have yet",
                      file.path());
    }
    return NotReady(kNoKeyReason, file.path());
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
  std::unique_ptr<tee::SimPlatform> platform_;
  mutable std::mutex mu_;
  SecretBytes dk_;         // guarded by mu_; empty while not held
  std::string dk_id_;      // guarded by mu_
  std::string not_ready_;  // guarded by mu_
  TcpListener listener_;
  std::unique_ptr<HealthServer> health_;
};

}  // namespace

StatusOr<std::unique_ptr<DkeyServer>> DkeyServer::Start(const DkeyServerConfig& config,
                                                        Policy policy) {
  auto server = std::make_unique<DkeyServerImpl>(std::move(policy));
  KMS_RETURN_IF_ERROR(server->Init(config));
  return std::unique_ptr<DkeyServer>(std::move(server));
}

}  // namespace kms::dkey
