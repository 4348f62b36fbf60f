#pragma once
// SimAttestation: the `sim` backend's attestation PKI and quote generation. NO security claim:
// every key lives in software, derived from the platform secret.
//
// Its keys (sim root CA, sim PCK CA, sim PCK, attestation key; all P-256) derive from the
// platform secret (tee/sim/sim_pki_key.h) and live in memory only: every process given one
// platform secret has the same sim root key, and nothing is written to disk. The certificates
// (the PCK one with the SGX extension OID 1.2.840.113741.1.13.1 carrying FMSPC
// attest::kSimFmspc, PCE-ID 0000 and all-zero TCB values) are made when the chain is derived, so
// their signatures differ between processes; verifiers pin the sim root's public key
// (attest::SimulationTrust). The root and PCK CA private keys are discarded once used.
//
// Quotes use the SGX v3 ECDSA layout (docs/attestation.md, "Simulated quotes"): the QE report
// is signed by the PCK key and binds the attestation key, which signs header || report body.

#include <memory>
#include <string>

#include "crypto/ossl_ptr.h"
#include "tee/tee_platform.h"

namespace kms::tee {

class SimAttestation {
 public:
  // The chain of the platform whose secret is `platform_secret`.
  static StatusOr<std::unique_ptr<SimAttestation>> Derive(ByteView platform_secret);

  // An SGX v3 quote over `id` with report data `report_data` (exactly 64 bytes).
  StatusOr<Bytes> Quote(const TeeIdentity& id, ByteView report_data) const;

  // The sim root CA certificate (DER), what verifiers pin.
  const Bytes& RootCaDer() const { return root_der_; }

 private:
  SimAttestation() = default;

  std::string chain_pem_;  // PCK leaf, PCK CA, root: the quote's certification data
  Bytes root_der_;
  crypto::OsslPtr<EVP_PKEY> pck_key_;
  crypto::OsslPtr<EVP_PKEY> attestation_key_;
};

}  // namespace kms::tee
