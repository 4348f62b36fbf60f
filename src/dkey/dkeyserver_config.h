#pragma once
// Configuration of ehsm-dkeyserver: flags over environment (EHSM_DKEYSERVER_<KEY>) over a TOML
// file (--config FILE or EHSM_DKEYSERVER_CONFIG; keys as the flags, with _) over defaults.
//
//   ehsm-dkeyserver --port 8888 [--host H] --data-dir DIR --policy FILE [--peer HOST:PORT]
//                   [--init] [--health-port N] [identity flags, see identity_config.h]
//                   [--pccs-url URL [--pccs-ca-file F] [--pccs-insecure] | --collateral-dir D]
//                   (attest/collateral_config.h)

#include <string>

#include "common/status.h"
#include "attest/collateral_config.h"
#include "tee/identity_config.h"

namespace kms::dkey {

struct DkeyServerConfig {
  std::string config_file;  // empty = none
  std::string host = "0.0.0.0";
  int port = 8888;           // 0 picks a free one (printed at start)
  std::string data_dir;      // required: the sealed domain key lives here
  std::string policy;        // required: the deployment's policy file
  std::string peer;          // HOST:PORT of a dkeyserver to obtain the domain key from
  bool init = false;         // create a domain key when the data dir holds none
  int health_port = -1;      // -1 = no health port; 0 picks a free one (printed at start)
  std::string metrics_token;  // non-empty: GET /metrics on the health port needs it (bearer)
  std::string log_level = "info";
  std::string log_format = "text";  // or json
  tee::IdentityConfig identity;
  // Collateral for the peers' real quotes (dkeycaches, replicas, the --peer dkeyserver).
  attest::CollateralConfig collateral;

  // One line, no secrets, for the start-up log.
  std::string Summary() const;
};

// Parses argv, the environment and the config file. On --help/--version prints and returns
// kAborted with an empty message (exit 0); on bad input kInvalidArgument naming the setting.
StatusOr<DkeyServerConfig> LoadDkeyServerConfig(int argc, char** argv);

}  // namespace kms::dkey
