#pragma once
// The identity flags every daemon takes (ehsm-kms, ehsm-dkeyserver): which TEE backend, and for
// the `sim` backend the platform secret and the identity it claims. With `sim` there is no
// hardware: whoever starts the process chooses the identity, which is why verifiers and
// policies admit sim identities only with `allow_simulation`.
//
//   --tee sim|gramine           gramine: SGX through Gramine's /dev/attestation (identity
//                               and sealing keys from the enclave; the sim_* flags unused)
//   --gramine-root DIR          default /dev/attestation (tests point it at a fake one)
//   --platform-secret FILE      default <data_dir>/platform.secret; created (32 random bytes,
//                               mode 0600) when missing; an existing one is only read, so it
//                               may be mounted read-only and shared by the daemons of a sim
//                               deployment
//   --sim-mrenclave HEX64 --sim-mrsigner HEX64 --sim-isvprodid N --sim-isvsvn N --sim-debug

#include <cstdint>
#include <string>

#include "common/status.h"
#include "tee/platform_factory.h"
#include "tee/tee_platform.h"

namespace kms::config {
class Binder;  // common/config_binder.h: only the .cc files that register flags pay for CLI11
}  // namespace kms::config

namespace kms::tee {

struct IdentityConfig {
  std::string tee = "sim";
  std::string gramine_root = "/dev/attestation";
  std::string platform_secret;  // empty: <data_dir>/platform.secret
  std::string sim_mrenclave;    // 64 hex digits
  std::string sim_mrsigner;     // 64 hex digits
  int sim_isvprodid = 0;
  int sim_isvsvn = 0;
  bool sim_debug = false;
};

// A binary's default sim identity: mrsigner is the one signer of every ehsm binary
// (SHA-256 of "ehsm-kms sim mrsigner", the sim platform's default), mrenclave is SHA-256 of
// "<binary> sim mrenclave", product id and svn as given, not debug.
IdentityConfig DefaultIdentity(const std::string& binary, int isvprodid);

// Registers the identity flags (keys tee, platform_secret, sim_*) on `b`, with `id`'s values
// as the defaults shown in --help.
void AddIdentityFlags(config::Binder& b, IdentityConfig& id);
// Only the sim_* keys, for a binary that has its own platform_secret setting and one backend.
void AddSimIdentityFlags(config::Binder& b, IdentityConfig& id);

// kInvalidArgument naming the setting for a value out of range or not hex, or a backend other
// than sim and gramine.
Status CheckIdentity(const IdentityConfig& id);

// The identity as the platform takes it. REQUIRES: CheckIdentity(id) is OK.
TeeIdentity ToTeeIdentity(const IdentityConfig& id);

// What tee::OpenPlatform needs to open the configured backend.
tee::PlatformSpec ToPlatformSpec(const IdentityConfig& id);

// One line for the start-up summary: tee=sim platform_secret=... sim_mrenclave=... ...
std::string IdentitySummary(const IdentityConfig& id);
// The sim_* part of it: sim_mrenclave=... sim_mrsigner=... sim_isvprodid=... ...
std::string SimIdentitySummary(const IdentityConfig& id);

}  // namespace kms::tee
