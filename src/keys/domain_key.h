#pragma once
// DomainKey: the 32-byte root key that wraps every CMK blob and every tenant's apikey key.
// It never leaves the trusted side (the KeyVault) and is sealed at rest by the TeePlatform.
//
// Immutable and thread-safe after construction.

#include <array>
#include <memory>
#include <string>

#include "common/secret_bytes.h"
#include "common/status.h"
#include "crypto/aes_gcm.h"
#include "tee/tee_platform.h"

namespace kms::keys {

// The AAD of every sealed domain-key file (ehsm-kms single mode and the domain-key daemons):
// binds the blob to its purpose, so a sealed blob made for something else is refused.
inline constexpr std::string_view kDomainKeySealAad = "ehsm-kms domain key v1";

class DomainKey {
 public:
  static constexpr size_t kSize = 32;
  static constexpr size_t kIdSize = 8;
  using Id = std::array<uint8_t, kIdSize>;

  // `key` must be 32 bytes.
  static StatusOr<std::unique_ptr<DomainKey>> FromBytes(ByteView key);

  // A public fingerprint: the first 8 bytes of HMAC-SHA256(key, "ehsm-kms domain key id").
  // Stored in every blob so that a blob wrapped under another domain key is recognised as
  // such instead of failing as "corrupt".
  const Id& id() const { return id_; }
  std::string IdHex() const;
  const crypto::AesGcm& aead() const { return *aead_; }
  // HMAC key for BYOK import tokens: HKDF-SHA256 of the domain key (info "ehsm-kms import
  // token mac v1"). Derived in memory at load, never stored.
  const SecretBytes& import_token_key() const { return import_token_key_; }
  // HMAC key of the audit log's signed checkpoints: HKDF-SHA256 of the domain key (info
  // "ehsm-kms audit checkpoint v1"), so the log never holds or needs the domain key itself.
  const SecretBytes& audit_checkpoint_key() const { return audit_key_; }

 private:
  DomainKey(Id id, std::unique_ptr<crypto::AesGcm> aead, SecretBytes import_token_key,
            SecretBytes audit_key)
      : id_(id),
        aead_(std::move(aead)),
        import_token_key_(std::move(import_token_key)),
        audit_key_(std::move(audit_key)) {}
  Id id_;
  std::unique_ptr<crypto::AesGcm> aead_;
  SecretBytes import_token_key_;
  SecretBytes audit_key_;
};

// Single mode: the domain key sealed in `sealed_path`.
// - File present: unseal it; if that fails, refuse (kFailedPrecondition) with a message that
//   says why, never replace it.
// - File absent and `wrapped_objects_in_store` > 0: refuse; a new domain key would orphan every
//   stored key.
// - File absent and the store empty: make a fresh key, seal it (MRSIGNER policy) and write it
//   exclusively and durably before returning.
StatusOr<std::unique_ptr<DomainKey>> LoadOrCreateSealedDomainKey(tee::TeePlatform& platform,
                                                                 const std::string& sealed_path,
                                                                 int64_t wrapped_objects_in_store);

}  // namespace kms::keys
