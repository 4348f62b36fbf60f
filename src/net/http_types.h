#pragma once
// The seam between the HTTPS transport (net/) and the application (api/): the transport parses
// HTTP and hands a request to an HttpHandler; the handler answers exactly once through the
// Responder, from any thread, now or later (slow work may be moved off the event loop).

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace kms::net {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // path and query as sent, e.g. "/ehsm/?Action=Encrypt"
  std::string content_type;
  std::string authorization;  // the Authorization header, as sent (never logged)
  std::string body;
  std::string remote;  // "ip:port" of the peer, for logs
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  bool close = false;  // close the connection after sending
  // Added as given (name, value); the transport sets Server, Content-Type, Content-Length and
  // Connection itself, so those names do not belong here.
  std::vector<std::pair<std::string, std::string>> headers;
};

// Call exactly once. Safe to call from any thread; the transport posts the reply back to the
// connection's event loop.
using Responder = std::function<void(HttpResponse)>;

class HttpHandler {
 public:
  virtual ~HttpHandler() = default;
  // Called on an event-loop thread. Must not block for long: offload slow work and call
  // `respond` when it is done.
  virtual void Handle(HttpRequest request, Responder respond) = 0;
};

}  // namespace kms::net
