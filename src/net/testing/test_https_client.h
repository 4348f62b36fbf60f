#pragma once
// TestHttpsClient: a small synchronous HTTPS/1.1 client for tests. It keeps one TLS connection
// open across requests (keep-alive), reconnects when the server closed it, and exposes raw
// writes so tests can send malformed or pipelined requests. Every operation is bounded by
// `timeout_ms`; errors are returned as Status, never thrown.
//
// Thread-safety: one instance per thread; distinct instances are independent.

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace kms::net::testing {

struct TestHttpResponse {
  int status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;

  // The value of header `name` (any case), or "" when absent.
  std::string header(std::string_view name) const;
};

struct TestHttpsClientOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 0;
  // When set, the server certificate must chain to this PEM and be valid for "localhost"
  // (or `host` when it is a name). When empty, the certificate is not verified.
  std::string ca_pem;
  int timeout_ms = 10000;
  // OpenSSL protocol versions (e.g. TLS1_2_VERSION); 0 keeps the library default.
  int min_tls_version = 0;
  int max_tls_version = 0;
  // OpenSSL cipher string for TLS <= 1.2, e.g. "DEFAULT:@SECLEVEL=0"; empty keeps the default.
  std::string cipher_list;
};

using Headers = std::vector<std::pair<std::string, std::string>>;

class TestHttpsClient {
 public:
  explicit TestHttpsClient(uint16_t port);
  explicit TestHttpsClient(TestHttpsClientOptions options);
  ~TestHttpsClient();
  TestHttpsClient(const TestHttpsClient&) = delete;
  TestHttpsClient& operator=(const TestHttpsClient&) = delete;

  // Sends one request (connecting first if needed) and reads its response. `content_type` is
  // sent when not empty; `extra_headers` are added as given. If the response asks to close,
  // the connection is closed and the next Send reconnects. If writing fails (the server may
  // refuse a body half-way), the response is still read when one arrives.
  StatusOr<TestHttpResponse> Send(std::string_view method, std::string_view target,
                                  std::string_view body = {},
                                  std::string_view content_type = "application/json",
                                  const Headers& extra_headers = {});

  // Writes `bytes` as they are on the TLS connection (connecting first if needed).
  Status SendRaw(std::string_view bytes);
  // Reads one response from the connection.
  StatusOr<TestHttpResponse> ReadResponse();

  // Opens the TLS connection if none is open.
  Status Connect();
  // Drops the connection (no TLS close_notify).
  void Close();
  bool connected() const;
  // How many TLS connections this client has opened so far.
  int connections_opened() const;
  // The negotiated protocol of the open connection, e.g. "TLSv1.3"; "" when not connected.
  std::string tls_version() const;
  // Waits up to `timeout_ms` for the server to close the connection; true if it did.
  bool WaitForPeerClose();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kms::net::testing
