#pragma once
// Internal to the transport: one TLS HTTP/1.1 connection, served by one coroutine on one
// worker's io_context. Requests on a connection are handled one at a time, so pipelined
// requests are answered in order.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <atomic>
#include <functional>
#include <list>

#include "net/connection_limits.h"
#include "net/http_types.h"
#include "net/https_server.h"
#include "net/tls_context_holder.h"

namespace kms::net::internal {

class Connection;

// What the connections of one worker share. Touched only on that worker's thread, except by
// the teardown functions below, which run after the thread has exited.
struct WorkerShared {
  boost::asio::io_context* ioc = nullptr;
  const TlsContextHolder* tls = nullptr;  // the context new connections take
  HttpHandler* handler = nullptr;
  const HttpsServerOptions* options = nullptr;
  bool stopping = false;             // finish the current request, reply with `Connection: close`
  // Set by Stop() on the caller's thread before `stopping` reaches each worker through its
  // queue: a reply that completes in between must already say `Connection: close`.
  const std::atomic<bool>* stop_requested = nullptr;
  bool torn_down = false;            // the io_context is going away; connections only clean up
  std::function<void()> on_drained;  // called when stopping and the last connection is gone
  std::list<Connection*> connections;
  // The connections that may be closed without losing a request (in the TLS handshake,
  // waiting for the first request or between requests), the longest idle first.
  std::list<Connection*> idle;
};

// Serves `socket` until the peer closes, a timeout expires, an error occurs or the worker stops.
// `permit` is held until then.
boost::asio::awaitable<void> ServeConnection(WorkerShared& worker,
                                             boost::asio::ip::tcp::socket socket,
                                             ConnectionPermit permit);

// On the worker thread: condemns the connection that has been idle longest, releasing its
// permit at once (its socket closes when its coroutine next runs). False if none is idle.
bool CloseOldestIdle(WorkerShared& worker);

// On the worker thread, with `worker.stopping` already set: closes connections that are idle
// (in the TLS handshake or between requests); busy ones close after their current reply.
void InterruptIdleConnections(WorkerShared& worker);

// After the worker thread has exited and before its io_context is destroyed: from now on,
// Responders still held by the application drop their reply instead of posting it.
void DetachResponders(WorkerShared& worker);

}  // namespace kms::net::internal
