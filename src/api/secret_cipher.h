#pragma once
// SecretCipher: encrypts and decrypts the values of one tenant's secrets under the secret's key
// — the tenant's default secret key, or a CMK of the tenant that is enabled, unexpired and
// AES-GCM (the only symmetric keyspecs that authenticate associated data).
//
// Every value is bound to the secret it belongs to: the associated data names the appid, the
// secret name, the secret's incarnation uid and the version id, so a stored value copied into
// another secret, another incarnation of the same name, or another version does not decrypt.
//
// Not thread-safe (one per request); holds no key material between calls.

#include <memory>
#include <optional>
#include <string>

#include "api/cmk_resolver.h"
#include "api/kms_context.h"
#include "common/bytes.h"
#include "common/secret_bytes.h"
#include "common/status.h"
#include "store/records.h"

namespace kms::api {

class SecretCipher {
 public:
  // Resolves the key named by `keyid` ("" = the tenant's default secret key). Errors are
  // kInvalidArgument with the client message ("Cannot find default CMK.", "Cannot find cmk by
  // keyid.", "keyid is disabled", "keyid expire", or a keyspec/usage complaint); store failures
  // pass through.
  static StatusOr<SecretCipher> Open(KmsContext& ctx, const std::string& appid,
                                     const std::string& keyid);

  StatusOr<Bytes> Encrypt(const store::SecretRecord& secret, int64_t version_id,
                          std::string_view value);
  // kDataLoss when the blob does not belong to this secret/version or was altered.
  StatusOr<SecretBytes> Decrypt(const store::SecretRecord& secret,
                                const store::SecretVersionRecord& version);

 private:
  SecretCipher(KmsContext& ctx, std::string appid) : ctx_(&ctx), appid_(std::move(appid)) {}

  KmsContext* ctx_;
  std::string appid_;
  std::shared_ptr<const store::TenantRecord> tenant_;  // set for the default key
  std::optional<ResolvedKey> cmk_;                     // set for a named CMK
};

// The associated data binding a value to (appid, name, uid, version); exposed for tests.
Bytes SecretValueAad(const store::SecretRecord& secret, int64_t version_id);

}  // namespace kms::api
