#include "tee/sim/sim_platform.h"

#include <cstring>

#include "common/file_util.h"
#include "common/log.h"
#include "crypto/hkdf.h"
#include "crypto/hmac.h"
#include "crypto/random.h"
#include "tee/sealed_blob.h"

namespace kms::tee {
namespace {

constexpr size_t kSecretSize = 32;

Bytes DefaultMeasurement(std::string_view label) {
  auto d = crypto::Sha256(AsBytes(label));
  return Bytes(d->begin(), d->end());
}

StatusOr<SecretBytes> LoadOrCreateSecret(const std::string& path) {
  auto existing = ReadFileBytes(path);
  if (existing.ok()) {
    SecretBytes secret(*existing);
    explicit_bzero(existing->data(), existing->size());
    if (secret.size() != kSecretSize) {
      return Status::DataLoss("platform secret " + path + " has " +
                              std::to_string(secret.size()) + " bytes, expected 32");
    }
    return secret;
  }
  if (existing.status().code() != Code::kNotFound) return existing.status();
  KMS_ASSIGN_OR_RETURN(SecretBytes fresh, crypto::RandomSecret(kSecretSize));
  Status written = WriteFileAtomic(path, fresh.view(), 0600, /*exclusive=*/true);
  if (written.code() == Code::kAlreadyExists) return LoadOrCreateSecret(path);  // lost a race
  if (!written.ok()) {
    // A secret meant to be shared (mounted read-only, say) that is absent must not be replaced
    // by a private one silently; and the operator needs to know which file is missing.
    return Status(written.code(), "platform secret " + path +
                                      " does not exist and cannot be created: " +
                                      std::string(written.message()));
  }
  log::Info("tee.sim.secret_created", {{"path", path}});
  return fresh;
}

}  // namespace

StatusOr<std::unique_ptr<SimPlatform>> SimPlatform::Open(SimPlatformOptions options) {
  if (options.secret_path.empty()) {
    return Status::InvalidArgument("sim platform needs a platform secret path");
  }
  KMS_ASSIGN_OR_RETURN(SecretBytes secret, LoadOrCreateSecret(options.secret_path));
  TeeIdentity id = std::move(options.identity);
  id.tee_type = "sim";
  if (id.mrenclave.empty()) id.mrenclave = DefaultMeasurement("ehsm-kms sim mrenclave");
  if (id.mrsigner.empty()) id.mrsigner = DefaultMeasurement("ehsm-kms sim mrsigner");
  if (id.mrenclave.size() != 32 || id.mrsigner.size() != 32) {
    return Status::InvalidArgument("mrenclave and mrsigner must be 32 bytes (64 hex digits)");
  }
  log::Warn("tee.sim.active",
            {{"note", "simulation backend: no hardware protection, no security claim"},
             {"mrenclave", HexEncode(id.mrenclave)},
             {"mrsigner", HexEncode(id.mrsigner)}});
  KMS_ASSIGN_OR_RETURN(auto attestation, SimAttestation::Derive(secret.view()));
  return std::unique_ptr<SimPlatform>(
      new SimPlatform(std::move(secret), std::move(id), std::move(attestation)));
}

StatusOr<Bytes> SimPlatform::GenerateQuote(ByteView report_data) {
  return attestation_->Quote(identity_, report_data);
}

Status SimPlatform::Random(std::span<uint8_t> out) { return crypto::RandomFill(out); }

StatusOr<SecretBytes> SimPlatform::DeriveLocalKey(std::string_view label, ByteView salt) {
  Bytes info = ToBytes("ehsm-sim-local-v1");
  info.insert(info.end(), label.begin(), label.end());
  return crypto::HkdfSha256(secret_.view(), salt, info, 32);
}

StatusOr<SecretBytes> SimPlatform::SealingKey(SealPolicy policy, ByteView key_id) const {
  Bytes info = ToBytes("ehsm-sim-seal-v1");
  info.push_back(static_cast<uint8_t>(policy));
  if (policy == SealPolicy::kMrEnclave) {
    info.insert(info.end(), identity_.mrenclave.begin(), identity_.mrenclave.end());
  } else {
    info.insert(info.end(), identity_.mrsigner.begin(), identity_.mrsigner.end());
    info.push_back(static_cast<uint8_t>(identity_.prod_id & 0xff));
    info.push_back(static_cast<uint8_t>(identity_.prod_id >> 8));
  }
  return crypto::HkdfSha256(secret_.view(), key_id, info, 32);
}

StatusOr<Bytes> SimPlatform::Seal(ByteView plaintext, ByteView aad, SealPolicy policy) {
  return SealBlob([this](SealPolicy p, ByteView id) { return SealingKey(p, id); }, plaintext,
                  aad, policy);
}

StatusOr<SecretBytes> SimPlatform::Unseal(ByteView sealed, ByteView aad) {
  return UnsealBlob([this](SealPolicy p, ByteView id) { return SealingKey(p, id); }, sealed, aad,
                    "sealed blob does not unseal on this platform (other platform secret or "
                    "identity, or the blob was altered)");
}

}  // namespace kms::tee
