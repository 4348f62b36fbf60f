#include "tee/sim/sim_platform.h"

#include <cstring>

#include "common/file_util.h"
#include "common/log.h"
#include "crypto/aes_gcm.h"
#include "crypto/hkdf.h"
#include "crypto/hmac.h"
#include "crypto/random.h"

namespace kms::tee {
namespace {

constexpr char kMagic[8] = {'E', 'H', 'S', 'M', 'S', 'E', 'A', 'L'};
constexpr uint16_t kVersion = 1;
constexpr size_t kKeyIdOffset = 12;
constexpr size_t kKeyIdSize = 16;
constexpr size_t kIvOffset = 28;
constexpr size_t kTagOffset = kIvOffset + crypto::AesGcm::kIvSize;
constexpr size_t kHeaderSize = kTagOffset + crypto::AesGcm::kTagSize;  // 56
constexpr size_t kSecretSize = 32;

Bytes DefaultMeasurement(std::string_view label) {
  auto d = crypto::Sha256(AsBytes(label));
  return Bytes(d->begin(), d->end());
}

Bytes GcmAad(ByteView header, ByteView aad) {
  Bytes out(kIvOffset + aad.size());
  std::memcpy(out.data(), header.data(), kIvOffset);
  if (!aad.empty()) std::memcpy(out.data() + kIvOffset, aad.data(), aad.size());
  return out;
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
  KMS_RETURN_IF_ERROR(written);
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
  return std::unique_ptr<SimPlatform>(
      new SimPlatform(std::move(secret), std::move(id), options.secret_path));
}

StatusOr<const SimAttestation*> SimPlatform::Attestation() {
  std::lock_guard<std::mutex> lock(attestation_mu_);
  if (attestation_) return attestation_.get();
  // The chain is the platform's, not the enclave's: seal it under a fixed identity so that
  // every identity configured on this platform secret gets the same chain.
  TeeIdentity chain_owner{.tee_type = "sim",
                          .mrenclave = DefaultMeasurement("ehsm-kms sim attestation"),
                          .mrsigner = DefaultMeasurement("ehsm-kms sim attestation"),
                          .prod_id = 0,
                          .svn = 0,
                          .debug = false};
  SimPlatform sealer(secret_.Clone(), std::move(chain_owner), secret_path_);
  KMS_ASSIGN_OR_RETURN(attestation_,
                       SimAttestation::LoadOrCreate(sealer, SimAttestationPath(secret_path_),
                                                    SimRootCaPath(secret_path_)));
  return attestation_.get();
}


std::string SimAttestationPath(const std::string& secret_path) {
  return secret_path + ".sim-attestation";
}

std::string SimRootCaPath(const std::string& secret_path) {
  return secret_path + ".sim-root-ca.der";
}

StatusOr<Bytes> SimPlatform::GenerateQuote(ByteView report_data) {
  KMS_ASSIGN_OR_RETURN(const SimAttestation* a, Attestation());
  return a->Quote(identity_, report_data);
}

StatusOr<Bytes> SimPlatform::SimRootCaDer() {
  KMS_ASSIGN_OR_RETURN(const SimAttestation* a, Attestation());
  return a->RootCaDer();
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
  Bytes blob(kHeaderSize + plaintext.size(), 0);
  std::memcpy(blob.data(), kMagic, sizeof(kMagic));
  blob[8] = kVersion & 0xff;
  blob[9] = kVersion >> 8;
  blob[10] = static_cast<uint8_t>(policy);
  KMS_RETURN_IF_ERROR(crypto::RandomFill({blob.data() + kKeyIdOffset, kKeyIdSize}));
  KMS_RETURN_IF_ERROR(crypto::RandomFill({blob.data() + kIvOffset, crypto::AesGcm::kIvSize}));
  KMS_ASSIGN_OR_RETURN(SecretBytes key,
                       SealingKey(policy, ByteView(blob.data() + kKeyIdOffset, kKeyIdSize)));
  KMS_ASSIGN_OR_RETURN(auto gcm, crypto::AesGcm::New(key.view()));
  Bytes gaad = GcmAad(blob, aad);
  KMS_RETURN_IF_ERROR(gcm->Encrypt(
      ByteView(blob.data() + kIvOffset, crypto::AesGcm::kIvSize), plaintext, gaad,
      std::span<uint8_t>(blob.data() + kHeaderSize, plaintext.size()),
      std::span<uint8_t, crypto::AesGcm::kTagSize>(blob.data() + kTagOffset,
                                                   crypto::AesGcm::kTagSize)));
  return blob;
}

StatusOr<SecretBytes> SimPlatform::Unseal(ByteView sealed, ByteView aad) {
  if (sealed.size() < kHeaderSize || std::memcmp(sealed.data(), kMagic, sizeof(kMagic)) != 0) {
    return Status::DataLoss("not a sealed blob");
  }
  uint16_t version = static_cast<uint16_t>(sealed[8] | (sealed[9] << 8));
  if (version != kVersion) {
    return Status::DataLoss("unsupported sealed blob version " + std::to_string(version));
  }
  auto policy = static_cast<SealPolicy>(sealed[10]);
  if (policy != SealPolicy::kMrEnclave && policy != SealPolicy::kMrSigner) {
    return Status::DataLoss("unknown seal policy");
  }
  KMS_ASSIGN_OR_RETURN(SecretBytes key, SealingKey(policy, sealed.subspan(kKeyIdOffset, kKeyIdSize)));
  KMS_ASSIGN_OR_RETURN(auto gcm, crypto::AesGcm::New(key.view()));
  SecretBytes out(sealed.size() - kHeaderSize);
  Bytes gaad = GcmAad(sealed, aad);
  Status s = gcm->Decrypt(sealed.subspan(kIvOffset, crypto::AesGcm::kIvSize),
                          sealed.subspan(kHeaderSize), gaad,
                          sealed.subspan(kTagOffset, crypto::AesGcm::kTagSize), out.span());
  if (!s.ok()) {
    return Status::DataLoss(
        "sealed blob does not unseal on this platform (other platform secret or identity, "
        "or the blob was altered)");
  }
  return out;
}

}  // namespace kms::tee
