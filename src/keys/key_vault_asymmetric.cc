// KeyVault: the asymmetric operations (spec: eHSM API §3.5–§3.8, usage rules §4.2).

#include "keys/key_vault.h"

namespace kms::keys {
namespace {

enum class Need { kEncrypt, kSign, kAny };

Status CheckAsymmetricUse(const KeyRef& key, std::string_view action, Need need) {
  bool spec_ok = need == Need::kEncrypt ? IsRsa(key.spec) || key.spec == KeySpec::kSm2
                                        : IsAsymmetric(key.spec);
  bool usage_ok =
      need == Need::kAny ||
      key.usage == (need == Need::kEncrypt ? KeyUsage::kEncryptDecrypt : KeyUsage::kSignVerify);
  if (!spec_ok || !usage_ok) {
    std::string needs = need == Need::kEncrypt ? "an RSA or SM2 key with usage "
                                                 "EH_KEYUSAGE_ENCRYPT_DECRYPT"
                        : need == Need::kSign  ? "an RSA, EC or SM2 key with usage "
                                                 "EH_KEYUSAGE_SIGN_VERIFY"
                                               : "an RSA, EC or SM2 key";
    return Status::InvalidArgument(std::string(action) + " needs " + needs +
                                   "; keyid has keyspec " + std::string(Name(key.spec)) +
                                   " and usage " + std::string(Name(key.usage)));
  }
  if (key.blob.empty()) {
    return Status::FailedPrecondition(std::string(action) + " needs key material; keyid (origin " +
                                      std::string(Name(key.origin)) + ") has none");
  }
  return Status::Ok();
}

}  // namespace

StatusOr<Bytes> KeyVault::AsymmetricEncrypt(const KeyRef& key, PaddingMode padding,
                                            ByteView plaintext) {
  KMS_RETURN_IF_ERROR(CheckAsymmetricUse(key, "AsymmetricEncrypt", Need::kEncrypt));
  KMS_ASSIGN_OR_RETURN(auto k, OpenAsymmetric(key));
  return k->Encrypt(padding, plaintext);
}

StatusOr<SecretBytes> KeyVault::AsymmetricDecrypt(const KeyRef& key, PaddingMode padding,
                                                  ByteView ciphertext) {
  KMS_RETURN_IF_ERROR(CheckAsymmetricUse(key, "AsymmetricDecrypt", Need::kEncrypt));
  KMS_ASSIGN_OR_RETURN(auto k, OpenAsymmetric(key));
  return k->Decrypt(padding, ciphertext);
}

StatusOr<Bytes> KeyVault::Sign(const KeyRef& key, const SignParams& params, ByteView input) {
  KMS_RETURN_IF_ERROR(CheckAsymmetricUse(key, "Sign", Need::kSign));
  KMS_ASSIGN_OR_RETURN(auto k, OpenAsymmetric(key));
  return k->Sign(params, input);
}

StatusOr<bool> KeyVault::Verify(const KeyRef& key, const SignParams& params, ByteView input,
                                ByteView signature) {
  KMS_RETURN_IF_ERROR(CheckAsymmetricUse(key, "Verify", Need::kSign));
  KMS_ASSIGN_OR_RETURN(auto k, OpenAsymmetric(key));
  return k->Verify(params, input, signature);
}

StatusOr<std::string> KeyVault::GetPublicKey(const KeyRef& key) {
  KMS_RETURN_IF_ERROR(CheckAsymmetricUse(key, "GetPublicKey", Need::kAny));
  KMS_ASSIGN_OR_RETURN(auto k, OpenAsymmetric(key));
  return k->PublicPem();
}

StatusOr<Bytes> KeyVault::ExportDataKey(const KeyRef& key, ByteView aad, ByteView wrapped_data_key,
                                        const KeyRef& target) {
  if (!IsSymmetric(key.spec) || key.usage != KeyUsage::kEncryptDecrypt ||
      key.origin != Origin::kInternal) {
    return Status::InvalidArgument(
        "ExportDataKey needs keyid to be an internal symmetric key (AES-GCM or SM4) with usage "
        "EH_KEYUSAGE_ENCRYPT_DECRYPT; keyid has keyspec " +
        std::string(Name(key.spec)) + ", origin " + std::string(Name(key.origin)) + " and usage " +
        std::string(Name(key.usage)));
  }
  Status target_ok = CheckAsymmetricUse(target, "ExportDataKey", Need::kEncrypt);
  if (!target_ok.ok()) {
    return Status(target_ok.code(), "ukeyid: " + target_ok.message());
  }
  KMS_ASSIGN_OR_RETURN(auto k, OpenAsymmetric(target));
  KMS_ASSIGN_OR_RETURN(SecretBytes data_key, Decrypt(key, wrapped_data_key, aad));
  // RSA always uses OAEP-SHA-256 here (as upstream); SM2 ignores the padding.
  return k->Encrypt(PaddingMode::kRsaPkcs1Oaep, data_key.view());
}

}  // namespace kms::keys
