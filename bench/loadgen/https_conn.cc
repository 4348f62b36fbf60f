#include "https_conn.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>

#include <optional>

namespace kms::bench {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Stream = beast::ssl_stream<beast::tcp_stream>;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

}  // namespace

struct HttpsConn::Impl {
  asio::io_context& io;
  asio::ssl::context& tls;
  tcp::endpoint endpoint;
  std::optional<Stream> stream;
  beast::flat_buffer buffer;
};

HttpsConn::HttpsConn(asio::io_context& io, asio::ssl::context& tls, tcp::endpoint endpoint)
    : impl_(new Impl{io, tls, endpoint, std::nullopt, {}}) {}

HttpsConn::~HttpsConn() = default;

asio::awaitable<HttpResult> HttpsConn::Send(bool post, std::string_view target,
                                            std::string body) {
  HttpResult r;
  Impl& s = *impl_;
  if (!s.stream) {
    s.stream.emplace(s.io, s.tls);
    s.buffer.clear();
    ++connects_;
    auto [ec] = co_await beast::get_lowest_layer(*s.stream).async_connect(s.endpoint, kNoThrow);
    if (!ec) {
      beast::get_lowest_layer(*s.stream).socket().set_option(tcp::no_delay(true));
      std::tie(ec) = co_await s.stream->async_handshake(asio::ssl::stream_base::client, kNoThrow);
    }
    if (ec) {
      r.error = "connect: " + ec.message();
      s.stream.reset();
      co_return r;
    }
  }
  http::request<http::string_body> req{post ? http::verb::post : http::verb::get, target, 11};
  req.set(http::field::host, "127.0.0.1");
  if (post) {
    req.set(http::field::content_type, "application/json");
    req.body() = std::move(body);
  }
  req.prepare_payload();
  auto [wec, wn] = co_await http::async_write(*s.stream, req, kNoThrow);
  if (wec) {
    r.error = "write: " + wec.message();
    s.stream.reset();
    co_return r;
  }
  http::response<http::string_body> res;
  auto [rec, rn] = co_await http::async_read(*s.stream, s.buffer, res, kNoThrow);
  if (rec) {
    r.error = "read: " + rec.message();
    s.stream.reset();
    co_return r;
  }
  r.transport_ok = true;
  r.status = static_cast<int>(res.result_int());
  r.body = std::move(res.body());
  if (!res.keep_alive()) s.stream.reset();
  co_return r;
}

asio::ssl::context MakeClientTls() {
  asio::ssl::context ctx(asio::ssl::context::tls_client);
  ctx.set_verify_mode(asio::ssl::verify_none);
  return ctx;
}

}  // namespace kms::bench
