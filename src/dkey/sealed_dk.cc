#include "dkey/sealed_dk.h"

#include "common/file_util.h"
#include "keys/domain_key.h"

namespace kms::dkey {

SealedDomainKeyFile::SealedDomainKeyFile(tee::TeePlatform& platform, const std::string& data_dir)
    : platform_(platform), path_(data_dir + "/" + kSealedDomainKeyFile) {}

bool SealedDomainKeyFile::Exists() const { return FileExists(path_); }

StatusOr<SecretBytes> SealedDomainKeyFile::Load() const {
  KMS_ASSIGN_OR_RETURN(Bytes sealed, ReadFileBytes(path_));
  auto key = platform_.Unseal(sealed, AsBytes(keys::kDomainKeySealAad));
  if (!key.ok()) {
    return Status::DataLoss("the sealed domain key " + path_ + " cannot be unsealed (" +
                            key.status().message() +
                            "); restore the platform secret and identity it was sealed with, "
                            "or this file from a backup");
  }
  if (key->size() != keys::DomainKey::kSize) {
    return Status::DataLoss("the sealed domain key " + path_ + " holds " +
                            std::to_string(key->size()) + " bytes, not 32");
  }
  return std::move(key).value();
}

StatusOr<Bytes> SealedDomainKeyFile::Seal(ByteView key) const {
  if (key.size() != keys::DomainKey::kSize) {
    return Status::InvalidArgument("domain key must be 32 bytes, got " +
                                   std::to_string(key.size()));
  }
  return platform_.Seal(key, AsBytes(keys::kDomainKeySealAad), tee::SealPolicy::kMrSigner);
}

Status SealedDomainKeyFile::Store(ByteView key) const {
  KMS_ASSIGN_OR_RETURN(Bytes blob, Seal(key));
  return WriteFileAtomic(path_, blob, 0600);
}

StatusOr<SecretBytes> SealedDomainKeyFile::Create() const {
  // Checked first so that a daemon restarted with --init does not draw a key it then drops;
  // the exclusive write below is what makes the check race-free.
  if (Exists()) return Status::AlreadyExists("a sealed domain key exists: " + path_);
  SecretBytes fresh(keys::DomainKey::kSize);
  KMS_RETURN_IF_ERROR(platform_.Random(fresh.span()));
  KMS_ASSIGN_OR_RETURN(Bytes blob, Seal(fresh.view()));
  KMS_RETURN_IF_ERROR(WriteFileAtomic(path_, blob, 0600, /*exclusive=*/true));
  return fresh;
}

StatusOr<std::string> DomainKeyId(ByteView key) {
  KMS_ASSIGN_OR_RETURN(auto dk, keys::DomainKey::FromBytes(key));
  return dk->IdHex();
}

}  // namespace kms::dkey
