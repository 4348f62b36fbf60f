#pragma once
// Where a daemon finds the DCAP collateral it verifies real quotes with: the settings every
// verifying daemon takes (ehsm-kms, ehsm-dkeyserver, ehsm-dkeycache), with the same names
// everywhere (flags > environment > config file, common/config_binder.h):
//
//   --pccs-url URL         a PCCS (v4 API), e.g. https://pccs:8081
//   --pccs-ca-file FILE    CAs trusted for the PCCS's TLS certificate (PEM); default: system
//   --pccs-insecure        no TLS check of the PCCS (Intel's signatures are still checked)
//   --collateral-dir DIR   a directory of collateral files instead of a PCCS
//
// Neither pccs_url nor collateral_dir: only sim quotes can be verified.

#include <memory>
#include <string>
#include <string_view>

#include "attest/dcap_verifier.h"
#include "common/status.h"

namespace kms::config {
class Binder;  // common/config_binder.h: only the .cc files that register flags pay for CLI11
}  // namespace kms::config

namespace kms::attest {

struct CollateralConfig {
  std::string pccs_url;
  std::string pccs_ca_file;    // empty: the system's CAs
  bool pccs_insecure = false;  // no TLS verification of the PCCS (the collateral still is)
  std::string collateral_dir;
};

// Registers pccs_url, pccs_ca_file, pccs_insecure and collateral_dir on `b`.
void AddCollateralFlags(config::Binder& b, CollateralConfig& c);

// kInvalidArgument for both a PCCS and a directory, or pccs_ca_file/pccs_insecure without
// pccs_url.
Status CheckCollateral(const CollateralConfig& c);

// For the start-up summary: "pccs_url=... [pccs_insecure=true] collateral_dir=..." ("-" when
// unset).
std::string CollateralSummary(const CollateralConfig& c);

// A PccsClient for pccs_url, or a DirectoryCollateral for collateral_dir (read now: kNotFound /
// kInvalidArgument naming the directory or file when it cannot be read), or null when the
// configuration names neither. Logs `<component>.pccs_tls_unverified` (pccs_insecure) and
// `<component>.collateral_dir`. The sources are thread-safe and blocking (call them from worker
// threads).
StatusOr<std::unique_ptr<CollateralSource>> MakeCollateralSource(const CollateralConfig& c,
                                                                 std::string_view component);

}  // namespace kms::attest
