// libcurl transport. One easy handle per instance: libcurl keeps the TLS connection of an easy
// handle open between transfers, so reusing the handle gives HTTP keep-alive for free.

#include <curl/curl.h>

#include <mutex>
#include <string>

#include "kms/transport.h"

namespace kms::client {
namespace {

// curl_global_init is not thread-safe on every libcurl build; run it once per process.
bool GlobalInit() {
  static std::once_flag once;
  static bool ok = false;
  std::call_once(once, [] { ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK; });
  return ok;
}

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* out = static_cast<std::string*>(user);
  // Replies are small envelopes; refuse anything absurd instead of exhausting memory.
  constexpr size_t kMaxReply = 64u << 20;
  if (out->size() + size * n > kMaxReply) return 0;
  out->append(data, size * n);
  return size * n;
}

class CurlTransport final : public Transport {
 public:
  CurlTransport(CURL* handle, curl_slist* headers) : curl_(handle), headers_(headers) {}
  ~CurlTransport() override {
    curl_easy_cleanup(curl_);
    curl_slist_free_all(headers_);
  }

  Result<HttpResponse> Send(const HttpRequest& request) override {
    HttpResponse response;
    curl_easy_setopt(curl_, CURLOPT_URL, request.url.c_str());
    if (request.post) {
      curl_easy_setopt(curl_, CURLOPT_POST, 1L);
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDS, request.body.data());
      curl_easy_setopt(curl_, CURLOPT_POSTFIELDSIZE_LARGE,
                       static_cast<curl_off_t>(request.body.size()));
      curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, headers_);
    } else {
      curl_easy_setopt(curl_, CURLOPT_HTTPGET, 1L);
      curl_easy_setopt(curl_, CURLOPT_HTTPHEADER, nullptr);
    }
    curl_easy_setopt(curl_, CURLOPT_WRITEDATA, &response.body);
    error_[0] = '\0';
    CURLcode rc = curl_easy_perform(curl_);
    if (rc != CURLE_OK) {
      std::string msg = error_[0] != '\0' ? std::string(error_) : curl_easy_strerror(rc);
      return Error::Transport(static_cast<int>(rc), std::move(msg));
    }
    curl_easy_getinfo(curl_, CURLINFO_RESPONSE_CODE, &response.status);
    return response;
  }

  char* error_buffer() { return error_; }

 private:
  CURL* curl_;
  curl_slist* headers_;
  char error_[CURL_ERROR_SIZE] = {};
};

}  // namespace

Result<std::unique_ptr<Transport>> NewCurlTransport(const TlsOptions& tls,
                                                    const TimeoutOptions& timeouts) {
  if (!GlobalInit()) return Error::Local("libcurl initialisation failed");
  CURL* curl = curl_easy_init();
  if (curl == nullptr) return Error::Local("curl_easy_init failed");
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  headers = curl_slist_append(headers, "Accept: application/json");
  // Without this, curl sends "Expect: 100-continue" for larger bodies and waits a second.
  headers = curl_slist_append(headers, "Expect:");
  auto transport = std::make_unique<CurlTransport>(curl, headers);

  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, transport->error_buffer());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnBody);
  // Signals cannot be used for timeouts in multi-threaded programs.
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeouts.connect.count()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(timeouts.total.count()));
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https,http");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "ehsm-client/0.3");
  if (tls.insecure) {
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
  } else {
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
    if (!tls.ca_file.empty()) {
      if (curl_easy_setopt(curl, CURLOPT_CAINFO, tls.ca_file.c_str()) != CURLE_OK) {
        return Error::InvalidArgument("cannot use CA file " + tls.ca_file);
      }
    }
  }
  return std::unique_ptr<Transport>(std::move(transport));
}

}  // namespace kms::client
