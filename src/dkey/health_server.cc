#include "dkey/health_server.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>

#include "dkey/listen.h"
#include "net/health.h"
#include "net/metrics_endpoint.h"

namespace kms::dkey {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

http::response<http::string_body> Answer(http::status status, std::string body) {
  http::response<http::string_body> res{status, 11};
  res.set(http::field::content_type, "text/plain; charset=utf-8");
  res.set(http::field::cache_control, "no-store");
  res.keep_alive(false);
  res.body() = std::move(body);
  res.prepare_payload();
  return res;
}

http::response<http::string_body> Answer(const net::HealthAnswer& a) {
  return Answer(static_cast<http::status>(a.http_status), a.body);
}

class HealthServerImpl final : public HealthServer {
 public:
  HealthServerImpl(const HealthServerOptions& options, ReadyFn ready)
      : options_(options), ready_(std::move(ready)) {}

  Status Init() {
    return listener_.Start(options_.host, options_.port, "health checks", "health.accept_failed",
                           [this](tcp::socket socket) { Accept(std::move(socket)); });
  }

  uint16_t port() const override { return listener_.port(); }

 private:
  void Accept(tcp::socket socket) {
    if (active_ >= options_.max_connections) {
      boost::system::error_code ignored;
      socket.close(ignored);
      return;
    }
    ++active_;
    asio::co_spawn(listener_.context(), Serve(beast::tcp_stream(std::move(socket))),
                   asio::detached);
  }

  asio::awaitable<void> Serve(beast::tcp_stream stream) {
    // Runs when the coroutine ends or is destroyed with the io_context.
    struct Release {
      int& active;
      ~Release() { --active; }
    } release{active_};
    // One deadline for the whole connection: reading the request and writing the answer.
    stream.expires_after(std::chrono::milliseconds(options_.timeout_ms));
    beast::flat_buffer buffer;
    http::request_parser<http::empty_body> parser;
    parser.header_limit(static_cast<uint32_t>(options_.max_header_bytes));
    auto [ec, n] = co_await http::async_read(stream, buffer, parser, kNoThrow);
    (void)n;
    if (ec == beast::error::timeout || ec == http::error::end_of_stream) co_return;
    http::response<http::string_body> res =
        ec == http::error::header_limit ? Answer(http::status::request_header_fields_too_large,
                                                 "request headers too large\n")
        : ec                            ? Answer(http::status::bad_request, "bad request\n")
                                        : Route(parser.get());
    auto [wec, written] = co_await http::async_write(stream, res, kNoThrow);
    (void)written;
    if (!wec) stream.socket().shutdown(tcp::socket::shutdown_send, wec);
  }

  http::response<http::string_body> Route(const http::request<http::empty_body>& req) {
    std::string_view target = req.target();
    const std::string_view path = target.substr(0, target.find('?'));
    const bool metrics = options_.metrics != nullptr && path == net::kMetricsPath;
    if (path != net::kHealthzPath && path != net::kReadyzPath && !metrics) {
      return Answer(http::status::not_found, "not found\n");
    }
    if (req.method() != http::verb::get) {
      auto res = Answer(http::status::method_not_allowed, "method not allowed\n");
      res.set(http::field::allow, "GET");
      return res;
    }
    if (path == net::kHealthzPath) return Answer(net::LivenessAnswer());
    if (metrics) {
      net::MetricsAnswer m = net::ServeMetrics(*options_.metrics, options_.metrics_token,
                                               req[http::field::authorization]);
      auto res = Answer(static_cast<http::status>(m.http_status), std::move(m.body));
      res.set(http::field::content_type, m.content_type);
      if (m.challenge) res.set(http::field::www_authenticate, "Bearer");
      return res;
    }
    return Answer(net::ReadinessAnswer(ready_()));
  }

  const HealthServerOptions options_;
  const ReadyFn ready_;
  // Before listener_: connections destroyed with its io_context still decrement it.
  int active_ = 0;  // only touched on the listener's thread
  TcpListener listener_;
};

}  // namespace

StatusOr<std::unique_ptr<HealthServer>> HealthServer::Start(const HealthServerOptions& options,
                                                            ReadyFn ready) {
  auto server = std::make_unique<HealthServerImpl>(options, std::move(ready));
  KMS_RETURN_IF_ERROR(server->Init());
  return std::unique_ptr<HealthServer>(std::move(server));
}

}  // namespace kms::dkey
