#include "api/secret_cipher.h"

namespace kms::api {
namespace {

void AppendField(Bytes& out, std::string_view field) {
  // Length-prefixed, so no choice of names can make two different identities collide.
  uint64_t n = field.size();
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<uint8_t>(n >> shift));
  out.insert(out.end(), field.begin(), field.end());
}

bool IsAesGcm(keys::KeySpec spec) {
  return spec == keys::KeySpec::kAesGcm128 || spec == keys::KeySpec::kAesGcm192 ||
         spec == keys::KeySpec::kAesGcm256;
}

}  // namespace

Bytes SecretValueAad(const store::SecretRecord& secret, int64_t version_id) {
  Bytes aad;
  AppendField(aad, "ehsm-kms secret value v1");
  AppendField(aad, secret.appid);
  AppendField(aad, secret.name);
  AppendField(aad, secret.uid);
  AppendField(aad, std::to_string(version_id));
  return aad;
}

StatusOr<SecretCipher> SecretCipher::Open(KmsContext& ctx, const std::string& appid,
                                          const std::string& keyid) {
  SecretCipher c(ctx, appid);
  if (keyid.empty()) {
    auto tenant = ctx.GetTenant(appid);
    if (!tenant.ok()) {
      if (tenant.status().code() == Code::kNotFound) {
        return Status::InvalidArgument("Cannot find default CMK.");
      }
      return tenant.status();
    }
    c.tenant_ = std::move(tenant).value();
    return c;
  }
  auto resolved = ResolveCmk(ctx, appid, keyid);
  if (!resolved.ok()) {
    // A key of another tenant is as absent as a missing one.
    if (resolved.status().message() == "keyid error" ||
        resolved.status().message() == "appid error") {
      return Status::InvalidArgument("Cannot find cmk by keyid.");
    }
    return resolved.status();
  }
  const keys::KeyRef& ref = resolved->ref;
  if (!IsAesGcm(ref.spec) || ref.usage != keys::KeyUsage::kEncryptDecrypt) {
    return Status::InvalidArgument(
        "The encryptionKeyId must be an AES-GCM key with usage EH_KEYUSAGE_ENCRYPT_DECRYPT.");
  }
  c.cmk_ = std::move(resolved).value();
  return c;
}

StatusOr<Bytes> SecretCipher::Encrypt(const store::SecretRecord& secret, int64_t version_id,
                                      std::string_view value) {
  Bytes aad = SecretValueAad(secret, version_id);
  if (cmk_) return ctx_->vault().Encrypt(cmk_->ref, AsBytes(value), aad);
  return ctx_->vault().EncryptWithTenantKey(appid_, tenant_->sm_default_cmk_blob, AsBytes(value),
                                            aad);
}

StatusOr<SecretBytes> SecretCipher::Decrypt(const store::SecretRecord& secret,
                                            const store::SecretVersionRecord& version) {
  Bytes aad = SecretValueAad(secret, version.version_id);
  if (cmk_) return ctx_->vault().Decrypt(cmk_->ref, version.value_blob, aad);
  return ctx_->vault().DecryptWithTenantKey(appid_, tenant_->sm_default_cmk_blob,
                                            version.value_blob, aad);
}

}  // namespace kms::api
