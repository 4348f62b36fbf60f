#pragma once
// GraminePlatform: the SGX backend for an enclave run by Gramine, through its
// `/dev/attestation` pseudo-files (Gramine's "Attestation and Secret Provisioning" and
// manifest documentation):
//
//   attestation_type      "none", "epid" or "dcap" (what the manifest enabled)
//   my_target_info        this enclave's target info (read)
//   target_info           the enclave a report is for (written)
//   user_report_data      64 bytes that the next report / quote carries (written)
//   report                an SGX report (432 bytes: 384-byte body, key id, MAC) (read)
//   quote                 a DCAP quote over the last user_report_data (read)
//   keys/_sgx_mrenclave   16-byte SGX sealing key bound to MRENCLAVE (read)
//   keys/_sgx_mrsigner    16-byte SGX sealing key bound to MRSIGNER (read)
//
// Identity: from a report this enclave makes for itself at Open (target_info = my_target_info,
// report data zero): MRENCLAVE, MRSIGNER, ISVPRODID, ISVSVN, DEBUG. Sealing: the blob format
// of tee/sealed_blob.h with the AES-256 key HKDF-SHA256(ikm = the policy's Gramine key,
// salt = key id, info = "ehsm-gramine-seal-v1" || policy). Gramine derives the MRSIGNER key
// for the enclave's own ISVSVN, so a blob sealed by one ISVSVN does not unseal under another.
// Quotes: write the report data, read the quote, check that it carries that report data and
// this enclave's MRENCLAVE; only with attestation_type "dcap".
//
// It runs for real only inside a Gramine SGX enclave; `root` lets tests point it at a plain
// directory laid out the same way (gramine_platform_test.cc). Thread-safe: the pseudo-files
// are per process, so quote generation is serialised.

#include <memory>
#include <mutex>
#include <string>

#include "tee/tee_platform.h"

namespace kms::tee {

struct GramineOptions {
  std::string root = "/dev/attestation";
};

class GraminePlatform final : public TeePlatform {
 public:
  // kFailedPrecondition when `root` has no attestation_type (not inside a Gramine SGX
  // enclave), kDataLoss when a pseudo-file has the wrong size, other errors as the I/O gives.
  static StatusOr<std::unique_ptr<GraminePlatform>> Open(GramineOptions options);

  const TeeIdentity& Identity() const override { return identity_; }
  bool IsSimulation() const override { return false; }
  Status Random(std::span<uint8_t> out) override;
  StatusOr<Bytes> Seal(ByteView plaintext, ByteView aad, SealPolicy policy) override;
  StatusOr<SecretBytes> Unseal(ByteView sealed, ByteView aad) override;
  // kFailedPrecondition unless attestation_type is "dcap"; kInvalidArgument unless
  // `report_data` is 64 bytes; kInternal when what Gramine returns is not a quote of this
  // enclave over `report_data`.
  StatusOr<Bytes> GenerateQuote(ByteView report_data) override;

  const std::string& attestation_type() const { return attestation_type_; }

 private:
  GraminePlatform(std::string root, std::string type, TeeIdentity identity,
                  SecretBytes mrenclave_key, SecretBytes mrsigner_key)
      : root_(std::move(root)),
        attestation_type_(std::move(type)),
        identity_(std::move(identity)),
        mrenclave_key_(std::move(mrenclave_key)),
        mrsigner_key_(std::move(mrsigner_key)) {}
  StatusOr<SecretBytes> SealingKey(SealPolicy policy, ByteView key_id) const;

  const std::string root_;
  const std::string attestation_type_;
  const TeeIdentity identity_;
  const SecretBytes mrenclave_key_;
  const SecretBytes mrsigner_key_;
  std::mutex quote_mu_;  // one user_report_data -> quote exchange at a time
};

}  // namespace kms::tee
