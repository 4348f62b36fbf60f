#pragma once
// A small blocking HTTP client for CouchDB: libcurl easy handles kept in a pool so that
// connections stay alive between requests, with bounded connect and total timeouts.
//
// Thread-safe: Request may be called from many threads at once; each call borrows its own
// handle. Blocking: meant for worker threads, never for an event loop.

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "store/couch_options.h"

namespace kms::store {

struct HttpResponse {
  long status = 0;  // HTTP status code
  std::string body;
};

class CouchHttp {
 public:
  // `options` must have passed NormalizeCouchOptions. kInvalidArgument for a bad URL.
  static StatusOr<std::unique_ptr<CouchHttp>> New(const CouchOptions& options);
  ~CouchHttp();
  CouchHttp(const CouchHttp&) = delete;
  CouchHttp& operator=(const CouchHttp&) = delete;

  // Sends `method` to base URL + `path` (which starts with "/" and is already percent-encoded)
  // with an optional JSON `body`. Any HTTP status is a response; only transport failures
  // (refused, timed out, TLS) are errors, reported as kUnavailable with the curl reason and the
  // URL without credentials. The outcome of a write that timed out is unknown.
  StatusOr<HttpResponse> Request(std::string_view method, std::string_view path,
                                 const std::string* body = nullptr);

  // The base URL without credentials.
  const std::string& base_url() const { return base_url_; }

 private:
  explicit CouchHttp(const CouchOptions& options);
  void* Acquire();  // a CURL*, from the pool or new
  void Release(void* handle, bool reusable);

  CouchOptions options_;
  std::string base_url_;
  void* headers_ = nullptr;  // curl_slist*, read-only after construction
  std::mutex mu_;
  std::vector<void*> idle_;  // guarded by mu_
};

// Percent-encodes everything except RFC 3986 unreserved characters, for path segments and
// query values.
std::string UrlEncode(std::string_view s);

}  // namespace kms::store
