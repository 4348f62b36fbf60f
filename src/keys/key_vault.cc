#include "keys/key_vault.h"

#include "crypto/base64.h"
#include "crypto/hmac.h"
#include "crypto/random.h"
#include "keys/import_session.h"
#include "keys/symmetric_cipher.h"

namespace kms::keys {
namespace {

constexpr std::string_view kAes256 = "EH_AES_GCM_256";
constexpr std::string_view kInternal = "EH_INTERNAL_KEY";

BlobBinding TenantBinding(const std::string& appid, std::string_view usage) {
  return {.keyid = appid,
          .creator = appid,
          .keyspec = std::string(kAes256),
          .origin = std::string(kInternal),
          .usage = std::string(usage)};
}

Status CheckSymmetricUse(const KeyRef& key, std::string_view action) {
  if (!IsSymmetric(key.spec) || key.usage != KeyUsage::kEncryptDecrypt) {
    return Status::InvalidArgument(
        std::string(action) + " needs a symmetric key (AES-GCM or SM4) with usage "
        "EH_KEYUSAGE_ENCRYPT_DECRYPT; keyid has keyspec " + std::string(Name(key.spec)) +
        " and usage " + std::string(Name(key.usage)));
  }
  return Status::Ok();
}

// Everything an opened key depends on, so a cache entry is used only for this exact blob and
// binding. Fields are length-prefixed so no two distinct tuples give the same string.
std::string Fingerprint(std::initializer_list<std::string_view> parts) {
  std::string out;
  size_t n = 0;
  for (auto p : parts) n += p.size() + 4;
  out.reserve(n);
  for (auto p : parts) {
    uint32_t len = static_cast<uint32_t>(p.size());
    out.append(reinterpret_cast<const char*>(&len), sizeof(len));
    out.append(p);
  }
  return out;
}

StatusOr<Bytes> NewWrappedAes256(const DomainKey& dk, const BlobBinding& binding) {
  KMS_ASSIGN_OR_RETURN(SecretBytes k, crypto::RandomSecret(32));
  return WrapKeyMaterial(dk, binding, k.view());
}

}  // namespace

BlobBinding TenantApikeyKeyBinding(const std::string& appid) {
  return TenantBinding(appid, "ehsm-kms tenant apikey key");
}
BlobBinding TenantSecretKeyBinding(const std::string& appid) {
  return TenantBinding(appid, "ehsm-kms tenant secret key");
}

KeyVault::KeyVault(tee::TeePlatform& platform, std::unique_ptr<DomainKey> dk,
                   size_t open_key_capacity)
    : platform_(platform),
      dk_(std::move(dk)),
      ciphers_(open_key_capacity),
      macs_(open_key_capacity),
      asymmetric_(open_key_capacity == 0 ? 0 : std::max<size_t>(1, open_key_capacity / 4)) {}

StatusOr<std::shared_ptr<const SymmetricCipher>> KeyVault::OpenSymmetric(const KeyRef& key) {
  if (key.blob.empty() || IsImportSessionBlob(key.blob)) {
    return Status::FailedPrecondition("the key has no key material yet (import it first)");
  }
  const BlobBinding& b = key.binding;
  std::string fp = Fingerprint({b.creator, b.keyspec, b.origin, b.usage, AsChars(key.blob)});
  if (auto hit = ciphers_.Get(b.keyid, fp)) return hit;
  KMS_ASSIGN_OR_RETURN(SecretBytes material, UnwrapKeyMaterial(*dk_, b, key.blob));
  KMS_ASSIGN_OR_RETURN(std::unique_ptr<SymmetricCipher> opened,
                       SymmetricCipher::New(key.spec, std::move(material)));
  std::shared_ptr<const SymmetricCipher> shared = std::move(opened);
  ciphers_.Put(b.keyid, std::move(fp), shared);
  return shared;
}

StatusOr<std::shared_ptr<const AsymmetricKey>> KeyVault::OpenAsymmetric(const KeyRef& key) {
  const BlobBinding& b = key.binding;
  std::string fp = Fingerprint({b.creator, b.keyspec, b.origin, b.usage, AsChars(key.blob)});
  if (auto hit = asymmetric_.Get(b.keyid, fp)) return hit;
  KMS_ASSIGN_OR_RETURN(SecretBytes pem, UnwrapKeyMaterial(*dk_, b, key.blob));
  KMS_ASSIGN_OR_RETURN(std::unique_ptr<AsymmetricKey> opened,
                       AsymmetricKey::FromMaterial(key.spec, pem));
  std::shared_ptr<const AsymmetricKey> shared = std::move(opened);
  asymmetric_.Put(b.keyid, std::move(fp), shared);
  return shared;
}

StatusOr<Bytes> KeyVault::CreateKey(const BlobBinding& binding, KeySpec spec, Origin origin,
                                    KeyUsage usage) {
  if (origin == Origin::kExternal) return Bytes{};
  if (IsSymmetric(spec)) {
    if (usage != KeyUsage::kEncryptDecrypt) {
      return Status::InvalidArgument("keyspec " + std::string(Name(spec)) +
                                     " only supports keyusage EH_KEYUSAGE_ENCRYPT_DECRYPT");
    }
    SecretBytes material(SymmetricKeySize(spec));
    KMS_RETURN_IF_ERROR(platform_.Random(material.span()));
    return WrapKeyMaterial(*dk_, binding, material.view());
  }
  if (IsAsymmetric(spec)) {
    KMS_ASSIGN_OR_RETURN(auto key, AsymmetricKey::Generate(spec));
    KMS_ASSIGN_OR_RETURN(SecretBytes pem, key->KeyPairPem());
    return WrapKeyMaterial(*dk_, binding, pem.view());
  }
  return Status::InvalidArgument("keyspec " + std::string(Name(spec)) +
                                 " cannot be created with origin EH_INTERNAL_KEY");
}

StatusOr<Enrollment> KeyVault::Enroll() {
  Enrollment e;
  KMS_ASSIGN_OR_RETURN(e.appid, crypto::RandomUuid());
  KMS_ASSIGN_OR_RETURN(std::string apikey, crypto::RandomString(kApikeyLength, kApikeyAlphabet));
  e.apikey = SecretBytes(AsBytes(apikey));
  explicit_bzero(apikey.data(), apikey.size());

  KMS_ASSIGN_OR_RETURN(SecretBytes tenant_key, crypto::RandomSecret(32));
  KMS_ASSIGN_OR_RETURN(e.cmk_blob,
                       WrapKeyMaterial(*dk_, TenantApikeyKeyBinding(e.appid), tenant_key.view()));
  KMS_ASSIGN_OR_RETURN(auto cipher,
                       SymmetricCipher::New(KeySpec::kAesGcm256, std::move(tenant_key)));
  KMS_ASSIGN_OR_RETURN(e.apikey_blob, cipher->Encrypt(e.apikey.view(), AsBytes(e.appid)));
  KMS_ASSIGN_OR_RETURN(e.sm_default_cmk_blob,
                       NewWrappedAes256(*dk_, TenantSecretKeyBinding(e.appid)));
  return e;
}

StatusOr<std::shared_ptr<const crypto::HmacSha256Key>> KeyVault::OpenTenantMac(
    const std::string& appid, ByteView cmk_blob, ByteView apikey_blob) {
  std::string fp = Fingerprint({AsChars(cmk_blob), AsChars(apikey_blob)});
  std::shared_ptr<const crypto::HmacSha256Key> key = macs_.Get(appid, fp);
  if (key != nullptr) return key;
  KMS_ASSIGN_OR_RETURN(SecretBytes tenant_key,
                       UnwrapKeyMaterial(*dk_, TenantApikeyKeyBinding(appid), cmk_blob));
  KMS_ASSIGN_OR_RETURN(auto cipher,
                       SymmetricCipher::New(KeySpec::kAesGcm256, std::move(tenant_key)));
  KMS_ASSIGN_OR_RETURN(SecretBytes apikey, cipher->Decrypt(apikey_blob, AsBytes(appid)));
  KMS_ASSIGN_OR_RETURN(std::unique_ptr<crypto::HmacSha256Key> opened,
                       crypto::HmacSha256Key::New(apikey.view()));
  key = std::move(opened);
  macs_.Put(appid, std::move(fp), key);
  return key;
}

StatusOr<bool> KeyVault::VerifyRequestMac(const std::string& appid, ByteView cmk_blob,
                                          ByteView apikey_blob, std::string_view message,
                                          std::string_view sign) {
  KMS_ASSIGN_OR_RETURN(std::string expected, SignWithApikey(appid, cmk_blob, apikey_blob, message));
  return crypto::ConstantTimeEquals(AsBytes(expected), AsBytes(sign));
}

StatusOr<std::string> KeyVault::SignWithApikey(const std::string& appid, ByteView cmk_blob,
                                               ByteView apikey_blob, std::string_view message) {
  KMS_ASSIGN_OR_RETURN(auto key, OpenTenantMac(appid, cmk_blob, apikey_blob));
  KMS_ASSIGN_OR_RETURN(auto mac, key->Compute(AsBytes(message)));
  return crypto::Base64Encode(mac);
}

StatusOr<Bytes> KeyVault::Encrypt(const KeyRef& key, ByteView plaintext, ByteView aad) {
  KMS_RETURN_IF_ERROR(CheckSymmetricUse(key, "Encrypt"));
  KMS_ASSIGN_OR_RETURN(auto cipher, OpenSymmetric(key));
  return cipher->Encrypt(plaintext, aad);
}

StatusOr<SecretBytes> KeyVault::Decrypt(const KeyRef& key, ByteView ciphertext, ByteView aad) {
  KMS_RETURN_IF_ERROR(CheckSymmetricUse(key, "Decrypt"));
  KMS_ASSIGN_OR_RETURN(auto cipher, OpenSymmetric(key));
  return cipher->Decrypt(ciphertext, aad);
}

StatusOr<DataKey> KeyVault::GenerateDataKey(const KeyRef& key, size_t length, ByteView aad) {
  KMS_RETURN_IF_ERROR(CheckSymmetricUse(key, "GenerateDataKey"));
  if (key.origin != Origin::kInternal) {
    return Status::InvalidArgument(
        "GenerateDataKey needs a key with origin EH_INTERNAL_KEY; imported keys can only "
        "Encrypt and Decrypt");
  }
  if (length < 1 || length > kMaxDataKeyLength) {
    return Status::InvalidArgument("data key length must be 1..1024 bytes");
  }
  KMS_ASSIGN_OR_RETURN(auto cipher, OpenSymmetric(key));
  DataKey dk;
  dk.plaintext = SecretBytes(length);
  KMS_RETURN_IF_ERROR(platform_.Random(dk.plaintext.span()));
  KMS_ASSIGN_OR_RETURN(dk.ciphertext, cipher->Encrypt(dk.plaintext.view(), aad));
  return dk;
}

StatusOr<Bytes> KeyVault::EncryptWithTenantKey(const std::string& appid,
                                               ByteView sm_default_cmk_blob,
                                               ByteView plaintext, ByteView aad) {
  KMS_ASSIGN_OR_RETURN(SecretBytes k, UnwrapKeyMaterial(*dk_, TenantSecretKeyBinding(appid),
                                                        sm_default_cmk_blob));
  KMS_ASSIGN_OR_RETURN(auto cipher, SymmetricCipher::New(KeySpec::kAesGcm256, std::move(k)));
  return cipher->Encrypt(plaintext, aad);
}

StatusOr<SecretBytes> KeyVault::DecryptWithTenantKey(const std::string& appid,
                                                     ByteView sm_default_cmk_blob,
                                                     ByteView ciphertext,
                                                     ByteView aad) {
  KMS_ASSIGN_OR_RETURN(SecretBytes k, UnwrapKeyMaterial(*dk_, TenantSecretKeyBinding(appid),
                                                        sm_default_cmk_blob));
  KMS_ASSIGN_OR_RETURN(auto cipher, SymmetricCipher::New(KeySpec::kAesGcm256, std::move(k)));
  return cipher->Decrypt(ciphertext, aad);
}

}  // namespace kms::keys
