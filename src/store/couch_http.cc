#include "store/couch_http.h"

#include <curl/curl.h>

#include <mutex>

#include "common/percent_encoding.h"

namespace kms::store {
namespace {

// curl_global_init is not thread-safe on every libcurl build, so it runs exactly once.
bool GlobalInit() {
  static const bool ok = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  return ok;
}

size_t AppendBody(char* data, size_t size, size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

}  // namespace

std::string UrlEncode(std::string_view s) { return PercentEncode(s); }

StatusOr<std::unique_ptr<CouchHttp>> CouchHttp::New(const CouchOptions& options) {
  if (!GlobalInit()) return Status::Internal("curl_global_init failed");
  if (options.url.rfind("http://", 0) != 0 && options.url.rfind("https://", 0) != 0) {
    return Status::InvalidArgument("couchdb url must start with http:// or https://");
  }
  auto client = std::unique_ptr<CouchHttp>(new CouchHttp(options));
  if (client->headers_ == nullptr) return Status::Internal("curl_slist_append failed");
  return client;
}

CouchHttp::CouchHttp(const CouchOptions& options)
    : options_(options), base_url_(RedactUrl(options.url)) {
  curl_slist* h = nullptr;
  h = curl_slist_append(h, "Content-Type: application/json");
  if (h != nullptr) h = curl_slist_append(h, "Accept: application/json");
  // Large _bulk_docs bodies would otherwise wait for a "100 Continue" round trip.
  if (h != nullptr) h = curl_slist_append(h, "Expect:");
  headers_ = h;
}

CouchHttp::~CouchHttp() {
  for (void* handle : idle_) curl_easy_cleanup(static_cast<CURL*>(handle));
  curl_slist_free_all(static_cast<curl_slist*>(headers_));
}

void* CouchHttp::Acquire() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      void* handle = idle_.back();
      idle_.pop_back();
      return handle;
    }
  }
  return curl_easy_init();
}

void CouchHttp::Release(void* handle, bool reusable) {
  if (reusable) {
    std::lock_guard<std::mutex> lock(mu_);
    if (static_cast<int>(idle_.size()) < options_.max_idle_connections) {
      idle_.push_back(handle);
      return;
    }
  }
  curl_easy_cleanup(static_cast<CURL*>(handle));
}

StatusOr<HttpResponse> CouchHttp::Request(std::string_view method, std::string_view path,
                                          const std::string* body) {
  CURL* curl = static_cast<CURL*>(Acquire());
  if (curl == nullptr) return Status::Internal("curl_easy_init failed");
  // Reset keeps the handle's live connections, so keep-alive survives it.
  curl_easy_reset(curl);

  std::string url = options_.url;
  url.append(path);
  std::string method_str(method);
  HttpResponse response;
  char error[CURL_ERROR_SIZE] = {0};

  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method_str.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, static_cast<curl_slist*>(headers_));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);  // signals and threads do not mix
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options_.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.request_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &AppendBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &response.body);
  if (!options_.username.empty()) {
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, static_cast<long>(CURLAUTH_BASIC));
    curl_easy_setopt(curl, CURLOPT_USERNAME, options_.username.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, options_.password.c_str());
  }
  if (!options_.ca_file.empty()) curl_easy_setopt(curl, CURLOPT_CAINFO, options_.ca_file.c_str());
  if (options_.insecure) {
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L);
  }
  if (body != nullptr) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body->data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body->size()));
  } else if (method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  }

  CURLcode rc = curl_easy_perform(curl);
  // The handle outlives these locals in the pool.
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, nullptr);
  if (rc != CURLE_OK) {
    // The reason names host and port only: credentials travel in options, never in the URL.
    std::string reason = error[0] != '\0' ? std::string(error) : curl_easy_strerror(rc);
    Release(curl, /*reusable=*/false);
    return Status::Unavailable("couchdb at " + base_url_ + " unreachable: " + reason);
  }
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  Release(curl, /*reusable=*/true);
  return response;
}

}  // namespace kms::store
