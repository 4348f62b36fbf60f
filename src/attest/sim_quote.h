#pragma once
// The simulated attestation PKI's names. The `sim` TEE backend (tee/sim/sim_attestation.h)
// issues quotes in the SGX v3 layout under a chain whose certificates carry these common
// names; the verifier recognises a sim quote by its root's name and accepts it only when
// simulation is allowed and the root's key is the pinned sim root (docs/attestation.md,
// "Simulated quotes"). The names keep Intel's wording so the chain has the same shape.

#include <string_view>

namespace kms::attest {

inline constexpr std::string_view kSimRootCaName = "ehsm-kms Simulated SGX Root CA";
inline constexpr std::string_view kSimPckCaName = "ehsm-kms Simulated SGX PCK Processor CA";
inline constexpr std::string_view kSimPckName = "ehsm-kms Simulated SGX PCK Certificate";
// The FMSPC of every sim PCK certificate: "SIM" and three zero bytes.
inline constexpr unsigned char kSimFmspc[6] = {'S', 'I', 'M', 0, 0, 0};

}  // namespace kms::attest
