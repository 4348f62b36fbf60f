#pragma once
// Configuration of ehsm-pccs: flags over environment (EHSM_PCCS_*) over a TOML file
// (--config / EHSM_PCCS_CONFIG) over defaults, one name per setting as in the other binaries
// (flag --data-dir, environment EHSM_PCCS_DATA_DIR, config key data_dir).
//
// The store is SQLite (<data-dir>/pccs.db) or, with --store couchdb, CouchDB (one document in
// --couchdb-db, couch_collateral_store.h); the --couchdb-* settings are named and checked as
// ehsm-kms's. After loading, couchdb_url holds no credentials.
//
// Commands: `ehsm-pccs [flags]` serves; `ehsm-pccs import PATH [flags]` verifies and stores
// the collateral of PATH; `ehsm-pccs status [flags]` lists what is held (exit 1 when it warns
// of items that expire within 7 days or have expired).

#include <cstdint>
#include <string>

#include "common/status.h"

namespace kms::pccs {

enum class PccsCommand { kServe, kImport, kStatus };

struct PccsConfig {
  PccsCommand command = PccsCommand::kServe;
  std::string import_path;      // import: the file or directory
  std::string config_file;
  std::string host = "0.0.0.0";
  int port = 8081;              // Intel's PCCS default
  std::string data_dir = "/var/lib/ehsm-pccs";  // pccs.db; self-signed TLS pair without tls_cert
  std::string store = "sqlite";  // sqlite | couchdb
  std::string db;               // sqlite: default <data_dir>/pccs.db
  std::string couchdb_url;      // couchdb: e.g. http://couchdb:5984
  std::string couchdb_user;
  std::string couchdb_password;  // never printed
  std::string couchdb_db = "ehsm_pccs";
  std::string couchdb_ca_file;   // HTTPS: trusted CAs (PEM); empty = the system store
  int64_t couchdb_timeout_ms = 10000;  // bound of one CouchDB request
  std::string collateral_dir;   // optional: imported at start
  std::string tls_cert;         // PEM files; both empty = self-signed in <data_dir>
  std::string tls_key;
  std::string upstream;         // PCS/PCCS base URL for misses and refreshes; empty = none
  std::string api_key_file;     // file holding the upstream's Ocp-Apim-Subscription-Key
  std::string root_ca_crl_url;  // empty = the upstream's /rootcacrl
  std::string upstream_ca_file; // CAs for the upstream's TLS certificate; empty = system
  bool upstream_insecure = false;
  int64_t refresh_ahead = 86400;  // seconds before nextUpdate an item is refetched
  int64_t at = 0;               // imports verified as of this Unix time; 0 = now
  int threads = 1;              // event loops
  std::string log_level = "info";
  std::string log_format = "text";  // or json

  std::string DbPath() const { return db.empty() ? data_dir + "/pccs.db" : db; }
  // The store for messages: the SQLite file, or couchdb:<url>/<db> without credentials.
  std::string StoreName() const;
  // One line, no secrets, for the start-up log.
  std::string Summary() const;
};

// Parses argv, the environment and the config file. --help/--version: kAborted with an empty
// message (exit 0); bad input: kInvalidArgument naming the setting.
StatusOr<PccsConfig> LoadPccsConfig(int argc, char** argv);

}  // namespace kms::pccs
