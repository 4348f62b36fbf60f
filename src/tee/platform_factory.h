#pragma once
// Opens the TEE backend a binary's `--tee` names: `sim` (software, no security claim) or
// `gramine` (SGX through Gramine's /dev/attestation).

#include <memory>
#include <string>

#include "tee/gramine/gramine_platform.h"
#include "tee/sim/sim_platform.h"

namespace kms::tee {

struct PlatformSpec {
  std::string tee = "sim";  // "sim" or "gramine"
  SimPlatformOptions sim;   // for sim
  GramineOptions gramine;   // for gramine
};

// The names --tee accepts, for help texts and messages.
inline constexpr const char* kTeeNames = "sim or gramine";

// kInvalidArgument for another name; otherwise what the backend's Open returns.
StatusOr<std::unique_ptr<TeePlatform>> OpenPlatform(PlatformSpec spec);

}  // namespace kms::tee
