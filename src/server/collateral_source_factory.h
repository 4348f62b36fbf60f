#pragma once
// The DCAP collateral source of ehsm-kms, from its configuration: a PCCS client (pccs_url) or
// a directory of collateral files (collateral_dir).

#include <memory>

#include "attest/dcap_verifier.h"
#include "common/status.h"
#include "server/config.h"

namespace kms::server {

// A PccsClient for `pccs_url` (with pccs_ca_file / pccs_insecure), or a DirectoryCollateral
// for `collateral_dir` (read now: kNotFound / kInvalidArgument naming the directory or file
// when it cannot be read), or null when the configuration names neither: then only sim
// quotes can be verified. Thread-safe sources; blocking (call from worker threads).
StatusOr<std::unique_ptr<attest::CollateralSource>> MakeCollateralSource(const KmsConfig& c);

}  // namespace kms::server
