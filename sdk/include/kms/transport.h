#pragma once
// Transport: the one seam between the client and the network. The production implementation is
// libcurl (see Client::New); tests substitute canned replies.

#include <chrono>
#include <memory>
#include <string>

#include "kms/result.h"

namespace kms::client {

struct HttpRequest {
  bool post = true;   // false: GET without a body
  std::string url;    // full URL including the query string
  std::string body;   // JSON, for POST
};

struct HttpResponse {
  long status = 0;
  std::string body;
};

struct TlsOptions {
  // PEM file with the CA certificate(s) that must have signed the server's certificate. Empty:
  // the system trust store.
  std::string ca_file;
  // Skips certificate and host name verification. Only for self-signed test servers: anyone on
  // the path can then read and change the traffic, including data keys and plaintexts.
  bool insecure = false;
};

struct TimeoutOptions {
  std::chrono::milliseconds connect{5000};
  std::chrono::milliseconds total{30000};  // the whole request, per attempt
};

// Not thread-safe: one instance serves one thread at a time.
class Transport {
 public:
  virtual ~Transport() = default;
  // Sends one request. Errors are kTransport (no HTTP answer); any HTTP answer is a response.
  virtual Result<HttpResponse> Send(const HttpRequest& request) = 0;
};

// A libcurl transport that keeps one connection alive across calls.
Result<std::unique_ptr<Transport>> NewCurlTransport(const TlsOptions& tls,
                                                    const TimeoutOptions& timeouts);

}  // namespace kms::client
