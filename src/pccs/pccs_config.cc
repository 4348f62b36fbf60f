#include "pccs/pccs_config.h"

#include <sstream>
#include <vector>

#include "common/config_binder.h"
#include "store/couch_options.h"

namespace kms::pccs {

std::string PccsConfig::StoreName() const {
  if (store != "couchdb") return DbPath();
  return "couchdb:" + store::RedactUrl(couchdb_url) + "/" + couchdb_db;
}

std::string PccsConfig::Summary() const {
  std::ostringstream s;
  s << "host=" << host << " port=" << port << " data_dir=" << data_dir << " store=" << store
    << " db=" << StoreName();
  if (store == "couchdb") {
    s << " couchdb_user=" << (couchdb_user.empty() ? "-" : couchdb_user)
      << " couchdb_timeout_ms=" << couchdb_timeout_ms;
  }
  s << " collateral_dir=" << (collateral_dir.empty() ? "-" : collateral_dir)
    << " tls=" << (tls_cert.empty() ? "self-signed" : tls_cert)
    << " upstream=" << (upstream.empty() ? "-" : upstream)
    << " root_ca_crl_url=" << (root_ca_crl_url.empty() ? "-" : root_ca_crl_url)
    << " api_key=" << (api_key_file.empty() ? "none" : "from file")
    << " refresh_ahead=" << refresh_ahead << "s threads=" << threads
    << " log_level=" << log_level << " log_format=" << log_format
    << " config_file=" << (config_file.empty() ? "-" : config_file);
  return s.str();
}

StatusOr<PccsConfig> LoadPccsConfig(int argc, char** argv) {
  PccsConfig c;
  // The command, when given, is the first argument; the rest parses the same for all.
  std::vector<char*> args(argv, argv + argc);
  if (args.size() > 1 && std::string_view(args[1]) == "import") c.command = PccsCommand::kImport;
  if (args.size() > 1 && std::string_view(args[1]) == "status") c.command = PccsCommand::kStatus;
  if (c.command != PccsCommand::kServe) args.erase(args.begin() + 1);
  const int n = static_cast<int>(args.size());
  c.config_file = config::FindConfigPath(n, args.data(), "EHSM_PCCS_CONFIG");
  KMS_ASSIGN_OR_RETURN(auto file, config::ReadConfigFile(c.config_file));
  CLI::App app{
      "ehsm-pccs: a PCCS-compatible server of Intel DCAP collateral (PCK CRLs, TCB info, "
      "enclave identities, PCK certificates), kept in SQLite or CouchDB, filled by "
      "`ehsm-pccs import PATH` or from an upstream PCS. Commands: (none) serve, import PATH, "
      "status (exit 1 when it warns of items that expire within 7 days or have expired, or "
      "cannot read the store)"};
  app.set_version_flag("--version", "ehsm-pccs 0.3.2");
  std::string config_flag;
  app.add_option("--config", config_flag, "TOML config file (keys as the flags, with _)")
      ->envname("EHSM_PCCS_CONFIG");
  if (c.command == PccsCommand::kImport) {
    app.add_option("path", c.import_path, "collateral file or directory to import")->required();
  }
  config::Binder b(app, file, "EHSM_PCCS_");
  b.Add("host", c.host, "address to listen on");
  b.Add("port", c.port, "HTTPS port; 0 picks a free one (printed at start)");
  b.Add("data_dir", c.data_dir, "state: pccs.db, and the self-signed TLS pair without --tls-cert");
  b.Add("store", c.store, "sqlite (default) or couchdb: where the collateral is kept");
  b.Add("db", c.db, "SQLite file (default <data-dir>/pccs.db)");
  b.Add("couchdb_url", c.couchdb_url, "CouchDB URL, e.g. http://couchdb:5984");
  b.Add("couchdb_user", c.couchdb_user, "CouchDB user");
  b.Add("couchdb_password", c.couchdb_password, "CouchDB password (prefer the environment)");
  b.Add("couchdb_db", c.couchdb_db, "CouchDB database of ehsm-pccs's own (default ehsm_pccs)");
  b.Add("couchdb_ca_file", c.couchdb_ca_file, "CAs trusted for an https CouchDB (PEM)");
  b.Add("couchdb_timeout_ms", c.couchdb_timeout_ms, "bound of one CouchDB request");
  b.Add("collateral_dir", c.collateral_dir,
        "collateral imported at start (as `ehsm-pccs import`); optional");
  b.Add("tls_cert", c.tls_cert, "server certificate chain (PEM); default: self-signed");
  b.Add("tls_key", c.tls_key, "server private key (PEM)");
  b.Add("upstream", c.upstream,
        "PCS or PCCS base URL for items not held and for refreshes, e.g. "
        "https://api.trustedservices.intel.com");
  b.Add("api_key_file", c.api_key_file, "file with the upstream's API key (Ocp-Apim-Subscription-Key)");
  b.Add("root_ca_crl_url", c.root_ca_crl_url,
        "where the upstream's root CA CRL is (default <upstream>/sgx/certification/v4/rootcacrl; "
        "for Intel's PCS: https://certificates.trustedservices.intel.com/IntelSGXRootCA.der)");
  b.Add("upstream_ca_file", c.upstream_ca_file, "CAs for the upstream's TLS (PEM); default: system");
  b.AddFlag("upstream_insecure", c.upstream_insecure, "do not verify the upstream's TLS certificate");
  b.Add("refresh_ahead", c.refresh_ahead, "seconds before an item's nextUpdate it is refetched");
  b.Add("at", c.at,
        "verify imported collateral as of this Unix time instead of now (to load recorded "
        "collateral, e.g. test vectors)");
  b.Add("threads", c.threads, "event-loop threads (1..64)");
  config::AddLogFlags(b, c.log_level, c.log_format);
  KMS_RETURN_IF_ERROR(b.Parse(n, args.data(), c.config_file));
  if (c.data_dir.empty()) return Status::InvalidArgument("data_dir (--data-dir) must not be empty");
  if (c.store != "sqlite" && c.store != "couchdb") {
    return Status::InvalidArgument("store (--store) must be sqlite or couchdb");
  }
  KMS_RETURN_IF_ERROR(store::NormalizeCouchSettings(c.store == "couchdb", c.couchdb_url,
                                                    c.couchdb_user, c.couchdb_password,
                                                    c.couchdb_db, " (--couchdb-url)"));
  KMS_RETURN_IF_ERROR(store::CheckCouchTimeout(c.couchdb_timeout_ms));
  if (c.port < 0 || c.port > 65535) return Status::InvalidArgument("port must be 0..65535");
  if (c.tls_cert.empty() != c.tls_key.empty()) {
    return Status::InvalidArgument("tls_cert and tls_key must be given together");
  }
  if (!c.api_key_file.empty() && c.upstream.empty()) {
    return Status::InvalidArgument("api_key_file (--api-key-file) needs upstream (--upstream)");
  }
  // Intel's PCS serves no /rootcacrl; its root CA CRL lives on the certificates host. Knowing
  // that spares every operator pointing --upstream at the PCS a failed first fetch.
  if (c.root_ca_crl_url.empty() &&
      c.upstream.find("api.trustedservices.intel.com") != std::string::npos) {
    c.root_ca_crl_url = "https://certificates.trustedservices.intel.com/IntelSGXRootCA.der";
  }
  if (c.refresh_ahead < 0) return Status::InvalidArgument("refresh_ahead must be >= 0");
  if (c.at < 0) return Status::InvalidArgument("at must be a Unix time");
  if (c.threads < 1 || c.threads > 64) return Status::InvalidArgument("threads must be 1..64");
  KMS_RETURN_IF_ERROR(config::CheckLogFlags(c.log_level, c.log_format));
  return c;
}

}  // namespace kms::pccs
