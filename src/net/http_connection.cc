#include "net/http_connection.h"

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <algorithm>
#include <chrono>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "common/log.h"

namespace kms::net::internal {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Stream = beast::ssl_stream<beast::tcp_stream>;

constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);
constexpr size_t kHeaderLimit = 8 * 1024;
// Larger than kHeaderLimit so that an oversized header is reported by the parser (431), not as
// a buffer overflow.
constexpr size_t kBufferLimit = 64 * 1024;
constexpr size_t kReadChunk = 16 * 1024;
// Bounds the polite part of closing (TLS close_notify, draining an unread request body).
constexpr auto kCloseTimeout = std::chrono::seconds(1);
constexpr size_t kMaxDrainBytes = 1024 * 1024;

std::string ErrorJson(int code, const std::string& message) {
  // Messages are fixed ASCII strings from this file, so no JSON escaping is needed.
  return "{\"code\":" + std::to_string(code) + ",\"message\":\"" + message + "\",\"result\":{}}";
}

// Where a Responder leaves its reply for the connection coroutine. Shared between the
// coroutine and every copy of the Responder, so either side may go away first.
struct ReplySlot {
  explicit ReplySlot(asio::io_context& io) : ioc(io) {}

  asio::io_context& ioc;  // used only while `waiting` (then the io_context is alive)
  std::mutex mu;
  bool waiting = true;     // guarded by mu: the connection still wants this reply
  bool abandoned = false;  // guarded by mu: every Responder copy died without replying
  std::optional<HttpResponse> response;  // guarded by mu
  asio::steady_timer* wake = nullptr;    // only touched on the io_context's thread

  void Wake() {
    if (wake != nullptr) wake->cancel();
  }
};

// Owned jointly by all copies of one Responder: the first call delivers, later calls are
// ignored, and destruction without a call delivers "abandoned" so the connection cannot hang.
class ResponderCore {
 public:
  explicit ResponderCore(std::shared_ptr<ReplySlot> slot) : slot_(std::move(slot)) {}
  ResponderCore(const ResponderCore&) = delete;
  ResponderCore& operator=(const ResponderCore&) = delete;
  ~ResponderCore() {
    if (!called_.exchange(true)) Deliver(std::nullopt);
  }

  void Respond(HttpResponse response) {
    if (called_.exchange(true)) {
      log::Warn("net.responder_called_twice");
      return;
    }
    Deliver(std::move(response));
  }

 private:
  void Deliver(std::optional<HttpResponse> response) {
    std::lock_guard<std::mutex> lock(slot_->mu);
    if (!slot_->waiting) return;  // connection gone: drop the reply
    if (response) {
      slot_->response = std::move(response);
    } else {
      slot_->abandoned = true;
    }
    if (slot_->ioc.get_executor().running_in_this_thread()) {
      slot_->Wake();
    } else {
      asio::post(slot_->ioc, [slot = slot_] { slot->Wake(); });
    }
  }

  std::shared_ptr<ReplySlot> slot_;
  std::atomic<bool> called_{false};
};

enum class After { kKeepAlive, kClose, kDrop };

}  // namespace

class Connection {
 public:
  Connection(WorkerShared& worker, tcp::socket socket, ConnectionPermit permit)
      : worker_(worker),
        permit_(std::move(permit)),
        tls_context_(worker.tls->Current()),
        stream_(beast::tcp_stream(std::move(socket)), *tls_context_),
        buffer_(kBufferLimit),
        first_request_deadline_(
            std::chrono::steady_clock::now() +
            std::chrono::milliseconds(worker.options->first_request_timeout_ms)) {
    self_ = worker_.connections.insert(worker_.connections.end(), this);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  ~Connection() {
    DetachPending();
    SetIdle(false);
    worker_.connections.erase(self_);
    if (log::Enabled(log::Level::kDebug)) log::Debug("net.conn_close", {{"remote", remote_}});
    if (worker_.stopping && !worker_.torn_down && worker_.connections.empty() &&
        worker_.on_drained) {
      worker_.on_drained();
    }
  }

  asio::awaitable<void> Run();

  void InterruptIfIdle() {
    if (idle_) beast::get_lowest_layer(stream_).cancel();
  }

  // Gives up this connection's place at once; the socket closes when the coroutine resumes.
  // `evicted_` also covers a read that completed but whose completion has not run yet.
  void Evict() {
    evicted_ = true;
    SetIdle(false);
    permit_.Release();
    beast::get_lowest_layer(stream_).cancel();
    if (log::Enabled(log::Level::kDebug)) log::Debug("net.conn_evicted", {{"remote", remote_}});
  }

  void DetachPending() {
    if (!pending_) return;
    std::lock_guard<std::mutex> lock(pending_->mu);
    pending_->waiting = false;
  }

 private:
  tcp::socket& socket() { return beast::get_lowest_layer(stream_).socket(); }
  beast::tcp_stream& tcp_layer() { return beast::get_lowest_layer(stream_); }
  std::chrono::seconds idle_timeout() const {
    return std::chrono::seconds(worker_.options->idle_timeout_seconds);
  }
  // Until a first request is complete the connection has only what is left of
  // first_request_timeout_ms (so a client cannot hold a socket for the long keep-alive
  // timeout without ever asking anything); after that each request gets idle_timeout.
  void ArmRequestTimeout() {
    if (served_any_) {
      tcp_layer().expires_after(idle_timeout());
    } else {
      tcp_layer().expires_at(first_request_deadline_);
    }
  }
  // Keeps worker_.idle in the order connections became idle.
  void SetIdle(bool idle) {
    if (idle == idle_) return;
    idle_ = idle;
    if (idle) {
      idle_pos_ = worker_.idle.insert(worker_.idle.end(), this);
    } else {
      worker_.idle.erase(idle_pos_);
    }
  }

  asio::awaitable<After> ServeOne();
  asio::awaitable<After> FailRead(beast::error_code ec);
  asio::awaitable<HttpResponse> Dispatch(HttpRequest request);
  // `head_only` answers a HEAD request: the headers describe the body, which is not sent.
  asio::awaitable<bool> Write(HttpResponse response, unsigned version, bool keep_alive,
                              bool head_only = false);
  asio::awaitable<void> CloseGracefully();
  asio::awaitable<void> DrainAndClose();

  WorkerShared& worker_;
  std::list<Connection*>::iterator self_;
  ConnectionPermit permit_;
  // The context this connection's handshake used: kept alive for it across certificate reloads.
  std::shared_ptr<asio::ssl::context> tls_context_;
  Stream stream_;
  beast::flat_buffer buffer_;
  std::string remote_;
  const std::chrono::steady_clock::time_point first_request_deadline_;
  // In the handshake or waiting for a request: Stop, or a new connection at the limit, may
  // close us right away. When set, idle_pos_ is our place in worker_.idle.
  bool idle_ = false;
  std::list<Connection*>::iterator idle_pos_;
  bool evicted_ = false;     // closed to make room: finish nothing, just go
  bool served_any_ = false;  // a first request has been read completely
  std::shared_ptr<ReplySlot> pending_;
};

asio::awaitable<void> Connection::Run() {
  beast::error_code ec;
  tcp::endpoint peer = socket().remote_endpoint(ec);
  if (!ec) remote_ = peer.address().to_string() + ":" + std::to_string(peer.port());
  socket().set_option(tcp::no_delay(true), ec);
  if (log::Enabled(log::Level::kDebug)) log::Debug("net.conn_open", {{"remote", remote_}});
  if (worker_.stopping) co_return;

  SetIdle(true);
  tcp_layer().expires_at(
      std::min(std::chrono::steady_clock::now() +
                   std::chrono::seconds(worker_.options->handshake_timeout_seconds),
               first_request_deadline_));
  auto [hs_ec] = co_await stream_.async_handshake(asio::ssl::stream_base::server, kNoThrow);
  if (evicted_) co_return;
  if (hs_ec) {
    if (log::Enabled(log::Level::kDebug)) {
      log::Debug("net.tls_handshake_failed", {{"remote", remote_}, {"error", hs_ec.message()}});
    }
    co_return;
  }

  After after = After::kKeepAlive;
  while (after == After::kKeepAlive) after = co_await ServeOne();
  if (after == After::kClose) co_await CloseGracefully();
}

asio::awaitable<After> Connection::ServeOne() {
  if (buffer_.size() == 0) {
    // Waiting for the first byte of the next request is the only state in which Stop may
    // close the connection without losing a request.
    SetIdle(true);
    if (worker_.stopping) co_return After::kDrop;
    ArmRequestTimeout();
    auto [ec, n] = co_await stream_.async_read_some(buffer_.prepare(kReadChunk), kNoThrow);
    SetIdle(false);
    if (ec || evicted_) co_return After::kDrop;
    buffer_.commit(n);
  }
  SetIdle(false);

  http::request_parser<http::string_body> parser;
  parser.header_limit(kHeaderLimit);
  parser.body_limit(worker_.options->max_body_bytes);
  ArmRequestTimeout();
  auto [hdr_ec, hdr_n] = co_await http::async_read_header(stream_, buffer_, parser, kNoThrow);
  if (hdr_ec) co_return co_await FailRead(hdr_ec);

  if (beast::iequals(parser.get()[http::field::expect], "100-continue") && !parser.is_done()) {
    http::response<http::empty_body> cont{http::status::continue_, parser.get().version()};
    auto [cont_ec, cont_n] = co_await http::async_write(stream_, cont, kNoThrow);
    if (cont_ec) co_return After::kDrop;
  }
  if (!parser.is_done()) {
    auto [body_ec, body_n] = co_await http::async_read(stream_, buffer_, parser, kNoThrow);
    if (body_ec) co_return co_await FailRead(body_ec);
  }
  tcp_layer().expires_never();
  served_any_ = true;

  http::request<http::string_body> req = parser.release();
  const bool client_keep_alive = req.keep_alive();
  const unsigned version = req.version();
  const bool head_only = req.method() == http::verb::head;
  HttpRequest request;
  request.method = std::string(req.method_string());
  request.target = std::string(req.target());
  request.content_type = std::string(req[http::field::content_type]);
  request.authorization = std::string(req[http::field::authorization]);
  request.body = std::move(req.body());
  request.remote = remote_;

  HttpResponse response = co_await Dispatch(std::move(request));
  const bool stop_requested = worker_.stop_requested != nullptr && worker_.stop_requested->load();
  const bool keep_alive =
      client_keep_alive && !response.close && !worker_.stopping && !stop_requested;
  if (!co_await Write(std::move(response), version, keep_alive, head_only)) {
    co_return After::kDrop;
  }
  co_return keep_alive ? After::kKeepAlive : After::kClose;
}

asio::awaitable<After> Connection::FailRead(beast::error_code ec) {
  int status = 0;
  std::string message;
  if (ec == http::error::body_limit) {
    status = 413;
    message = "Request body too large (limit " + std::to_string(worker_.options->max_body_bytes) +
              " bytes)";
  } else if (ec == http::error::header_limit || ec == http::error::buffer_overflow) {
    status = 431;
    message = "Request header too large (limit " + std::to_string(kHeaderLimit) + " bytes)";
  } else if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
             ec != http::error::end_of_stream && ec != http::error::partial_message &&
             ec != http::error::short_read) {
    status = 400;
    message = "Malformed HTTP request";
  } else {
    // Transport errors, timeouts and EOF mid-request: nobody to answer.
    co_return After::kDrop;
  }
  HttpResponse response;
  response.status = status;
  response.body = ErrorJson(status, message);
  if (co_await Write(std::move(response), 11, /*keep_alive=*/false)) co_await DrainAndClose();
  co_return After::kDrop;
}

asio::awaitable<HttpResponse> Connection::Dispatch(HttpRequest request) {
  auto slot = std::make_shared<ReplySlot>(*worker_.ioc);
  asio::steady_timer wake(*worker_.ioc, asio::steady_timer::time_point::max());
  slot->wake = &wake;
  pending_ = slot;
  {
    auto core = std::make_shared<ResponderCore>(slot);
    Responder respond = [core](HttpResponse r) { core->Respond(std::move(r)); };
    core.reset();  // the Responder alone owns it now, so dropping it means "abandoned"
    try {
      worker_.handler->Handle(std::move(request), std::move(respond));
    } catch (const std::exception& e) {
      log::Error("net.handler_threw", {{"remote", remote_}, {"what", e.what()}});
    } catch (...) {
      log::Error("net.handler_threw", {{"remote", remote_}});
    }
  }

  std::optional<HttpResponse> response;
  while (true) {
    {
      std::lock_guard<std::mutex> lock(slot->mu);
      if (slot->response || slot->abandoned) {
        slot->waiting = false;
        response = std::move(slot->response);
        break;
      }
    }
    co_await wake.async_wait(kNoThrow);
  }
  slot->wake = nullptr;
  pending_.reset();

  if (!response) {
    log::Warn("net.responder_dropped", {{"remote", remote_}});
    response.emplace();
    response->status = 500;
    response->body = ErrorJson(500, "Server internal error, please contact the administrator.");
  }
  co_return std::move(*response);
}

asio::awaitable<bool> Connection::Write(HttpResponse response, unsigned version, bool keep_alive,
                                        bool head_only) {
  int status = response.status;
  if (status < 100 || status > 599) {
    log::Error("net.bad_status_from_handler", {{"status", status}});
    status = 500;
    response.content_type = "application/json";
    response.body = ErrorJson(500, "Server internal error, please contact the administrator.");
  }
  http::response<http::string_body> res{static_cast<http::status>(status), version};
  res.set(http::field::server, "ehsm-kms");
  if (!response.content_type.empty()) res.set(http::field::content_type, response.content_type);
  for (const auto& [name, value] : response.headers) res.set(name, value);
  res.body() = std::move(response.body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  tcp_layer().expires_after(idle_timeout());
  if (head_only) {
    http::response_serializer<http::string_body> serializer(res);
    auto [ec, n] = co_await http::async_write_header(stream_, serializer, kNoThrow);
    co_return !ec;
  }
  auto [ec, n] = co_await http::async_write(stream_, res, kNoThrow);
  co_return !ec;
}

asio::awaitable<void> Connection::CloseGracefully() {
  tcp_layer().expires_after(kCloseTimeout);
  co_await stream_.async_shutdown(kNoThrow);
}

asio::awaitable<void> Connection::DrainAndClose() {
  // The client may still be sending the body we refused. Closing with unread data makes the
  // kernel send RST, which can destroy our error reply before the client reads it; so half-close
  // and discard what arrives for a short while (like nginx's lingering close).
  beast::error_code ec;
  socket().shutdown(tcp::socket::shutdown_send, ec);
  if (ec) co_return;
  tcp_layer().expires_after(kCloseTimeout);
  size_t drained = 0;
  char scratch[4096];
  while (drained < kMaxDrainBytes) {
    auto [read_ec, n] = co_await tcp_layer().async_read_some(asio::buffer(scratch), kNoThrow);
    if (read_ec) break;
    drained += n;
  }
}

asio::awaitable<void> ServeConnection(WorkerShared& worker, tcp::socket socket,
                                      ConnectionPermit permit) {
  Connection connection(worker, std::move(socket), std::move(permit));
  co_await connection.Run();
}

bool CloseOldestIdle(WorkerShared& worker) {
  if (worker.idle.empty()) return false;
  worker.idle.front()->Evict();
  return true;
}

void InterruptIdleConnections(WorkerShared& worker) {
  for (Connection* c : worker.connections) c->InterruptIfIdle();
}

void DetachResponders(WorkerShared& worker) {
  worker.torn_down = true;
  for (Connection* c : worker.connections) c->DetachPending();
}

}  // namespace kms::net::internal
