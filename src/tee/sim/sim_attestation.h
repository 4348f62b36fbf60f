#pragma once
// SimAttestation: the `sim` backend's attestation PKI and quote generation. NO security claim:
// every key lives in software, sealed with the platform secret.
//
// On first use it makes a sim root CA, a sim PCK CA and a sim PCK certificate (P-256, with
// the SGX extension OID 1.2.840.113741.1.13.1 carrying FMSPC attest::kSimFmspc, PCE-ID 0000
// and all-zero TCB values), and an attestation key. It stores them sealed (SealPolicy::
// kMrSigner) in one file, so the chain survives restarts, and writes the root's DER next to
// it for verifiers to pin. The root and PCK CA private keys are discarded once used.
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
  // Loads the chain sealed at `sealed_path` with `platform`, or makes one and stores it there
  // (mode 0600) and its root at `root_der_path`. kDataLoss when the sealed file exists but
  // does not unseal (another platform secret or signer).
  static StatusOr<std::unique_ptr<SimAttestation>> LoadOrCreate(TeePlatform& platform,
                                                                const std::string& sealed_path,
                                                                const std::string& root_der_path);

  // An SGX v3 quote over `id` with report data `report_data` (exactly 64 bytes).
  StatusOr<Bytes> Quote(const TeeIdentity& id, ByteView report_data) const;

  // The sim root CA certificate (DER), what verifiers pin.
  const Bytes& RootCaDer() const { return root_der_; }

 private:
  SimAttestation() = default;
  static StatusOr<std::unique_ptr<SimAttestation>> FromPem(std::string_view pem);

  std::string chain_pem_;  // PCK leaf, PCK CA, root: the quote's certification data
  Bytes root_der_;
  crypto::OsslPtr<EVP_PKEY> pck_key_;
  crypto::OsslPtr<EVP_PKEY> attestation_key_;
};

}  // namespace kms::tee
