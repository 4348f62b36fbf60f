#pragma once
// KeyVault: the trusted side of the KMS (the "enclave" ABI). It holds the domain key; callers
// pass opaque blobs and small scalars and get blobs or results back. Plaintext key material
// exists only inside these calls, in SecretBytes, and is never logged.
//
// Thread-safe. Errors: kInvalidArgument when the key cannot do what was asked (message names
// the keyspec/usage and the action), kDataLoss when a blob does not unwrap or a ciphertext
// does not decrypt, kInternal for library failures.

#include <memory>
#include <string>

#include "common/bytes.h"
#include "common/secret_bytes.h"
#include "common/status.h"
#include "crypto/hmac.h"
#include "keys/cmk_blob.h"
#include "keys/domain_key.h"
#include "keys/key_spec.h"
#include "keys/opened_key_cache.h"
#include "keys/symmetric_cipher.h"
#include "tee/tee_platform.h"

namespace kms::keys {

// A stored CMK as the vault needs it.
struct KeyRef {
  BlobBinding binding;  // keyid, creator and enumeration names as stored
  KeySpec spec;
  Origin origin;
  KeyUsage usage;
  ByteView blob;  // borrowed for the duration of the call
};

struct Enrollment {
  std::string appid;
  SecretBytes apikey;  // returned once to the caller, never stored in plaintext
  Bytes apikey_blob;   // apikey encrypted under the tenant key
  Bytes cmk_blob;      // the tenant key (AES-256), wrapped by the domain key
  Bytes sm_default_cmk_blob;  // default key of the secret manager, wrapped by the domain key
};

struct DataKey {
  SecretBytes plaintext;
  Bytes ciphertext;  // Encrypt layout under the CMK
};

// The apikey alphabet of eHSM: digits and letters without I, O, l, o.
inline constexpr std::string_view kApikeyAlphabet =
    "0123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz";
inline constexpr size_t kApikeyLength = 32;
inline constexpr size_t kMaxDataKeyLength = 1024;

class KeyVault {
 public:
  // `open_key_capacity` bounds how many opened symmetric CMKs and tenant request-MAC keys are
  // kept (each cache); 0 opens every key per call.
  KeyVault(tee::TeePlatform& platform, std::unique_ptr<DomainKey> dk,
           size_t open_key_capacity = kDefaultOpenKeyCapacity);
  static constexpr size_t kDefaultOpenKeyCapacity = 16384;

  // Drops what is cached for `keyid` (call when the key is deleted or disabled, so its opened
  // material does not linger) or for every key. Correctness does not depend on it: a cache hit
  // needs the very same blob and binding.
  void ForgetKey(std::string_view keyid) { ciphers_.Erase(keyid); }
  void ForgetAllKeys() { ciphers_.Clear(); }

  const DomainKey& domain_key() const { return *dk_; }

  // New key material for a CMK, wrapped and bound to `binding`. Internal symmetric keyspecs
  // get random material; external keys get an empty blob (material comes by import).
  StatusOr<Bytes> CreateKey(const BlobBinding& binding, KeySpec spec, Origin origin,
                            KeyUsage usage);

  // A new tenant: random UUID appid, 32-character apikey without modulo bias, and its keys.
  StatusOr<Enrollment> Enroll();

  // True iff `sign` (base64 as sent) equals base64(HMAC-SHA256(apikey, message)), compared in
  // constant time. kDataLoss if the tenant's blobs do not unwrap.
  StatusOr<bool> VerifyRequestMac(const std::string& appid, ByteView cmk_blob,
                                  ByteView apikey_blob, std::string_view message,
                                  std::string_view sign);

  StatusOr<Bytes> Encrypt(const KeyRef& key, ByteView plaintext, ByteView aad);
  StatusOr<SecretBytes> Decrypt(const KeyRef& key, ByteView ciphertext, ByteView aad);
  // `length` in 1..1024. Internal-origin keys only (as upstream).
  StatusOr<DataKey> GenerateDataKey(const KeyRef& key, size_t length, ByteView aad);

  // Encrypt/Decrypt with the tenant's default secret key (secret manager).
  StatusOr<Bytes> EncryptWithTenantKey(const std::string& appid, ByteView sm_default_cmk_blob,
                                       ByteView plaintext);
  StatusOr<SecretBytes> DecryptWithTenantKey(const std::string& appid,
                                             ByteView sm_default_cmk_blob, ByteView ciphertext);

 private:
  StatusOr<std::shared_ptr<const SymmetricCipher>> OpenSymmetric(const KeyRef& key);

  tee::TeePlatform& platform_;
  std::unique_ptr<DomainKey> dk_;
  OpenedKeyCache<SymmetricCipher> ciphers_;      // by keyid
  OpenedKeyCache<crypto::HmacSha256Key> macs_;   // tenant request-MAC keys, by appid
};

// Bindings of a tenant's internal keys.
BlobBinding TenantApikeyKeyBinding(const std::string& appid);
BlobBinding TenantSecretKeyBinding(const std::string& appid);

}  // namespace kms::keys
