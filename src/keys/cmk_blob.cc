#include "keys/cmk_blob.h"

#include <cstring>

#include "crypto/random.h"

namespace kms::keys {
namespace {

constexpr uint8_t kMagic[4] = {'E', 'H', 'K', 'B'};
constexpr uint8_t kVersion = 1;
constexpr uint8_t kAlgAes256GcmDk = 1;
constexpr size_t kDkIdOffset = 8;
constexpr size_t kIvOffset = 16;
constexpr size_t kTagOffset = 28;

void AppendField(Bytes& out, std::string_view s) {
  // Length-prefixed, so no two different bindings encode to the same bytes.
  uint32_t n = static_cast<uint32_t>(s.size());
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(n >> (8 * i)));
  out.insert(out.end(), s.begin(), s.end());
}

Bytes Aad(ByteView header16, const BlobBinding& b) {
  Bytes aad(header16.begin(), header16.end());
  AppendField(aad, "ehsm-kms blob binding v1");
  AppendField(aad, b.keyid);
  AppendField(aad, b.creator);
  AppendField(aad, b.keyspec);
  AppendField(aad, b.origin);
  AppendField(aad, b.usage);
  return aad;
}

}  // namespace

StatusOr<Bytes> WrapKeyMaterial(const DomainKey& dk, const BlobBinding& binding,
                                ByteView material) {
  Bytes blob(kBlobHeaderSize + material.size(), 0);
  std::memcpy(blob.data(), kMagic, 4);
  blob[4] = kVersion;
  blob[5] = kAlgAes256GcmDk;
  std::memcpy(blob.data() + kDkIdOffset, dk.id().data(), DomainKey::kIdSize);
  KMS_RETURN_IF_ERROR(crypto::RandomFill({blob.data() + kIvOffset, crypto::AesGcm::kIvSize}));
  Bytes aad = Aad(ByteView(blob.data(), kIvOffset), binding);
  KMS_RETURN_IF_ERROR(dk.aead().Encrypt(
      ByteView(blob.data() + kIvOffset, crypto::AesGcm::kIvSize), material, aad,
      std::span<uint8_t>(blob.data() + kBlobHeaderSize, material.size()),
      std::span<uint8_t, crypto::AesGcm::kTagSize>(blob.data() + kTagOffset,
                                                   crypto::AesGcm::kTagSize)));
  return blob;
}

std::optional<DomainKey::Id> BlobDomainKeyId(ByteView blob) {
  if (blob.size() < kBlobHeaderSize || std::memcmp(blob.data(), kMagic, 4) != 0 ||
      blob[4] != kVersion) {
    return std::nullopt;
  }
  DomainKey::Id id;
  std::memcpy(id.data(), blob.data() + kDkIdOffset, DomainKey::kIdSize);
  return id;
}

StatusOr<SecretBytes> UnwrapKeyMaterial(const DomainKey& dk, const BlobBinding& binding,
                                        ByteView blob) {
  if (blob.size() < kBlobHeaderSize || std::memcmp(blob.data(), kMagic, 4) != 0) {
    return Status::DataLoss("key blob is malformed");
  }
  if (blob[4] != kVersion || blob[5] != kAlgAes256GcmDk) {
    return Status::DataLoss("key blob has unsupported version " + std::to_string(blob[4]));
  }
  if (std::memcmp(blob.data() + kDkIdOffset, dk.id().data(), DomainKey::kIdSize) != 0) {
    return Status::DataLoss("key blob was wrapped under another domain key (id " +
                            HexEncode(blob.subspan(kDkIdOffset, DomainKey::kIdSize)) +
                            ", this server has " + dk.IdHex() + ")");
  }
  Bytes aad = Aad(blob.first(kIvOffset), binding);
  SecretBytes material(blob.size() - kBlobHeaderSize);
  Status s = dk.aead().Decrypt(blob.subspan(kIvOffset, crypto::AesGcm::kIvSize),
                               blob.subspan(kBlobHeaderSize), aad,
                               blob.subspan(kTagOffset, crypto::AesGcm::kTagSize),
                               material.span());
  if (!s.ok()) return Status::DataLoss("key blob failed authentication (altered or rebound)");
  return material;
}

}  // namespace kms::keys
