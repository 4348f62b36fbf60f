#include "pccs/pccs_config.h"

#include <sstream>

#include "common/config_binder.h"

namespace kms::pccs {

std::string PccsConfig::Summary() const {
  std::ostringstream s;
  s << "host=" << host << " port=" << port << " collateral_dir=" << collateral_dir
    << " data_dir=" << data_dir << " tls=" << (tls_cert.empty() ? "self-signed" : tls_cert)
    << " threads=" << threads << " log_level=" << log_level
    << " config_file=" << (config_file.empty() ? "-" : config_file);
  return s.str();
}

StatusOr<PccsConfig> LoadPccsConfig(int argc, char** argv) {
  PccsConfig c;
  c.config_file = config::FindConfigPath(argc, argv, "EHSM_PCCS_CONFIG");
  KMS_ASSIGN_OR_RETURN(auto file, config::ReadConfigFile(c.config_file));
  CLI::App app{
      "ehsm-pccs: serves Intel DCAP collateral (PCK CRLs, TCB info, QE identities) over the "
      "PCCS v4 API from a directory of collateral files"};
  app.set_version_flag("--version", "ehsm-pccs 0.3.2");
  std::string config_flag;
  app.add_option("--config", config_flag, "TOML config file (keys as the flags, with _)")
      ->envname("EHSM_PCCS_CONFIG");
  config::Binder b(app, file, "EHSM_PCCS_");
  b.Add("host", c.host, "address to listen on");
  b.Add("port", c.port, "HTTPS port; 0 picks a free one (printed at start)");
  b.Add("collateral_dir", c.collateral_dir,
        "directory of collateral bundles (*.json, dcap-qvl form, one per TEE and FMSPC)");
  b.Add("data_dir", c.data_dir, "where the self-signed TLS pair is kept (without --tls-cert)");
  b.Add("tls_cert", c.tls_cert, "server certificate chain (PEM); default: self-signed");
  b.Add("tls_key", c.tls_key, "server private key (PEM)");
  b.Add("threads", c.threads, "event-loop threads (1..64)");
  b.Add("log_level", c.log_level, "debug, info, warn or error");
  KMS_RETURN_IF_ERROR(b.Parse(argc, argv, c.config_file));
  if (c.collateral_dir.empty()) {
    return Status::InvalidArgument("collateral_dir (--collateral-dir) is required");
  }
  if (c.port < 0 || c.port > 65535) return Status::InvalidArgument("port must be 0..65535");
  if (c.tls_cert.empty() != c.tls_key.empty()) {
    return Status::InvalidArgument("tls_cert and tls_key must be given together");
  }
  if (c.threads < 1 || c.threads > 64) return Status::InvalidArgument("threads must be 1..64");
  KMS_RETURN_IF_ERROR(config::CheckLogLevel(c.log_level));
  return c;
}

}  // namespace kms::pccs
