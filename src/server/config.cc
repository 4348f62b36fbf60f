#include "server/config.h"

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include "common/config_binder.h"
#include "common/log.h"
#include "store/couch_options.h"

namespace kms::server {
namespace {

using config::Binder;

void FillDerived(KmsConfig& c) {
  if (c.sqlite_path.empty()) c.sqlite_path = c.data_dir + "/kms.db";
  if (c.identity.platform_secret.empty()) {
    c.identity.platform_secret = c.data_dir + "/platform.secret";
  }
  // Mirrors of the identity settings, for the code that only needs the backend.
  c.platform_secret = c.identity.platform_secret;
  c.tee = c.identity.tee;
  c.gramine_root = c.identity.gramine_root;
  if (c.audit_log.empty()) c.audit_log = c.data_dir + "/audit.log";
}

std::string GetEnv(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// The upstream's EHSM_CONFIG_COUCHDB_* variables, parsed as the store parses them (SERVER may
// be a host name or a full URL, PORT applies when SERVER names no port), each used where our
// own flag or variable did not set the field.
Status ApplyUpstreamCouchEnv(KmsConfig& c, const Binder& b) {
  std::string user = GetEnv("EHSM_CONFIG_COUCHDB_USERNAME");
  std::string password = GetEnv("EHSM_CONFIG_COUCHDB_PASSWORD");
  std::string url;
  if (!GetEnv("EHSM_CONFIG_COUCHDB_SERVER").empty()) {
    auto upstream = store::CouchOptionsFromEnv();
    if (!upstream.ok()) {
      // Only an error for the store that would use it.
      return c.store == "couchdb" ? upstream.status() : Status::Ok();
    }
    url = upstream->url;
    user = upstream->username;  // USERNAME, else the user information of SERVER
    password = upstream->password;
  }
  if (!url.empty() && !b.Explicit("couchdb_url")) c.couchdb_url = url;
  if (!user.empty() && !b.Explicit("couchdb_user")) c.couchdb_user = user;
  if (!password.empty() && !b.Explicit("couchdb_password")) c.couchdb_password = password;
  std::string db = GetEnv("EHSM_CONFIG_COUCHDB_DB");
  if (!db.empty() && !b.Explicit("couchdb_db")) c.couchdb_db = db;
  return Status::Ok();
}

// Moves credentials out of couchdb_url, so that nothing printing the URL can leak them.
Status NormalizeCouchUrl(KmsConfig& c) {
  return store::NormalizeCouchSettings(c.store == "couchdb", c.couchdb_url, c.couchdb_user,
                                       c.couchdb_password, c.couchdb_db,
                                       " (or EHSM_CONFIG_COUCHDB_SERVER)");
}

Status Check(const KmsConfig& c) {
  if (c.port < 0 || c.port > 65535) return Status::InvalidArgument("port must be 0..65535");
  if (c.run_mode != "single" && c.run_mode != "cluster") {
    return Status::InvalidArgument("run_mode must be single or cluster");
  }
  if (c.run_mode == "cluster" && c.policy.empty()) {
    return Status::InvalidArgument("run_mode cluster needs --policy (the deployment's policy)");
  }
  if (c.run_mode == "cluster" && c.dkeycache_socket.empty()) {
    return Status::InvalidArgument("run_mode cluster needs --dkeycache-socket");
  }
  if (c.store != "sqlite" && c.store != "couchdb") {
    return Status::InvalidArgument("store must be sqlite or couchdb");
  }
  if (c.tls_cert.empty() != c.tls_key.empty()) {
    return Status::InvalidArgument("tls_cert and tls_key must be given together");
  }
  if (c.max_body_bytes < 1024 || c.max_body_bytes > (64 << 20)) {
    return Status::InvalidArgument("max_body_bytes must be 1024..67108864");
  }
  if (c.threads < 0 || c.workers < 0 || c.queue_limit < 1) {
    return Status::InvalidArgument("threads and workers must be >= 0, queue_limit >= 1");
  }
  if (c.enroll_rate < 0) return Status::InvalidArgument("enroll_rate must be >= 0");
  const std::string max_conn = std::to_string(kMaxConnectionsLimit);
  if (c.max_connections < 0 || c.max_connections > kMaxConnectionsLimit) {
    return Status::InvalidArgument("max_connections (--max-connections) must be 0.." + max_conn +
                                   " (0 = derived from the open-file limit)");
  }
  if (c.max_connections_per_ip < 0 || c.max_connections_per_ip > kMaxConnectionsLimit) {
    return Status::InvalidArgument("max_connections_per_ip (--max-connections-per-ip) must be 0.." +
                                   max_conn + " (0 = no cap)");
  }
  if (c.first_request_timeout_ms < 100 || c.first_request_timeout_ms > 600000) {
    return Status::InvalidArgument(
        "first_request_timeout_ms (--first-request-timeout-ms) must be 100..600000");
  }
  // Bounded so that the conversion to ms and creationDate + lifetime stay far from overflow.
  if (c.key_lifetime_days < 0 || c.key_lifetime_days > kMaxKeyLifetimeDays) {
    return Status::InvalidArgument("key_lifetime_days must be 0.." +
                                   std::to_string(kMaxKeyLifetimeDays));
  }
  if (c.secret_sweep_interval_ms < 10 || c.secret_sweep_interval_ms > 30000) {
    return Status::InvalidArgument("secret_sweep_interval_ms must be 10..30000");
  }
  if (c.replay_capacity < 1000) return Status::InvalidArgument("replay_capacity must be >= 1000");
  if (c.replay_tenant_capacity < 0 || c.replay_tenant_capacity > c.replay_capacity) {
    return Status::InvalidArgument("replay_tenant_capacity must be 0..replay_capacity");
  }
  if (c.timestamp_window_ms < 1000 || c.timestamp_window_ms > 3600000) {
    return Status::InvalidArgument("timestamp_window_ms must be 1000..3600000");
  }
  if (c.key_cache_ttl_ms < 0) return Status::InvalidArgument("key_cache_ttl_ms must be >= 0");
  if (c.store_connect_timeout_ms < 0) {
    return Status::InvalidArgument("store_connect_timeout_ms must be >= 0");
  }
  KMS_RETURN_IF_ERROR(store::CheckCouchTimeout(c.couchdb_timeout_ms));
  KMS_RETURN_IF_ERROR(attest::CheckCollateral(c.collateral));
  KMS_RETURN_IF_ERROR(config::CheckLogFlags(c.log_level, c.log_format));
  return tee::CheckIdentity(c.identity);
}

}  // namespace

std::string KmsConfig::Summary() const {
  std::ostringstream s;
  s << "mode=" << run_mode << " store=" << store;
  if (run_mode == "cluster") s << " dkeycache_socket=" << dkeycache_socket << " policy=" << policy;
  if (store == "sqlite") s << " sqlite_path=" << sqlite_path;
  if (store == "couchdb") {
    s << " couchdb_url=" << store::RedactUrl(couchdb_url) << " couchdb_db=" << couchdb_db
      << " couchdb_user=" << (couchdb_user.empty() ? "-" : couchdb_user)
      << " couchdb_timeout_ms=" << couchdb_timeout_ms;
  }
  s << " host=" << host << " port=" << port << " data_dir=" << data_dir
    << " tls=" << (tls_cert.empty() ? "self-signed" : tls_cert) << " threads=" << threads
    << " workers=" << workers << " max_body_bytes=" << max_body_bytes
    << " max_connections=" << (max_connections > 0 ? std::to_string(max_connections) : "auto")
    << " max_connections_per_ip=" << max_connections_per_ip
    << " first_request_timeout_ms=" << first_request_timeout_ms
    << " log_level=" << log_level << " log_format=" << log_format
    << " metrics_token=" << (metrics_token.empty() ? "none" : "set") << " audit_log=" << audit_log
    << " key_lifetime_days=" << key_lifetime_days << " key_cache_ttl_ms=" << key_cache_ttl_ms
    << " store_connect_timeout_ms=" << store_connect_timeout_ms
    << " replay_capacity=" << replay_capacity
    << " replay_tenant_capacity=" << ReplayTenantCapacity(*this)
    << " timestamp_window_ms=" << timestamp_window_ms
    << " " << attest::CollateralSummary(collateral)
    << " " << tee::IdentitySummary(identity)
    << " allow_simulation=" << (allow_simulation ? "true" : "false")
    << " " << HardeningSummary(hardening)
    << " config_file=" << (config_file.empty() ? "-" : config_file);
  return s.str();
}

StatusOr<KmsConfig> LoadConfig(int argc, char** argv) {
  KmsConfig c;
  c.config_file = config::FindConfigPath(argc, argv, "EHSM_CONFIG");
  KMS_ASSIGN_OR_RETURN(auto file, config::ReadConfigFile(c.config_file));

  CLI::App app{"ehsm-kms: the eHSM key management service (REST over HTTPS)"};
  app.set_version_flag("--version", "ehsm-kms 0.3.2");
  std::string config_flag;
  app.add_option("--config", config_flag, "TOML config file (keys as the flags, with _)")
      ->envname("EHSM_CONFIG");
  app.add_option("--export-sim-root", c.export_sim_root,
                 "write the sim attestation root CA (DER) of the platform secret to this file "
                 "and exit");
  Binder b(app, file, "EHSM_");
  b.Add("host", c.host, "address to listen on");
  b.Add("port", c.port, "HTTPS port; 0 picks a free one (printed at start)");
  b.Add("data_dir", c.data_dir, "directory for the database, sealed domain key and TLS pair");
  b.Add("run_mode", c.run_mode, "single (domain key sealed locally) or cluster");
  b.Add("store", c.store, "sqlite (embedded default) or couchdb");
  b.Add("sqlite_path", c.sqlite_path, "SQLite database file (default <data_dir>/kms.db)");
  b.Add("tls_cert", c.tls_cert, "server certificate chain (PEM); default: self-signed");
  b.Add("tls_key", c.tls_key, "server private key (PEM)");
  b.Add("dkeycache_socket", c.dkeycache_socket,
        "cluster: the node's ehsm-dkeycache socket to obtain the domain key from");
  b.Add("policy", c.policy, "cluster: the deployment's policy file (TOML)");
  tee::AddIdentityFlags(b, c.identity);
  b.AddFlag("allow_simulation", c.allow_simulation,
            "VerifyQuote accepts sim quotes of this process's sim root (no security claim)");
  b.Add("threads", c.threads, "event-loop threads (0 = one per core)");
  b.Add("workers", c.workers, "worker threads for store and slow crypto (0 = auto)");
  b.Add("queue_limit", c.queue_limit, "requests queued for workers before answering busy");
  b.Add("max_body_bytes", c.max_body_bytes, "largest accepted request body");
  b.Add("max_connections", c.max_connections,
        "client connections open at once (0 = open-file limit minus a reserve)");
  b.Add("max_connections_per_ip", c.max_connections_per_ip,
        "connections one source address may hold (0 = no cap; keep 0 behind a load balancer)");
  b.Add("first_request_timeout_ms", c.first_request_timeout_ms,
        "time from accept to the first complete request, TLS handshake included");
  config::AddLogFlags(b, c.log_level, c.log_format);
  b.Add("metrics_token", c.metrics_token,
        "require Authorization: Bearer TOKEN on GET /metrics (prefer the environment)");
  b.Add("audit_log", c.audit_log, "append-only audit log (default <data_dir>/audit.log)");
  b.Add("key_lifetime_days", c.key_lifetime_days, "expiry of new keys in days (0 = never)");
  b.Add("replay_capacity", c.replay_capacity, "replay-protection entries kept in memory");
  b.Add("replay_tenant_capacity", c.replay_tenant_capacity,
        "replay entries one tenant may hold (0 = replay_capacity / 16)");
  b.Add("timestamp_window_ms", c.timestamp_window_ms,
        "accepted |now - timestamp| of a request (1000..3600000)");
  b.Add("key_cache_ttl_ms", c.key_cache_ttl_ms,
        "how long cached key records are trusted (bounds cross-process staleness)");
  b.Add("enroll_rate", c.enroll_rate, "Enroll calls per second (bursts of 5x); 0 = unlimited");
  b.Add("secret_sweep_interval_ms", c.secret_sweep_interval_ms,
        "how often due secret deletions are carried out (10..30000)");
  b.Add("couchdb_url", c.couchdb_url, "CouchDB URL, e.g. http://couchdb:5984");
  b.Add("couchdb_user", c.couchdb_user, "CouchDB user");
  b.Add("couchdb_password", c.couchdb_password, "CouchDB password (prefer the environment)");
  b.Add("couchdb_db", c.couchdb_db, "CouchDB database name");
  b.Add("couchdb_ca_file", c.couchdb_ca_file, "CAs trusted for an https CouchDB (PEM)");
  b.Add("couchdb_timeout_ms", c.couchdb_timeout_ms, "bound of one CouchDB request");
  b.Add("store_connect_timeout_ms", c.store_connect_timeout_ms,
        "how long start-up retries an unreachable store (0 = once)");
  attest::AddCollateralFlags(b, c.collateral);
  AddHardeningFlags(b, c.hardening);
  KMS_RETURN_IF_ERROR(b.Parse(argc, argv, c.config_file));
  KMS_RETURN_IF_ERROR(FinishHardeningConfig(c.hardening));
  FillDerived(c);
  KMS_RETURN_IF_ERROR(ApplyUpstreamCouchEnv(c, b));
  KMS_RETURN_IF_ERROR(NormalizeCouchUrl(c));
  KMS_RETURN_IF_ERROR(Check(c));
  return c;
}

int64_t ReplayTenantCapacity(const KmsConfig& c) {
  return c.replay_tenant_capacity > 0 ? c.replay_tenant_capacity
                                      : std::max<int64_t>(1, c.replay_capacity / 16);
}

int64_t DefaultMaxConnections(int64_t soft_limit) {
  const int64_t reserve = std::min(std::max<int64_t>(256, soft_limit / 10), soft_limit / 2);
  return std::max<int64_t>(1, soft_limit - reserve);
}

StatusOr<int64_t> ResolveMaxConnections(int64_t configured, int64_t soft_limit) {
  if (configured == 0) return DefaultMaxConnections(soft_limit);
  if (configured > soft_limit - kMinFdReserve) {
    return Status::InvalidArgument(
        "--max-connections " + std::to_string(configured) + " needs more open files than the " +
        "limit of " + std::to_string(soft_limit) + " (RLIMIT_NOFILE) allows with " +
        std::to_string(kMinFdReserve) + " reserved; raise the limit (ulimit -n, LimitNOFILE=) " +
        "or lower --max-connections");
  }
  return configured;
}

int Cores() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

int EventLoops(const KmsConfig& c) { return c.threads > 0 ? c.threads : Cores(); }

}  // namespace kms::server
