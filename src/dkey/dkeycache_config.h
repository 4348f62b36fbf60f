#pragma once
// Configuration of ehsm-dkeycache: flags over environment (EHSM_DKEYCACHE_<KEY>) over a TOML
// file (--config FILE or EHSM_DKEYCACHE_CONFIG; keys as the flags, with _) over defaults.
//
//   ehsm-dkeycache --dkeyserver HOST:PORT[,HOST:PORT...] --socket PATH --data-dir DIR
//                  --policy FILE [--health-port N] [identity flags, see identity_config.h]
//                  [--pccs-url URL [--pccs-ca-file F] [--pccs-insecure] | --collateral-dir D]
//                  (attest/collateral_config.h)

#include <string>
#include <vector>

#include "common/status.h"
#include "attest/collateral_config.h"
#include "tee/identity_config.h"

namespace kms::dkey {

inline constexpr char kDefaultDkeyCacheSocket[] = "/var/run/ehsm/dkeyprovision.sock";

struct DkeyCacheConfig {
  std::string config_file;  // empty = none
  std::string dkeyserver;   // required: HOST:PORT[,HOST:PORT...]
  std::vector<std::string> dkeyservers;  // dkeyserver split at the commas
  std::string socket = kDefaultDkeyCacheSocket;
  std::string data_dir;     // required: the sealed copy of the domain key lives here
  std::string policy;       // required: the deployment's policy file
  std::string host = "0.0.0.0";  // of the health port
  int health_port = -1;     // -1 = no health port; 0 picks a free one (printed at start)
  std::string metrics_token;  // non-empty: GET /metrics on the health port needs it (bearer)
  // Retries while no dkeyserver answers: capped exponential backoff with jitter.
  int retry_initial_ms = 500;
  int retry_max_ms = 30000;
  // How often the held key is checked against the dkeyservers again.
  int revalidate_ms = 300000;
  std::string log_level = "info";
  std::string log_format = "text";  // or json
  tee::IdentityConfig identity;
  // Collateral for the dkeyservers' real quotes.
  attest::CollateralConfig collateral;

  // One line, no secrets, for the start-up log.
  std::string Summary() const;
};

// Parses argv, the environment and the config file. On --help/--version prints and returns
// kAborted with an empty message (exit 0); on bad input kInvalidArgument naming the setting.
StatusOr<DkeyCacheConfig> LoadDkeyCacheConfig(int argc, char** argv);

}  // namespace kms::dkey
