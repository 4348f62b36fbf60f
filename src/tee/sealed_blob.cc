#include "tee/sealed_blob.h"

#include <cstring>

#include "crypto/aes_gcm.h"
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

Bytes GcmAad(ByteView header, ByteView aad) {
  Bytes out(kIvOffset + aad.size());
  std::memcpy(out.data(), header.data(), kIvOffset);
  if (!aad.empty()) std::memcpy(out.data() + kIvOffset, aad.data(), aad.size());
  return out;
}

}  // namespace

StatusOr<Bytes> SealBlob(const SealingKeyFn& key_of, ByteView plaintext, ByteView aad,
                         SealPolicy policy) {
  Bytes blob(kHeaderSize + plaintext.size(), 0);
  std::memcpy(blob.data(), kMagic, sizeof(kMagic));
  blob[8] = kVersion & 0xff;
  blob[9] = kVersion >> 8;
  blob[10] = static_cast<uint8_t>(policy);
  KMS_RETURN_IF_ERROR(crypto::RandomFill({blob.data() + kKeyIdOffset, kKeyIdSize}));
  KMS_RETURN_IF_ERROR(crypto::RandomFill({blob.data() + kIvOffset, crypto::AesGcm::kIvSize}));
  KMS_ASSIGN_OR_RETURN(SecretBytes key,
                       key_of(policy, ByteView(blob.data() + kKeyIdOffset, kKeyIdSize)));
  KMS_ASSIGN_OR_RETURN(auto gcm, crypto::AesGcm::New(key.view()));
  Bytes gaad = GcmAad(blob, aad);
  KMS_RETURN_IF_ERROR(gcm->Encrypt(
      ByteView(blob.data() + kIvOffset, crypto::AesGcm::kIvSize), plaintext, gaad,
      std::span<uint8_t>(blob.data() + kHeaderSize, plaintext.size()),
      std::span<uint8_t, crypto::AesGcm::kTagSize>(blob.data() + kTagOffset,
                                                   crypto::AesGcm::kTagSize)));
  return blob;
}

StatusOr<SecretBytes> UnsealBlob(const SealingKeyFn& key_of, ByteView sealed, ByteView aad,
                                 std::string_view mismatch) {
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
  KMS_ASSIGN_OR_RETURN(SecretBytes key, key_of(policy, sealed.subspan(kKeyIdOffset, kKeyIdSize)));
  KMS_ASSIGN_OR_RETURN(auto gcm, crypto::AesGcm::New(key.view()));
  SecretBytes out(sealed.size() - kHeaderSize);
  Bytes gaad = GcmAad(sealed, aad);
  Status s = gcm->Decrypt(sealed.subspan(kIvOffset, crypto::AesGcm::kIvSize),
                          sealed.subspan(kHeaderSize), gaad,
                          sealed.subspan(kTagOffset, crypto::AesGcm::kTagSize), out.span());
  if (!s.ok()) {
    return Status::DataLoss(std::string(mismatch));
  }
  return out;
}

}  // namespace kms::tee
