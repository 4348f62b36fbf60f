#include "attest/pccs_http.h"

#include <curl/curl.h>

#include <algorithm>
#include <cctype>
#include <memory>

namespace kms::attest {
namespace {

bool GlobalInit() {
  static const bool ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  return ok;
}

struct Sink {
  const PccsHttpOptions* options;
  PccsHttpResponse* response;
  size_t header_bytes = 0;
  bool too_large = false;
};

size_t OnBody(char* data, size_t size, size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  size_t len = size * n;
  if (sink->response->body.size() + len > sink->options->max_body_bytes) {
    sink->too_large = true;
    return 0;  // makes curl fail with CURLE_WRITE_ERROR
  }
  sink->response->body.append(data, len);
  return len;
}

std::string Trim(std::string s) {
  auto space = [](unsigned char c) { return std::isspace(c) != 0; };
  s.erase(s.begin(), std::find_if_not(s.begin(), s.end(), space));
  s.erase(std::find_if_not(s.rbegin(), s.rend(), space).base(), s.end());
  return s;
}

size_t OnHeader(char* data, size_t size, size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  size_t len = size * n;
  sink->header_bytes += len;
  if (sink->header_bytes > sink->options->max_header_bytes) {
    sink->too_large = true;
    return 0;
  }
  std::string line(data, len);
  if (line.rfind("HTTP/", 0) == 0) sink->response->headers.clear();  // a new response begins
  size_t colon = line.find(':');
  if (colon == std::string::npos) return len;
  std::string name = line.substr(0, colon);
  std::transform(name.begin(), name.end(), name.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  sink->response->headers[name] = Trim(line.substr(colon + 1));
  return len;
}

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
struct SlistDeleter {
  void operator()(curl_slist* l) const { curl_slist_free_all(l); }
};

}  // namespace

StatusOr<PccsHttpResponse> PccsHttpGet(const std::string& url, const PccsHttpOptions& options) {
  if (!GlobalInit()) return Status::Internal("curl_global_init failed");
  std::unique_ptr<CURL, CurlDeleter> curl(curl_easy_init());
  if (!curl) return Status::Internal("curl_easy_init failed");
  PccsHttpResponse response;
  Sink sink{&options, &response};
  char error[CURL_ERROR_SIZE] = {0};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);  // signals and threads do not mix
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout_ms));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(options.timeout_ms));
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "ehsm-kms-pccs-client/0.3");
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &sink);
  if (options.insecure) {
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
  } else if (!options.ca_file.empty()) {
    curl_easy_setopt(c, CURLOPT_CAINFO, options.ca_file.c_str());
  }
  std::unique_ptr<curl_slist, SlistDeleter> headers;
  for (const std::string& h : options.request_headers) {
    curl_slist* grown = curl_slist_append(headers.get(), h.c_str());
    if (grown == nullptr) return Status::Internal("curl_slist_append failed");
    (void)headers.release();
    headers.reset(grown);
  }
  if (headers) curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
  CURLcode rc = curl_easy_perform(c);
  if (sink.too_large) {
    return Status::Unavailable("PCCS response from " + url + " exceeds " +
                               std::to_string(options.max_body_bytes) + " bytes of body or " +
                               std::to_string(options.max_header_bytes) + " of headers");
  }
  if (rc != CURLE_OK) {
    std::string reason = error[0] != '\0' ? std::string(error) : curl_easy_strerror(rc);
    return Status::Unavailable("PCCS " + url + " unreachable: " + reason);
  }
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

}  // namespace kms::attest
