#pragma once
// Configuration of ehsm-pccs: flags over environment (EHSM_PCCS_*) over a TOML file
// (--config / EHSM_PCCS_CONFIG) over defaults, one name per setting as in the other binaries
// (flag --collateral-dir, environment EHSM_PCCS_COLLATERAL_DIR, config key collateral_dir).

#include <string>

#include "common/status.h"

namespace kms::pccs {

struct PccsConfig {
  std::string config_file;
  std::string host = "0.0.0.0";
  int port = 8081;              // Intel's PCCS default
  std::string collateral_dir;   // required: the dcap-qvl JSON bundles it serves
  std::string data_dir = "/var/lib/ehsm-pccs";  // self-signed TLS pair when no tls_cert
  std::string tls_cert;         // PEM files; both empty = self-signed in <data_dir>
  std::string tls_key;
  int threads = 1;              // event loops
  std::string log_level = "info";

  // One line, no secrets, for the start-up log.
  std::string Summary() const;
};

// Parses argv, the environment and the config file. --help/--version: kAborted with an empty
// message (exit 0); bad input: kInvalidArgument naming the setting.
StatusOr<PccsConfig> LoadPccsConfig(int argc, char** argv);

}  // namespace kms::pccs
