#pragma once
// Connection settings of the CouchDB store, and how they are read from the environment the
// upstream deployment uses.

#include <chrono>
#include <functional>
#include <string>

#include "common/status.h"

namespace kms::store {

struct CouchOptions {
  // Base URL of the server, "http://host:5984" or "https://host:6984". Credentials embedded as
  // "http://user:pass@host" are accepted and moved into `username`/`password`.
  std::string url;
  std::string username;  // empty: no authentication
  std::string password;  // never logged
  std::string database = "ehsm_kms_db";

  // Bounds of one HTTP request, so that an unreachable server fails fast with kUnavailable.
  std::chrono::milliseconds connect_timeout{2000};
  std::chrono::milliseconds request_timeout{10000};

  // HTTPS: PEM bundle of trusted CAs (empty: the system store); `insecure` skips peer and host
  // verification and is meant for tests only.
  std::string ca_file;
  bool insecure = false;

  // Rows fetched per page by list queries.
  int page_size = 500;
  // Attempts of a read-modify-write (SetKeyState, DeleteKey) that keeps losing races.
  int conflict_retries = 32;
  // Idle keep-alive connections kept for reuse.
  int max_idle_connections = 8;
};

using GetEnvFn = std::function<const char*(const char*)>;

// Fills CouchOptions from EHSM_CONFIG_COUCHDB_SERVER (host name, or a full http(s) URL),
// _PORT (default 5984, ignored when SERVER is a URL that has a port), _USERNAME, _PASSWORD and
// _DB (default "ehsm_kms_db"). kInvalidArgument when SERVER is unset or PORT is not a port.
StatusOr<CouchOptions> CouchOptionsFromEnv(const GetEnvFn& getenv);
StatusOr<CouchOptions> CouchOptionsFromEnv();  // from the process environment

// The URL with any user information removed, for logs.
std::string RedactUrl(const std::string& url);

// Splits "scheme://user:pass@host/..." into the URL without user information and the
// percent-decoded user and password. Leaves `options` untouched when the URL has none.
// kInvalidArgument unless the scheme is http or https and a host is present.
Status NormalizeCouchOptions(CouchOptions& options);

// The --couchdb-url/-user/-password/-db settings of a binary (ehsm-kms, ehsm-pccs), checked
// the same way everywhere: user information in `url` is moved into `user` and `password`
// (unless `user` is set), so that nothing printing the URL can leak it. When `used` (the binary
// runs with --store couchdb), an empty or malformed URL or an empty database is
// kInvalidArgument naming the setting; otherwise the settings are left as they are and OK.
// `missing_url_hint` is appended to the message of an empty URL (e.g. another variable that
// would have set it).
Status NormalizeCouchSettings(bool used, std::string& url, std::string& user,
                              std::string& password, const std::string& database,
                              std::string_view missing_url_hint = "");

// kInvalidArgument unless a request timeout of `timeout_ms` is usable (>= 100 ms).
Status CheckCouchTimeout(int64_t timeout_ms);

}  // namespace kms::store
