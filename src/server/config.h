#pragma once
// Configuration of ehsm-kms: command-line flags over environment variables over a TOML config
// file over built-in defaults. Every setting has one name used in all three places:
//   flag --data-dir, environment EHSM_DATA_DIR, config key data_dir.

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "dkey/dkeycache_config.h"
#include "attest/collateral_config.h"
#include "server/hardening_config.h"
#include "tee/identity_config.h"

namespace kms::server {

// 1000 years: beyond any use, and far from overflowing the ms arithmetic of expireTime.
inline constexpr int64_t kMaxKeyLifetimeDays = 365000;

struct KmsConfig {
  std::string config_file;  // from --config / EHSM_CONFIG; empty = none
  std::string host = "0.0.0.0";
  int port = 9000;
  std::string data_dir = "/var/lib/ehsm-kms";
  std::string run_mode = "single";  // single | cluster
  std::string store = "sqlite";     // sqlite | couchdb
  std::string sqlite_path;          // default <data_dir>/kms.db
  std::string tls_cert;             // PEM files; both empty = self-signed in <data_dir>
  std::string tls_key;
  // The identity this process claims (--tee, --gramine-root, --platform-secret, --sim-*):
  // by default mrsigner SHA-256("ehsm-kms sim mrsigner"), mrenclave SHA-256("ehsm-kms sim
  // mrenclave"), product id and svn 0, not debug. In cluster mode the node's dkeycache checks
  // it against [[kms]].
  tee::IdentityConfig identity = tee::DefaultIdentity("ehsm-kms", /*isvprodid=*/0);
  // Copies of identity.tee, .gramine_root and .platform_secret (the latter with its default
  // <data_dir>/platform.secret filled in), set by LoadConfig, for code that needs the backend.
  std::string tee = "sim";
  std::string gramine_root = "/dev/attestation";
  std::string platform_secret;
  // Cluster mode: the node's ehsm-dkeycache socket and the deployment's policy (the dkeycache
  // must be allowed by its [[dkeycache]] section). The platform secret must be the node's, the
  // one the dkeycache uses, for local attestation.
  std::string dkeycache_socket = dkey::kDefaultDkeyCacheSocket;
  std::string policy;
  // VerifyQuote (and key release to a recipient) accept sim quotes, signed by this process's
  // own sim root, only when set.
  bool allow_simulation = false;
  // Command-line only: write the sim attestation root CA (DER) here and exit, for verifiers
  // that allow simulation (docs/attestation.md, "Simulated quotes").
  std::string export_sim_root;
  int threads = 0;              // event loops; 0 = one per core
  int workers = 0;              // worker pool; 0 = 4 per core (at least 8)
  int queue_limit = 10000;      // requests waiting for a worker before "busy"
  int64_t max_body_bytes = 100 * 1024;
  // Client connections open at once over all event loops; 0 = DefaultMaxConnections of the
  // open-file limit at start (the process raises its soft limit to the hard one first).
  int64_t max_connections = 0;
  // Connections one source address may hold; 0 = no cap (behind a load balancer or NAT many
  // clients share one address).
  int64_t max_connections_per_ip = 0;
  // From accept to the end of the first request, TLS handshake included.
  int64_t first_request_timeout_ms = 10000;
  std::string log_level = "info";
  std::string log_format = "text";  // text | json: the main log and the access log
  // When set, GET /metrics needs `Authorization: Bearer <metrics_token>`; never printed.
  std::string metrics_token;
  std::string audit_log;  // default <data_dir>/audit.log
  int64_t key_lifetime_days = 0;  // 0 = keys never expire; at most kMaxKeyLifetimeDays
  // Tuples are kept for the 10-minute timestamp window, so this bounds the sustained request
  // rate to capacity / 600 s (8 M: about 13k requests/s; 8-16 bytes per entry).
  int64_t replay_capacity = 8000000;
  // Entries one tenant may hold (its share of replay_capacity); 0 = replay_capacity / 16, so
  // that one tenant, or a few, cannot lock out the others.
  int64_t replay_tenant_capacity = 0;
  // Requests are accepted while |now - timestamp| < this (the upstream's 10 minutes).
  int64_t timestamp_window_ms = 600000;
  int64_t key_cache_ttl_ms = 2000;
  double enroll_rate = 20;  // enrollments per second (bursts of 5x); 0 = unlimited
  // How often secrets whose scheduled deletion is due are purged (at most 30 s, so a deletion
  // happens within a minute of its time; tests use less).
  int64_t secret_sweep_interval_ms = 30000;
  // How long start-up waits for an unreachable store (retrying with backoff) before giving up;
  // 0 = one attempt.
  int64_t store_connect_timeout_ms = 60000;
  // CouchDB. The upstream's EHSM_CONFIG_COUCHDB_{SERVER,PORT,USERNAME,PASSWORD,DB} are read as
  // well, ranking below our own flags and EHSM_COUCHDB_* variables and above the config file.
  // After loading, couchdb_url never holds credentials: user information in it is moved into
  // couchdb_user / couchdb_password.
  std::string couchdb_url;
  std::string couchdb_user;
  std::string couchdb_password;  // never printed
  std::string couchdb_db = "ehsm_kms_db";
  std::string couchdb_ca_file;        // HTTPS: trusted CAs (PEM); empty = the system store
  int64_t couchdb_timeout_ms = 10000;  // bound of one CouchDB request
  // Attestation collateral for verifying real DCAP quotes (docs/attestation.md): a PCCS
  // (pccs_url, v4 API) or a directory of collateral files; at most one; neither = none.
  attest::CollateralConfig collateral;
  // Audit trail, Enroll protection, TLS reload.
  HardeningConfig hardening;

  // One line, no secrets, for the start-up log.
  std::string Summary() const;
};

// Parses argv, the environment and the config file. On --help/--version prints and returns
// kAborted with an empty message (caller exits 0); on bad input returns kInvalidArgument with
// a message naming the setting.
StatusOr<KmsConfig> LoadConfig(int argc, char** argv);

// The per-tenant share of the replay cache that `c` asks for.
int64_t ReplayTenantCapacity(const KmsConfig& c);

// Largest accepted max_connections (and max_connections_per_ip).
inline constexpr int64_t kMaxConnectionsLimit = 16 << 20;
// Descriptors always left to the process beside client connections: listeners, event loops,
// store, logs, outgoing connections.
inline constexpr int64_t kMinFdReserve = 64;

// max_connections when unset, for an open-file soft limit `soft_limit`: the limit minus a
// reserve of 10 % of it, at least 256 and at most half the limit (1024 -> 768,
// 65536 -> 58983, 1048576 -> 943719).
int64_t DefaultMaxConnections(int64_t soft_limit);
// `configured` (0 = the default) checked against `soft_limit`: fails, naming
// --max-connections, when it would leave fewer than kMinFdReserve descriptors.
StatusOr<int64_t> ResolveMaxConnections(int64_t configured, int64_t soft_limit);

// Cores of this machine (at least 1).
int Cores();
// Event loops the server runs: `threads` when set, else one per core.
int EventLoops(const KmsConfig& c);

}  // namespace kms::server
