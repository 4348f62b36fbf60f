#include "dkey/local_dk_server.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <thread>

#include "common/log.h"
#include "common/thread_pool.h"
#include "dkey/local_protocol.h"
#include "dkey/local_socket.h"

namespace kms::dkey {
namespace {

using local::Deadline;
using local::UniqueFd;

struct PeerCred {
  std::string uid = "?";
  std::string pid = "?";
};

PeerCred PeerOf(int fd) {
  ucred cred{};
  socklen_t len = sizeof(cred);
  PeerCred p;
  if (::getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
    p.uid = std::to_string(cred.uid);
    p.pid = std::to_string(cred.pid);
  }
  return p;
}

class LocalDkServerImpl final : public LocalDkServer {
 public:
  LocalDkServerImpl(const LocalDkServerOptions& options, tee::TeePlatform& platform,
                    const Policy& policy, DkSource source)
      : options_(options),
        platform_(platform),
        policy_(policy),
        source_(std::move(source)),
        pool_(static_cast<size_t>(options.workers), static_cast<size_t>(options.max_queued)) {}

  ~LocalDkServerImpl() override {
    stopping_ = true;
    if (wake_.get() >= 0) {
      const uint64_t one = 1;
      (void)!::write(wake_.get(), &one, sizeof(one));
    }
    if (acceptor_.joinable()) acceptor_.join();
    pool_.Shutdown();  // queued connections see stopping_ and close at once
    if (listen_.get() >= 0) ::unlink(options_.socket_path.c_str());
  }

  Status Init() {
    KMS_ASSIGN_OR_RETURN(listen_, local::ListenUnix(options_.socket_path, options_.socket_mode));
    wake_ = UniqueFd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
    if (wake_.get() < 0) return Status::Internal("eventfd failed");
    acceptor_ = std::thread([this] { AcceptLoop(); });
    return Status::Ok();
  }

 private:
  void AcceptLoop() {
    while (!stopping_) {
      pollfd fds[2] = {{.fd = listen_.get(), .events = POLLIN, .revents = 0},
                       {.fd = wake_.get(), .events = POLLIN, .revents = 0}};
      if (::poll(fds, 2, -1) < 0) continue;  // EINTR
      if (stopping_) return;
      if (!(fds[0].revents & POLLIN)) continue;
      const int fd = ::accept4(listen_.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (fd < 0) {
        if (errno == EMFILE || errno == ENFILE) {
          log::Warn("dkeycache.accept_failed", {{"error", "out of file descriptors"}});
          std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
        continue;
      }
      auto conn = std::make_shared<UniqueFd>(fd);
      if (!pool_.TrySubmit([this, conn] { Serve(conn->get()); })) {
        const PeerCred peer = PeerOf(fd);
        log::Warn("dkeycache.connection_dropped",
                  {{"uid", peer.uid}, {"pid", peer.pid}, {"reason", "too many connections"}});
      }
    }
  }

  void Serve(int fd) {
    if (stopping_) return;
    const PeerCred peer = PeerOf(fd);
    log::Info("dkeycache.request", {{"uid", peer.uid}, {"pid", peer.pid}});
    const Deadline deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(options_.timeout_ms);
    Status s = Exchange(fd, peer, deadline);
    if (!s.ok()) {
      log::Warn("dkeycache.request_failed",
                {{"uid", peer.uid}, {"pid", peer.pid}, {"reason", s.message()}});
    }
  }

  // Errors are transport or format failures (nothing more can be said to the peer); refusals
  // are answered and logged here.
  Status Exchange(int fd, const PeerCred& peer, Deadline deadline) {
    local::Nonce server_nonce;
    KMS_RETURN_IF_ERROR(local::RandomNonce(server_nonce));
    KMS_RETURN_IF_ERROR(local::WriteFrame(fd, local::MakeHello(server_nonce), deadline));
    KMS_ASSIGN_OR_RETURN(Bytes request, local::ReadFrame(fd, deadline));
    auto report = local::ParseRequest(platform_, request, server_nonce);
    if (!report.ok()) {
      if (report.status().code() != Code::kPermissionDenied) return report.status();
      return Refuse(fd, peer, deadline, "-", report.status().message());
    }
    const std::string who = DescribeIdentity(report->identity);
    Status allowed = policy_.Check(Role::kKms, report->identity);
    if (!allowed.ok()) return Refuse(fd, peer, deadline, who, allowed.message());
    auto dk = source_();
    if (!dk.ok()) return Refuse(fd, peer, deadline, who, dk.status().message());
    KMS_ASSIGN_OR_RETURN(Bytes grant, local::MakeGrant(platform_, server_nonce,
                                                       report->own_nonce, dk->view()));
    KMS_RETURN_IF_ERROR(local::WriteFrame(fd, grant, deadline));
    log::Info("dkeycache.domain_key_granted",
              {{"uid", peer.uid}, {"pid", peer.pid}, {"identity", who}});
    return Status::Ok();
  }

  Status Refuse(int fd, const PeerCred& peer, Deadline deadline, const std::string& who,
                const std::string& reason) {
    log::Warn("dkeycache.domain_key_refused",
              {{"uid", peer.uid}, {"pid", peer.pid}, {"identity", who}, {"reason", reason}});
    return local::WriteFrame(fd, local::MakeRefuse(reason), deadline);
  }

  const LocalDkServerOptions options_;
  tee::TeePlatform& platform_;
  const Policy& policy_;
  const DkSource source_;
  std::atomic<bool> stopping_{false};
  UniqueFd listen_;
  UniqueFd wake_;
  ThreadPool pool_;  // after the fds: destroyed first
  std::thread acceptor_;
};

}  // namespace

StatusOr<std::unique_ptr<LocalDkServer>> LocalDkServer::Start(const LocalDkServerOptions& options,
                                                              tee::TeePlatform& platform,
                                                              const Policy& policy,
                                                              DkSource source) {
  auto server =
      std::make_unique<LocalDkServerImpl>(options, platform, policy, std::move(source));
  KMS_RETURN_IF_ERROR(server->Init());
  return std::unique_ptr<LocalDkServer>(std::move(server));
}

}  // namespace kms::dkey
