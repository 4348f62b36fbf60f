#pragma once
// The HTTP GET a PCCS client needs, on libcurl: bounded body and headers, connect and total
// timeouts, TLS verification on unless told otherwise. Blocking: for worker threads and the
// CLI, never for an event loop.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"

namespace kms::attest {

struct PccsHttpOptions {
  std::string ca_file;     // CAs trusted for the PCCS's TLS certificate (PEM); empty = system
  bool insecure = false;   // no TLS verification at all (a test PCCS with a self-signed cert)
  int64_t connect_timeout_ms = 5000;
  int64_t timeout_ms = 15000;  // the whole request
  size_t max_body_bytes = 1 << 20;
  size_t max_header_bytes = 64 << 10;  // all header lines together
  // Extra request header lines ("Ocp-Apim-Subscription-Key: <key>" for Intel's PCS). They may
  // carry secrets: never logged.
  std::vector<std::string> request_headers;
};

struct PccsHttpResponse {
  long status = 0;
  std::map<std::string, std::string> headers;  // names lower-cased; the last value wins
  std::string body;
};

// GETs `url` (http or https only, no redirects). Any HTTP status is a response. kUnavailable,
// naming the URL, when the server cannot be reached, TLS fails, the time runs out, or the
// body or headers exceed their bounds.
StatusOr<PccsHttpResponse> PccsHttpGet(const std::string& url, const PccsHttpOptions& options);

}  // namespace kms::attest
