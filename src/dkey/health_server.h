#pragma once
// HealthServer: the domain-key daemons' plain-HTTP health port. `GET /healthz` answers 200 while
// the process runs; `GET /readyz` answers what the `ready` callback says (200, or 503 with a
// one-line reason; the bodies of net/health.h); `GET /metrics`, when a registry is given, its
// exposition (net/metrics_endpoint.h, with the optional bearer token). Anything else: 404 (other path), 405 (other
// method), 400 (unparseable), 431 (headers over the limit).
//
// Bounded, since the port is reachable by anything on the network: one request per connection
// (answered with `Connection: close`), headers of at most `max_header_bytes`, no body, every
// connection closed after `timeout_ms` whatever it does, at most `max_connections` at once (more
// are closed on accept). One thread.
//
// Thread-safety: Start and destruction from one thread. `ready` runs on the server's thread,
// one call at a time; it must be quick (read in-memory state, no I/O).

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "common/metrics.h"
#include "common/status.h"

namespace kms::dkey {

struct HealthServerOptions {
  std::string host = "0.0.0.0";
  uint16_t port = 0;  // 0 picks a free port; see port()
  int timeout_ms = 5000;
  size_t max_header_bytes = 4096;
  int max_connections = 32;
  const metrics::Registry* metrics = nullptr;  // must outlive the server; null: no /metrics
  std::string metrics_token{};                 // non-empty: /metrics needs this bearer token
};

class HealthServer {
 public:
  // OK when ready; otherwise its message is the reason /readyz gives.
  using ReadyFn = std::function<Status()>;

  // Binds and serves; kUnavailable when the address cannot be bound (port taken),
  // kInvalidArgument for a bad host.
  static StatusOr<std::unique_ptr<HealthServer>> Start(const HealthServerOptions& options,
                                                      ReadyFn ready);
  virtual ~HealthServer() = default;  // stops and joins

  virtual uint16_t port() const = 0;
};

}  // namespace kms::dkey
