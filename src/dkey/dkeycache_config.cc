#include "dkey/dkeycache_config.h"

#include <sstream>

#include "common/config_binder.h"
#include "dkey/listen.h"

namespace kms::dkey {
namespace {

constexpr char kBinary[] = "ehsm-dkeycache";

std::vector<std::string> SplitCommas(const std::string& list) {
  std::vector<std::string> out;
  std::stringstream in(list);
  std::string item;
  while (std::getline(in, item, ',')) out.push_back(item);
  if (!list.empty() && list.back() == ',') out.emplace_back();  // "a:1," names an empty one
  return out;
}

Status Check(const DkeyCacheConfig& c) {
  if (c.dkeyserver.empty()) return Status::InvalidArgument("--dkeyserver is required");
  for (const std::string& s : c.dkeyservers) {
    if (!ValidHostPort(s)) {
      return Status::InvalidArgument("dkeyserver must be HOST:PORT[,HOST:PORT...], got \"" +
                                     c.dkeyserver + "\"");
    }
  }
  if (c.socket.empty()) return Status::InvalidArgument("--socket must not be empty");
  if (c.data_dir.empty()) return Status::InvalidArgument("--data-dir is required");
  if (c.policy.empty()) return Status::InvalidArgument("--policy is required");
  if (c.health_port < -1 || c.health_port > 65535) {
    return Status::InvalidArgument("health_port must be 0..65535 (-1: none)");
  }
  if (c.retry_initial_ms < 1 || c.retry_max_ms < c.retry_initial_ms) {
    return Status::InvalidArgument("retry_initial_ms must be >= 1 and <= retry_max_ms");
  }
  if (c.revalidate_ms < 1) return Status::InvalidArgument("revalidate_ms must be >= 1");
  KMS_RETURN_IF_ERROR(config::CheckLogFlags(c.log_level, c.log_format));
  KMS_RETURN_IF_ERROR(attest::CheckCollateral(c.collateral));
  return tee::CheckIdentity(c.identity);
}

}  // namespace

std::string DkeyCacheConfig::Summary() const {
  std::ostringstream s;
  s << "dkeyserver=" << dkeyserver << " socket=" << socket << " data_dir=" << data_dir
    << " policy=" << policy << " host=" << host
    << " health_port=" << (health_port < 0 ? "-" : std::to_string(health_port))
    << " metrics_token=" << (metrics_token.empty() ? "none" : "set")
    << " retry_initial_ms=" << retry_initial_ms << " retry_max_ms=" << retry_max_ms
    << " revalidate_ms=" << revalidate_ms << " log_level=" << log_level
    << " log_format=" << log_format << " "
    << attest::CollateralSummary(collateral) << " " << tee::IdentitySummary(identity)
    << " config_file=" << (config_file.empty() ? "-" : config_file);
  return s.str();
}

StatusOr<DkeyCacheConfig> LoadDkeyCacheConfig(int argc, char** argv) {
  DkeyCacheConfig c;
  c.identity = tee::DefaultIdentity(kBinary, /*isvprodid=*/0);
  c.config_file = config::FindConfigPath(argc, argv, "EHSM_DKEYCACHE_CONFIG");
  KMS_ASSIGN_OR_RETURN(auto file, config::ReadConfigFile(c.config_file));

  CLI::App app{
      "ehsm-dkeycache: obtains the domain key from the --dkeyserver list, keeps it sealed in "
      "--data-dir, and hands it to the node's ehsm-kms processes that --policy allows over "
      "--socket"};
  app.set_version_flag("--version", "ehsm-dkeycache 0.3.2");
  std::string config_flag;
  app.add_option("--config", config_flag, "TOML config file (keys as the flags, with _)")
      ->envname("EHSM_DKEYCACHE_CONFIG");
  config::Binder b(app, file, "EHSM_DKEYCACHE_");
  b.Add("dkeyserver", c.dkeyserver, "HOST:PORT[,HOST:PORT...] of the dkeyservers");
  b.Add("socket", c.socket, "the node's Unix socket for ehsm-kms (created with mode 0660)");
  b.Add("data_dir", c.data_dir, "directory of the sealed copy of the domain key (node-local)");
  b.Add("policy", c.policy, "the deployment's policy file (TOML)");
  b.Add("host", c.host, "address of the health port");
  b.Add("health_port", c.health_port,
        "plain-HTTP /healthz and /readyz; 0 picks a free one (printed), -1 none");
  b.Add("retry_initial_ms", c.retry_initial_ms, "first delay between dkeyserver retries");
  b.Add("retry_max_ms", c.retry_max_ms, "longest delay between dkeyserver retries");
  b.Add("revalidate_ms", c.revalidate_ms, "how often the held key is checked again upstream");
  config::AddLogFlags(b, c.log_level, c.log_format);
  b.Add("metrics_token", c.metrics_token,
        "require Authorization: Bearer TOKEN on the health port's /metrics");
  tee::AddIdentityFlags(b, c.identity);
  attest::AddCollateralFlags(b, c.collateral);
  KMS_RETURN_IF_ERROR(b.Parse(argc, argv, c.config_file));
  if (c.identity.platform_secret.empty() && !c.data_dir.empty()) {
    c.identity.platform_secret = c.data_dir + "/platform.secret";
  }
  c.dkeyservers = SplitCommas(c.dkeyserver);
  KMS_RETURN_IF_ERROR(Check(c));
  return c;
}

}  // namespace kms::dkey
