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
#include <string>

#include "tee/sim/sim_attestation.h"
#include "tee/tee_platform.h"

namespace kms::tee {

struct SimPlatformOptions {
  // File holding the 32-byte platform secret. Created (mode 0600) if missing.
  std::string secret_path;
  TeeIdentity identity;  // tee_type is forced to "sim"; empty measurements get defaults
};

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

  // The sim root CA (DER) the quotes chain to; what a verifier allowing simulation pins. Its
  // key derives from the platform secret (tee/sim/sim_attestation.h), so every SimPlatform
  // over one secret file has the same root key; nothing of the chain is stored.
  StatusOr<Bytes> SimRootCaDer() const { return attestation_->RootCaDer(); }

 private:
  SimPlatform(SecretBytes secret, TeeIdentity identity,
              std::unique_ptr<SimAttestation> attestation)
      : secret_(std::move(secret)),
        identity_(std::move(identity)),
        attestation_(std::move(attestation)) {}
  StatusOr<SecretBytes> SealingKey(SealPolicy policy, ByteView key_id) const;

  const SecretBytes secret_;
  const TeeIdentity identity_;
  const std::unique_ptr<const SimAttestation> attestation_;  // never null
};

}  // namespace kms::tee
