#include "store/couch_options.h"

#include <cstdlib>
#include <string_view>

#include "common/percent_encoding.h"

namespace kms::store {
namespace {

struct UrlParts {
  std::string scheme;    // "http" or "https", as written
  std::string userinfo;  // between "://" and "@", may be empty
  std::string rest;      // host[:port][/path]
};

StatusOr<UrlParts> SplitUrl(const std::string& url) {
  size_t sep = url.find("://");
  if (sep == std::string::npos) {
    return Status::InvalidArgument("couchdb url must start with http:// or https://");
  }
  UrlParts parts;
  parts.scheme = url.substr(0, sep);
  if (parts.scheme != "http" && parts.scheme != "https") {
    return Status::InvalidArgument("couchdb url scheme must be http or https");
  }
  std::string after = url.substr(sep + 3);
  size_t slash = after.find('/');
  size_t at = after.rfind('@', slash);
  if (at != std::string::npos && (slash == std::string::npos || at < slash)) {
    parts.userinfo = after.substr(0, at);
    after = after.substr(at + 1);
  }
  if (after.empty() || after[0] == '/' || after[0] == ':') {
    return Status::InvalidArgument("couchdb url has no host");
  }
  parts.rest = after;
  return parts;
}

}  // namespace

std::string RedactUrl(const std::string& url) {
  auto parts = SplitUrl(url);
  if (!parts.ok()) {
    // Not a URL we understand: show nothing that could be a secret.
    return "<invalid url>";
  }
  return parts->scheme + "://" + parts->rest;
}

Status NormalizeCouchOptions(CouchOptions& options) {
  KMS_ASSIGN_OR_RETURN(UrlParts parts, SplitUrl(options.url));
  while (!parts.rest.empty() && parts.rest.back() == '/') parts.rest.pop_back();
  options.url = parts.scheme + "://" + parts.rest;
  if (!parts.userinfo.empty()) {
    size_t colon = parts.userinfo.find(':');
    std::string user = PercentDecodeLenient(parts.userinfo.substr(0, colon), false);
    std::string pass = colon == std::string::npos
                           ? ""
                           : PercentDecodeLenient(parts.userinfo.substr(colon + 1), false);
    if (options.username.empty()) {
      options.username = std::move(user);
      options.password = std::move(pass);
    }
  }
  if (options.database.empty()) return Status::InvalidArgument("couchdb database name is empty");
  return Status::Ok();
}

Status NormalizeCouchSettings(bool used, std::string& url, std::string& user,
                              std::string& password, const std::string& database,
                              std::string_view missing_url_hint) {
  if (url.empty()) {
    if (!used) return Status::Ok();
    return Status::InvalidArgument("store couchdb needs couchdb_url" +
                                   std::string(missing_url_hint));
  }
  CouchOptions o;
  o.url = url;
  o.username = user;
  o.password = password;
  o.database = database;
  Status s = NormalizeCouchOptions(o);
  if (!s.ok()) {
    if (!used) return Status::Ok();
    return Status::InvalidArgument(
        (database.empty() ? std::string("couchdb_db: ") : std::string("couchdb_url: ")) +
        s.message());
  }
  url = std::move(o.url);
  user = std::move(o.username);
  password = std::move(o.password);
  return Status::Ok();
}

Status CheckCouchTimeout(int64_t timeout_ms) {
  if (timeout_ms < 100) return Status::InvalidArgument("couchdb_timeout_ms must be >= 100");
  return Status::Ok();
}

StatusOr<CouchOptions> CouchOptionsFromEnv(const GetEnvFn& getenv) {
  auto get = [&](const char* name) -> std::string {
    const char* v = getenv(name);
    return v == nullptr ? std::string() : std::string(v);
  };
  CouchOptions options;
  std::string server = get("EHSM_CONFIG_COUCHDB_SERVER");
  if (server.empty()) {
    return Status::InvalidArgument("EHSM_CONFIG_COUCHDB_SERVER is not set");
  }
  std::string port = get("EHSM_CONFIG_COUCHDB_PORT");
  if (port.empty()) port = "5984";
  if (port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5 ||
      std::stoi(port) < 1 || std::stoi(port) > 65535) {
    return Status::InvalidArgument("EHSM_CONFIG_COUCHDB_PORT is not a port number");
  }
  if (server.find("://") != std::string::npos) {
    KMS_ASSIGN_OR_RETURN(UrlParts parts, SplitUrl(server));
    std::string host = parts.rest.substr(0, parts.rest.find('/'));
    // A bracketed IPv6 literal has colons of its own; only a colon after "]" is a port.
    size_t close = host.rfind(']');
    size_t colon = host.find(':', close == std::string::npos ? 0 : close);
    options.url = server;
    if (colon == std::string::npos) {
      options.url = parts.scheme + "://" + (parts.userinfo.empty() ? "" : parts.userinfo + "@") +
                    host + ":" + port + parts.rest.substr(host.size());
    }
  } else {
    options.url = "http://" + server + ":" + port;
  }
  options.username = get("EHSM_CONFIG_COUCHDB_USERNAME");
  options.password = get("EHSM_CONFIG_COUCHDB_PASSWORD");
  std::string db = get("EHSM_CONFIG_COUCHDB_DB");
  if (!db.empty()) options.database = db;
  KMS_RETURN_IF_ERROR(NormalizeCouchOptions(options));
  return options;
}

StatusOr<CouchOptions> CouchOptionsFromEnv() {
  return CouchOptionsFromEnv([](const char* name) -> const char* { return std::getenv(name); });
}

}  // namespace kms::store
