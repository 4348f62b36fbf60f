#pragma once
// HttpsConn: one keep-alive HTTPS/1.1 client connection for the load generator, on Asio C++20
// coroutines. Connects lazily and reconnects after any transport error (counted), so a server
// that closes idle or failed connections does not end a run.
//
// Not thread-safe: use from the coroutines of one io_context, one request at a time.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>

#include <memory>
#include <string>
#include <string_view>

namespace kms::bench {

struct HttpResult {
  bool transport_ok = false;  // false: no response (the error is in `error`)
  int status = 0;
  std::string body;
  std::string error;
};

class HttpsConn {
 public:
  HttpsConn(boost::asio::io_context& io, boost::asio::ssl::context& tls,
            boost::asio::ip::tcp::endpoint endpoint);
  ~HttpsConn();

  // GET when `body` is empty and `post` is false, else POST with a JSON body.
  boost::asio::awaitable<HttpResult> Send(bool post, std::string_view target,
                                          std::string body);

  int connects() const { return connects_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  int connects_ = 0;
};

// A TLS client context that does not verify the server (benchmarks run against a self-signed
// test server on loopback) and prefers the server's default TLS 1.3 suite.
boost::asio::ssl::context MakeClientTls();

}  // namespace kms::bench
