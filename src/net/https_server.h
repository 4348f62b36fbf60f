#pragma once
// HttpsServer: HTTP/1.1 over TLS 1.2/1.3 with keep-alive, built on Boost.Beast/Asio with
// C++20 coroutines. One io_context and one SO_REUSEPORT acceptor per worker thread; one
// coroutine per connection. Requests are passed to an HttpHandler.
//
// Thread-safety: Start, Wait and destruction from one controlling thread (never from a handler).
// Stop may be called from any thread, including a handler or a signal-watching thread; it does
// not block. Destruction implies Stop(0) and Wait().
//
// Behaviour on the wire: HTTP/1.1 keep-alive, one request at a time per connection (pipelined
// requests are answered in order), `Server: ehsm-kms`, Content-Length always set. Bodies over
// `max_body_bytes` get 413, headers over 8 KiB get 431, unparseable requests get 400, each with
// a JSON body `{"code":N,"message":"...","result":{}}` and the connection closed. A Responder
// that is destroyed without being called produces a 500 JSON reply; one called after its
// connection (or the whole server) is gone is dropped.
//
// Connection limits: at most `max_connections` connections are open over all event loops. A
// connection accepted at the limit makes room by closing the one that has been idle longest
// on its event loop (idle: in the TLS handshake, waiting for its first request, or between
// requests, so no request is lost); when none is idle there, it is closed right after accept.
// One source address may hold at most `max_connections_per_ip`; further ones are closed right
// after accept. A connection must complete its handshake and first request within
// `first_request_timeout_ms`.

#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"
#include "net/http_types.h"

namespace kms::net {

struct HttpsServerOptions {
  std::string host = "0.0.0.0";
  uint16_t port = 9000;          // 0 picks a free port; see HttpsServer::port()
  int threads = 0;               // 0 = one per core
  size_t max_body_bytes = 100 * 1024;  // larger bodies get HTTP 413 with a JSON error
  int idle_timeout_seconds = 60;       // keep-alive connections idle longer are closed
  int handshake_timeout_seconds = 10;  // capped by first_request_timeout_ms
  // From accept to the end of the first request (handshake included); must be positive.
  int first_request_timeout_ms = 10000;
  int64_t max_connections = 0;         // over all threads; 0 = no limit
  int64_t max_connections_per_ip = 0;  // per source address; 0 = no limit
  std::string cert_pem;  // server certificate chain, PEM
  std::string key_pem;   // private key, PEM (never logged)
};

struct ConnectionStats {
  int64_t open = 0;              // connections holding a place in max_connections
  int64_t evicted_idle = 0;      // idle connections closed to admit a new one
  int64_t refused_at_limit = 0;  // new connections closed: at max_connections, none idle
  int64_t refused_per_ip = 0;    // new connections closed: their address at its cap
};

class HttpsServer {
 public:
  // Binds and listens; fails with a clear message if the port is taken or the PEMs are bad.
  static StatusOr<std::unique_ptr<HttpsServer>> Start(const HttpsServerOptions& options,
                                                     HttpHandler& handler);
  virtual ~HttpsServer() = default;

  // The port actually bound (useful with port 0).
  virtual uint16_t port() const = 0;
  // Open connections and what the limits did so far. Thread-safe.
  virtual ConnectionStats connection_stats() const = 0;
  // From now on new connections use this certificate chain and key; established connections
  // keep theirs. On a bad pair (does not parse, key does not match) nothing changes and the
  // Status says why. Thread-safe.
  virtual Status ReloadTls(const std::string& cert_pem, const std::string& key_pem) = 0;
  // Stops accepting, lets in-flight requests finish (up to `grace_ms`), then closes everything.
  virtual void Stop(int grace_ms = 5000) = 0;
  // Blocks until the server has stopped.
  virtual void Wait() = 0;
};

}  // namespace kms::net
