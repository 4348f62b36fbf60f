#include "net/https_server.h"

#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "common/log.h"
#include "net/connection_limits.h"
#include "net/http_connection.h"
#include "net/tls_context.h"
#include "net/tls_context_holder.h"

namespace kms::net {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using ReusePort = asio::detail::socket_option::boolean<SOL_SOCKET, SO_REUSEPORT>;

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

void LogIfThrew(std::exception_ptr e) {
  if (!e) return;
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& ex) {
    log::Error("net.coroutine_threw", {{"what", ex.what()}});
  } catch (...) {
    log::Error("net.coroutine_threw");
  }
}

// One event loop, one listening socket, one thread. Member order matters: connections still
// suspended when the io_context is destroyed unregister themselves from `shared`, so `shared`
// must outlive `ioc`.
struct Worker {
  internal::ConnectionLimits* limits = nullptr;  // shared by all workers, outlives them
  internal::WorkerShared shared;
  asio::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  asio::steady_timer grace{ioc};
  std::thread thread;

  ~Worker() {
    // The thread has been joined (or never started), so nothing runs on `ioc` any more.
    internal::DetachResponders(shared);
  }
};

asio::awaitable<void> AcceptLoop(Worker& w) {
  while (true) {
    auto [ec, socket] = co_await w.acceptor.async_accept(kNoThrow);
    if (w.shared.stopping || !w.acceptor.is_open()) co_return;
    if (ec) {
      // Typically EMFILE/ENFILE: back off instead of spinning on the error.
      log::Warn("net.accept_failed", {{"error", ec.message()}});
      asio::steady_timer backoff(w.ioc, std::chrono::milliseconds(50));
      co_await backoff.async_wait(kNoThrow);
      continue;
    }
    boost::system::error_code peer_ec;
    const tcp::endpoint peer = socket.remote_endpoint(peer_ec);
    if (peer_ec) continue;  // already reset by the peer; closing the socket is all there is
    // A refused socket is closed here, right after accept, before any TLS work is spent on it.
    std::optional<internal::ConnectionPermit> permit =
        w.limits->Admit(peer.address(), [&w] { return internal::CloseOldestIdle(w.shared); });
    if (!permit) continue;
    asio::co_spawn(w.ioc,
                   internal::ServeConnection(w.shared, std::move(socket), std::move(*permit)),
                   LogIfThrew);
  }
}

std::string Describe(const tcp::endpoint& ep) {
  std::string host = ep.address().to_string();
  if (ep.address().is_v6()) host = "[" + host + "]";
  return host + ":" + std::to_string(ep.port());
}

// The first acceptor is bound without SO_REUSEPORT and gets the flag only after bind, so the
// bind fails if anyone (including another instance of this server) already listens on the
// port; the other workers' acceptors then join its SO_REUSEPORT group.
Status Listen(tcp::acceptor& acceptor, const tcp::endpoint& ep, bool first) {
  boost::system::error_code ec;
  acceptor.open(ep.protocol(), ec);
  if (ec)
    return Status::Unavailable("cannot open a socket for " + Describe(ep) + ": " + ec.message());
  acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!first) acceptor.set_option(ReusePort(true), ec);
  if (ec) return Status::Internal("cannot set socket options: " + ec.message());
  acceptor.bind(ep, ec);
  if (ec) return Status::Unavailable("cannot listen on " + Describe(ep) + ": " + ec.message());
  if (first) acceptor.set_option(ReusePort(true), ec);
  if (ec) return Status::Internal("cannot set SO_REUSEPORT: " + ec.message());
  acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Status::Unavailable("cannot listen on " + Describe(ep) + ": " + ec.message());
  return Status::Ok();
}

class HttpsServerImpl final : public HttpsServer {
 public:
  HttpsServerImpl(const HttpsServerOptions& options, HttpHandler& handler,
                  std::unique_ptr<asio::ssl::context> tls)
      : options_(options),
        handler_(handler),
        tls_(std::shared_ptr<asio::ssl::context>(std::move(tls))),
        limits_(options.max_connections, options.max_connections_per_ip) {}

  ~HttpsServerImpl() override {
    Stop(0);
    Wait();
    options_.key_pem.assign(options_.key_pem.size(), '\0');
  }

  Status Init() {
    boost::system::error_code ec;
    asio::ip::address address = asio::ip::make_address(options_.host, ec);
    if (ec) return Status::InvalidArgument("invalid listen address '" + options_.host + "'");
    if (options_.max_body_bytes == 0) {
      return Status::InvalidArgument("max_body_bytes must be positive");
    }
    if (options_.first_request_timeout_ms <= 0) {
      return Status::InvalidArgument("first_request_timeout_ms must be positive");
    }
    if (options_.max_connections < 0 || options_.max_connections_per_ip < 0) {
      return Status::InvalidArgument("max_connections and max_connections_per_ip must be >= 0");
    }
    int threads = options_.threads;
    if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));

    tcp::endpoint ep(address, options_.port);
    for (int i = 0; i < threads; ++i) {
      auto w = std::make_unique<Worker>();
      w->limits = &limits_;
      w->shared.ioc = &w->ioc;
      w->shared.tls = &tls_;
      w->shared.handler = &handler_;
      w->shared.options = &options_;
      w->shared.stop_requested = &stop_requested_;
      KMS_RETURN_IF_ERROR(Listen(w->acceptor, ep, i == 0));
      if (i == 0) {
        port_ = w->acceptor.local_endpoint(ec).port();
        if (ec) return Status::Internal("cannot read the bound port: " + ec.message());
        ep.port(port_);
      }
      workers_.push_back(std::move(w));
    }
    for (auto& w : workers_) {
      asio::co_spawn(w->ioc, AcceptLoop(*w), LogIfThrew);
      w->thread = std::thread([ioc = &w->ioc] { ioc->run(); });
    }
    log::Info("net.listening", {{"address", Describe(ep)},
                                {"threads", threads},
                                {"max_connections", options_.max_connections},
                                {"max_connections_per_ip", options_.max_connections_per_ip}});
    return Status::Ok();
  }

  uint16_t port() const override { return port_; }

  Status ReloadTls(const std::string& cert_pem, const std::string& key_pem) override {
    KMS_ASSIGN_OR_RETURN(std::unique_ptr<asio::ssl::context> tls,
                         MakeServerTlsContext(cert_pem, key_pem));
    tls_.Replace(std::shared_ptr<asio::ssl::context>(std::move(tls)));
    return Status::Ok();
  }

  ConnectionStats connection_stats() const override { return limits_.counts(); }

  void Stop(int grace_ms) override {
    if (stop_requested_.exchange(true)) return;
    grace_ms = std::max(grace_ms, 0);
    for (auto& w : workers_) {
      asio::post(w->ioc, [w = w.get(), grace_ms] { BeginStop(*w, grace_ms); });
    }
  }

  void Wait() override {
    for (auto& w : workers_) {
      if (w->thread.joinable()) w->thread.join();
    }
  }

 private:
  // On the worker's thread. The io_context's run() returns by itself once the acceptor and
  // every connection are gone; the grace timer forces it if connections linger.
  static void BeginStop(Worker& w, int grace_ms) {
    w.shared.stopping = true;
    boost::system::error_code ec;
    w.acceptor.close(ec);
    if (w.shared.connections.empty()) return;
    w.shared.on_drained = [&w] { w.grace.cancel(); };
    w.grace.expires_after(std::chrono::milliseconds(grace_ms));
    w.grace.async_wait([&w](boost::system::error_code wait_ec) {
      if (wait_ec) return;
      log::Warn("net.stop_grace_expired",
                {{"open_connections", static_cast<uint64_t>(w.shared.connections.size())}});
      w.ioc.stop();
    });
    internal::InterruptIdleConnections(w.shared);
  }

  HttpsServerOptions options_;
  HttpHandler& handler_;
  // Declared before the workers: every TLS stream must be gone before its context is freed
  // (each connection also holds its own reference).
  internal::TlsContextHolder tls_;
  // Before the workers: their connections read it.
  std::atomic<bool> stop_requested_{false};
  // Before the workers: their connections' permits point into it.
  internal::ConnectionLimits limits_;
  std::vector<std::unique_ptr<Worker>> workers_;
  uint16_t port_ = 0;
};

}  // namespace

StatusOr<std::unique_ptr<HttpsServer>> HttpsServer::Start(const HttpsServerOptions& options,
                                                          HttpHandler& handler) {
  KMS_ASSIGN_OR_RETURN(std::unique_ptr<asio::ssl::context> tls,
                       MakeServerTlsContext(options.cert_pem, options.key_pem));
  auto server = std::make_unique<HttpsServerImpl>(options, handler, std::move(tls));
  Status status = server->Init();
  if (!status.ok()) return status;
  return std::unique_ptr<HttpsServer>(std::move(server));
}

}  // namespace kms::net
