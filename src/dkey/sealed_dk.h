#pragma once
// SealedDomainKeyFile: a domain-key daemon's copy of the domain key at rest,
// `<data_dir>/domain_key.sealed`. The blob is the platform's Seal (MRSIGNER policy, so a later
// version from the same signer still unseals it) of the 32 key bytes, with the same purpose
// binding (keys::kDomainKeySealAad) as ehsm-kms's single-mode file.
//
// The daemons hold the raw key bytes (they hand the key on to peers); the vault-side
// keys::DomainKey is built from them where a key is used.
//
// Thread-safe as far as the platform is; concurrent writers of one file are resolved by the
// file system (Create: one wins, the other gets kAlreadyExists).

#include <string>

#include "common/secret_bytes.h"
#include "common/status.h"
#include "tee/tee_platform.h"

namespace kms::dkey {

inline constexpr char kSealedDomainKeyFile[] = "domain_key.sealed";

class SealedDomainKeyFile {
 public:
  // `platform` must outlive this object.
  SealedDomainKeyFile(tee::TeePlatform& platform, const std::string& data_dir);

  const std::string& path() const { return path_; }
  bool Exists() const;

  // Unseals the file. kNotFound when there is none; kDataLoss, saying what to restore, when
  // it does not unseal here (other platform secret or identity, or an altered file) or does not
  // hold a 32-byte key. Never replaces or removes the file.
  StatusOr<SecretBytes> Load() const;

  // Seals `key` (32 bytes) and writes it atomically and durably (temp file with mode 0600,
  // fsync, rename over the old file, fsync of the directory), replacing any previous file.
  Status Store(ByteView key) const;

  // Makes a fresh random key and writes it the same way, but only when no file exists:
  // kAlreadyExists otherwise (checked atomically, so two racing creators cannot both win).
  StatusOr<SecretBytes> Create() const;

 private:
  StatusOr<Bytes> Seal(ByteView key) const;

  tee::TeePlatform& platform_;
  std::string path_;
};

// The domain key's public fingerprint (`dk_id`, the one logs, /readyz reasons and the store
// carry): keys::DomainKey::IdHex, the first 8 bytes of HMAC-SHA256(key, "ehsm-kms domain key
// id") in hex. kInvalidArgument unless `key` is 32 bytes.
StatusOr<std::string> DomainKeyId(ByteView key);

}  // namespace kms::dkey
