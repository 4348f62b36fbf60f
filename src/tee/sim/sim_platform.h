#pragma once
// SimPlatform: the software TEE backend. It makes NO security claim: the sealing keys derive
// from a platform secret file readable by whoever can read that file, and the identity comes
// from configuration. It exists so the KMS runs and is tested on machines without SGX/TDX, with
// the same code paths as a real backend.
//
// Sealed blobs have the layout of tee/sealed_blob.h. The sealing key is
// HKDF-SHA256(platform secret, salt = key id, info = "ehsm-sim-seal-v1" || policy ||
// (mrenclave for kMrEnclave | mrsigner || prod_id for kMrSigner)).

#include <memory>
#include <mutex>
#include <string>

#include "tee/sim/sim_attestation.h"
#include "tee/tee_platform.h"

namespace kms::tee {

struct SimPlatformOptions {
  // File holding the 32-byte platform secret. Created (mode 0600) if missing.
  std::string secret_path;
  TeeIdentity identity;  // tee_type is forced to "sim"; empty measurements get defaults
};

// The sim attestation chain lives next to the platform secret (in the data dir), named after
// it so several secrets can share a directory: <secret_path>.sim-attestation (sealed with a
// key of the platform secret alone, so it does not depend on the configured identity) and
// <secret_path>.sim-root-ca.der (the root to pin). Both are made when first needed (the first
// GenerateQuote or SimRootCaDer), so a platform that never attests writes nothing more.
std::string SimAttestationPath(const std::string& secret_path);
std::string SimRootCaPath(const std::string& secret_path);

class SimPlatform final : public TeePlatform {
 public:
  static StatusOr<std::unique_ptr<SimPlatform>> Open(SimPlatformOptions options);

  const TeeIdentity& Identity() const override { return identity_; }
  bool IsSimulation() const override { return true; }
  Status Random(std::span<uint8_t> out) override;
  StatusOr<Bytes> Seal(ByteView plaintext, ByteView aad, SealPolicy policy) override;
  StatusOr<SecretBytes> Unseal(ByteView sealed, ByteView aad) override;
  // An SGX v3 quote over Identity(), signed by the sim attestation chain.
  StatusOr<Bytes> GenerateQuote(ByteView report_data) override;
  // HKDF-SHA256(platform secret, salt, info = "ehsm-sim-local-v1" || label): every process
  // given the same platform secret file derives it (in sim that file is the node's secret).
  StatusOr<SecretBytes> DeriveLocalKey(std::string_view label, ByteView salt) override;

  // The sim root CA (DER) the quotes chain to; what a verifier allowing simulation pins.
  StatusOr<Bytes> SimRootCaDer();

 private:
  SimPlatform(SecretBytes secret, TeeIdentity identity, std::string secret_path)
      : secret_(std::move(secret)),
        identity_(std::move(identity)),
        secret_path_(std::move(secret_path)) {}
  // The attestation chain, loaded or made on first use.
  StatusOr<const SimAttestation*> Attestation();
  StatusOr<SecretBytes> SealingKey(SealPolicy policy, ByteView key_id) const;

  const SecretBytes secret_;
  const TeeIdentity identity_;
  const std::string secret_path_;
  std::mutex attestation_mu_;
  std::unique_ptr<SimAttestation> attestation_;  // guarded by attestation_mu_; set once
};

}  // namespace kms::tee
