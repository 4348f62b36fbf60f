#include "dkey/dkeyserver_config.h"

#include <sstream>

#include "common/config_binder.h"
#include "dkey/listen.h"

namespace kms::dkey {
namespace {

constexpr char kBinary[] = "ehsm-dkeyserver";

Status Check(const DkeyServerConfig& c) {
  if (c.data_dir.empty()) return Status::InvalidArgument("--data-dir is required");
  if (c.policy.empty()) return Status::InvalidArgument("--policy is required");
  if (c.port < 0 || c.port > 65535) return Status::InvalidArgument("port must be 0..65535");
  if (c.health_port < -1 || c.health_port > 65535) {
    return Status::InvalidArgument("health_port must be 0..65535 (-1: none)");
  }
  if (!c.peer.empty() && !ValidHostPort(c.peer)) {
    return Status::InvalidArgument("peer must be HOST:PORT, got \"" + c.peer + "\"");
  }
  KMS_RETURN_IF_ERROR(config::CheckLogFlags(c.log_level, c.log_format));
  KMS_RETURN_IF_ERROR(attest::CheckCollateral(c.collateral));
  return tee::CheckIdentity(c.identity);
}

}  // namespace

std::string DkeyServerConfig::Summary() const {
  std::ostringstream s;
  s << "host=" << host << " port=" << port << " data_dir=" << data_dir << " policy=" << policy
    << " peer=" << (peer.empty() ? "-" : peer) << " init=" << (init ? "true" : "false")
    << " health_port=" << (health_port < 0 ? "-" : std::to_string(health_port))
    << " metrics_token=" << (metrics_token.empty() ? "none" : "set")
    << " log_level=" << log_level << " log_format=" << log_format << " "
    << attest::CollateralSummary(collateral) << " "
    << tee::IdentitySummary(identity)
    << " config_file=" << (config_file.empty() ? "-" : config_file);
  return s.str();
}

StatusOr<DkeyServerConfig> LoadDkeyServerConfig(int argc, char** argv) {
  DkeyServerConfig c;
  c.identity = tee::DefaultIdentity(kBinary, /*isvprodid=*/0);
  c.config_file = config::FindConfigPath(argc, argv, "EHSM_DKEYSERVER_CONFIG");
  KMS_ASSIGN_OR_RETURN(auto file, config::ReadConfigFile(c.config_file));

  CLI::App app{
      "ehsm-dkeyserver: creates the domain key (--init) or obtains it from --peer, seals it to "
      "--data-dir, and serves it over attested TLS (RA-TLS, TLS 1.3) to the dkeycaches and "
      "replicas that --policy allows"};
  app.set_version_flag("--version", "ehsm-dkeyserver 0.3.2");
  std::string config_flag;
  app.add_option("--config", config_flag, "TOML config file (keys as the flags, with _)")
      ->envname("EHSM_DKEYSERVER_CONFIG");
  config::Binder b(app, file, "EHSM_DKEYSERVER_");
  b.Add("host", c.host, "address to listen on (domain-key port and health port)");
  b.Add("port", c.port, "domain-key port; 0 picks a free one (printed at start)");
  b.Add("data_dir", c.data_dir, "directory of the sealed domain key (a persistent volume)");
  b.Add("policy", c.policy, "the deployment's policy file (TOML)");
  b.Add("peer", c.peer, "HOST:PORT of a dkeyserver to obtain the domain key from (replica)");
  b.AddFlag("init", c.init, "create a domain key if the data dir holds none (no value)");
  b.Add("health_port", c.health_port,
        "plain-HTTP /healthz and /readyz; 0 picks a free one (printed), -1 none");
  config::AddLogFlags(b, c.log_level, c.log_format);
  b.Add("metrics_token", c.metrics_token,
        "require Authorization: Bearer TOKEN on the health port's /metrics");
  tee::AddIdentityFlags(b, c.identity);
  attest::AddCollateralFlags(b, c.collateral);
  KMS_RETURN_IF_ERROR(b.Parse(argc, argv, c.config_file));
  if (c.identity.platform_secret.empty() && !c.data_dir.empty()) {
    c.identity.platform_secret = c.data_dir + "/platform.secret";
  }
  KMS_RETURN_IF_ERROR(Check(c));
  return c;
}

}  // namespace kms::dkey
