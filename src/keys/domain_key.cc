#include "keys/domain_key.h"

#include <algorithm>

#include "common/file_util.h"
#include "common/log.h"
#include "crypto/hkdf.h"
#include "crypto/hmac.h"

namespace kms::keys {
namespace {

constexpr std::string_view kSealAad = kDomainKeySealAad;

}  // namespace

// The HKDF label of the audit checkpoint key: its own, so no other use of the domain key
// shares it.
constexpr std::string_view kAuditCheckpointKeyInfo = "ehsm-kms audit checkpoint v1";

StatusOr<std::unique_ptr<DomainKey>> DomainKey::FromBytes(ByteView key) {
  if (key.size() != kSize) {
    return Status::InvalidArgument("domain key must be 32 bytes, got " +
                                   std::to_string(key.size()));
  }
  KMS_ASSIGN_OR_RETURN(auto mac, crypto::HmacSha256(key, AsBytes("ehsm-kms domain key id")));
  Id id;
  std::copy_n(mac.begin(), kIdSize, id.begin());
  KMS_ASSIGN_OR_RETURN(auto aead, crypto::AesGcm::New(key));
  KMS_ASSIGN_OR_RETURN(SecretBytes token_key,
                       crypto::HkdfSha256(key, {}, AsBytes("ehsm-kms import token mac v1"), 32));
  KMS_ASSIGN_OR_RETURN(SecretBytes audit_key,
                       crypto::HkdfSha256(key, {}, AsBytes(kAuditCheckpointKeyInfo), 32));
  return std::unique_ptr<DomainKey>(
      new DomainKey(id, std::move(aead), std::move(token_key), std::move(audit_key)));
}

std::string DomainKey::IdHex() const { return HexEncode(id_); }

StatusOr<std::unique_ptr<DomainKey>> LoadOrCreateSealedDomainKey(
    tee::TeePlatform& platform, const std::string& sealed_path, int64_t wrapped_objects_in_store) {
  auto sealed = ReadFileBytes(sealed_path);
  if (sealed.ok()) {
    auto key = platform.Unseal(*sealed, AsBytes(kSealAad));
    if (!key.ok()) {
      return Status::FailedPrecondition(
          "the sealed domain key " + sealed_path + " cannot be unsealed (" +
          key.status().message() +
          "); refusing to start. Restore the platform secret and the sealed key that belong "
          "together; a new domain key would make every stored key unusable");
    }
    KMS_ASSIGN_OR_RETURN(auto dk, DomainKey::FromBytes(key->view()));
    log::Info("domain_key.loaded", {{"path", sealed_path}, {"dk_id", dk->IdHex()}});
    return dk;
  }
  if (sealed.status().code() != Code::kNotFound) return sealed.status();
  if (wrapped_objects_in_store > 0) {
    return Status::FailedPrecondition(
        "the store holds " + std::to_string(wrapped_objects_in_store) +
        " wrapped keys or tenants but the sealed domain key " + sealed_path +
        " is missing; refusing to start rather than create a new domain key that would make "
        "them all unusable. Restore the sealed domain key file");
  }
  SecretBytes fresh(DomainKey::kSize);
  KMS_RETURN_IF_ERROR(platform.Random(fresh.span()));
  KMS_ASSIGN_OR_RETURN(Bytes blob,
                       platform.Seal(fresh.view(), AsBytes(kSealAad), tee::SealPolicy::kMrSigner));
  Status written = WriteFileAtomic(sealed_path, blob, 0600, /*exclusive=*/true);
  if (written.code() == Code::kAlreadyExists) {
    // Another process created it first: use theirs.
    return LoadOrCreateSealedDomainKey(platform, sealed_path, wrapped_objects_in_store);
  }
  KMS_RETURN_IF_ERROR(written);
  KMS_ASSIGN_OR_RETURN(auto dk, DomainKey::FromBytes(fresh.view()));
  log::Info("domain_key.created", {{"path", sealed_path}, {"dk_id", dk->IdHex()}});
  return dk;
}

}  // namespace kms::keys
