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
#include "keys/asymmetric_key.h"
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

// What GetParametersForImport returns: the session to store in place of the key's blob, the
// public wrapping key (PKCS#1 PEM) and the token that completes the import.
struct ImportParameters {
  Bytes session_blob;
  std::string pubkey_pem;
  std::string import_token;
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
  // kept (each cache; a quarter of it for asymmetric key pairs); 0 opens every key per call.
  KeyVault(tee::TeePlatform& platform, std::unique_ptr<DomainKey> dk,
           size_t open_key_capacity = kDefaultOpenKeyCapacity);
  static constexpr size_t kDefaultOpenKeyCapacity = 16384;

  // Drops what is cached for `keyid` (call when the key is deleted or disabled, so its opened
  // material does not linger) or for every key. Correctness does not depend on it: a cache hit
  // needs the very same blob and binding.
  void ForgetKey(std::string_view keyid) {
    ciphers_.Erase(keyid);
    asymmetric_.Erase(keyid);
  }
  // The caches of opened keys, for their sizes and hit counts (metrics).
  const OpenedKeyCache<SymmetricCipher>& cipher_cache() const { return ciphers_; }
  const OpenedKeyCache<crypto::HmacSha256Key>& mac_cache() const { return macs_; }
  const OpenedKeyCache<AsymmetricKey>& asymmetric_cache() const { return asymmetric_; }

  void ForgetAllKeys() {
    ciphers_.Clear();
    asymmetric_.Clear();
  }

  const DomainKey& domain_key() const { return *dk_; }

  // New key material for a CMK, wrapped and bound to `binding`. Internal symmetric keyspecs
  // get random material, internal RSA/EC/SM2 keyspecs a fresh key pair (slow for RSA: callers
  // bound how many run at once); external keys get an empty blob (material comes by import).
  StatusOr<Bytes> CreateKey(const BlobBinding& binding, KeySpec spec, Origin origin,
                            KeyUsage usage);

  // A new tenant: random UUID appid, 32-character apikey without modulo bias, and its keys.
  StatusOr<Enrollment> Enroll();

  // True iff `sign` (base64 as sent) equals base64(HMAC-SHA256(apikey, message)), compared in
  // constant time. kDataLoss if the tenant's blobs do not unwrap.
  StatusOr<bool> VerifyRequestMac(const std::string& appid, ByteView cmk_blob,
                                  ByteView apikey_blob, std::string_view message,
                                  std::string_view sign);
  // base64(HMAC-SHA256(apikey, message)): how the KMS signs a reply for the tenant to check
  // (VerifyQuote's `sign`). kDataLoss if the tenant's blobs do not unwrap.
  StatusOr<std::string> SignWithApikey(const std::string& appid, ByteView cmk_blob,
                                       ByteView apikey_blob, std::string_view message);

  StatusOr<Bytes> Encrypt(const KeyRef& key, ByteView plaintext, ByteView aad);
  StatusOr<SecretBytes> Decrypt(const KeyRef& key, ByteView ciphertext, ByteView aad);
  // `length` in 1..1024. Internal-origin keys only (as upstream).
  StatusOr<DataKey> GenerateDataKey(const KeyRef& key, size_t length, ByteView aad);

  // --- asymmetric keys (key_vault_asymmetric.cc). The key must be internal RSA/EC/SM2 with the
  // usage the operation needs (kInvalidArgument naming keyspec, usage and the need).
  // RSA or SM2, usage encrypt/decrypt. Decryption failures are kDataLoss with one message.
  StatusOr<Bytes> AsymmetricEncrypt(const KeyRef& key, PaddingMode padding, ByteView plaintext);
  StatusOr<SecretBytes> AsymmetricDecrypt(const KeyRef& key, PaddingMode padding,
                                          ByteView ciphertext);
  // RSA, EC or SM2, usage sign/verify. See AsymmetricKey::Sign/Verify for the rules.
  StatusOr<Bytes> Sign(const KeyRef& key, const SignParams& params, ByteView input);
  StatusOr<bool> Verify(const KeyRef& key, const SignParams& params, ByteView input,
                        ByteView signature);
  // RSA: "RSA PUBLIC KEY" PEM; EC and SM2: "PUBLIC KEY" PEM. Either usage.
  StatusOr<std::string> GetPublicKey(const KeyRef& key);
  // Decrypts `wrapped_data_key` (Encrypt layout under the internal symmetric `key`, with
  // `aad`) and encrypts the data key to `target` (RSA: OAEP-SHA-256; SM2), usage
  // encrypt/decrypt. A data key that does not decrypt is kDataLoss.
  StatusOr<Bytes> ExportDataKey(const KeyRef& key, ByteView aad, ByteView wrapped_data_key,
                                const KeyRef& target);

  // --- BYOK (key_vault_import.cc). `now_ms` comes from the caller's clock.
  // For an external symmetric key without material (a pending session is replaced, which
  // invalidates its token): a fresh RSA wrapping key of `wrapping_spec`, valid 24 hours.
  // kInvalidArgument if the key is internal, not symmetric, or already has material.
  StatusOr<ImportParameters> GetParametersForImport(const KeyRef& key, KeySpec wrapping_spec,
                                                    int64_t now_ms);
  // Checks `import_token` against the key's pending session (kInvalidArgument: invalid,
  // expired, none pending, or material already imported), unwraps `wrapped_material` with the
  // session's private key and returns the key's new blob. Every unwrap failure, wrong length
  // included, is kDataLoss with one message.
  StatusOr<Bytes> ImportKeyMaterial(const KeyRef& key, std::string_view import_token,
                                    PaddingMode padding, ByteView wrapped_material,
                                    int64_t now_ms);

  // Encrypt/Decrypt with the tenant's default secret key (secret manager). `aad` is
  // authenticated with the value (the secret manager binds the secret's identity into it).
  StatusOr<Bytes> EncryptWithTenantKey(const std::string& appid, ByteView sm_default_cmk_blob,
                                       ByteView plaintext, ByteView aad = {});
  StatusOr<SecretBytes> DecryptWithTenantKey(const std::string& appid,
                                             ByteView sm_default_cmk_blob, ByteView ciphertext,
                                             ByteView aad = {});

 private:
  StatusOr<std::shared_ptr<const SymmetricCipher>> OpenSymmetric(const KeyRef& key);
  // The tenant's request-MAC key (its apikey), opened once and cached by appid.
  StatusOr<std::shared_ptr<const crypto::HmacSha256Key>> OpenTenantMac(const std::string& appid,
                                                                       ByteView cmk_blob,
                                                                       ByteView apikey_blob);
  // Parsing a key pair costs more than an EC signature (OpenSSL's decoders), so opened pairs
  // are kept like symmetric ones, in a smaller cache (an RSA-4096 pair holds a few KiB).
  StatusOr<std::shared_ptr<const AsymmetricKey>> OpenAsymmetric(const KeyRef& key);

  tee::TeePlatform& platform_;
  std::unique_ptr<DomainKey> dk_;
  OpenedKeyCache<SymmetricCipher> ciphers_;      // by keyid
  OpenedKeyCache<crypto::HmacSha256Key> macs_;   // tenant request-MAC keys, by appid
  OpenedKeyCache<AsymmetricKey> asymmetric_;     // by keyid
};

// Bindings of a tenant's internal keys.
BlobBinding TenantApikeyKeyBinding(const std::string& appid);
BlobBinding TenantSecretKeyBinding(const std::string& appid);

}  // namespace kms::keys
