// KeyVault: BYOK, GetParametersForImport and ImportKeyMaterial (spec: eHSM API §3.9–§3.10),
// with an authenticated, expiring, single-use token (see import_token.h, import_session.h).

#include <algorithm>

#include "crypto/random.h"
#include "crypto/rsa.h"
#include "keys/import_session.h"
#include "keys/key_vault.h"

namespace kms::keys {
namespace {

constexpr std::string_view kAlreadyImported =
    "key material has already been imported for this keyid; it cannot be replaced";

Status CheckImportTarget(const KeyRef& key, std::string_view action) {
  if (key.origin != Origin::kExternal) {
    return Status::InvalidArgument(std::string(action) +
                                   " needs a key created with origin EH_EXTERNAL_KEY; keyid has "
                                   "origin " +
                                   std::string(Name(key.origin)));
  }
  if (!IsSymmetric(key.spec)) {
    return Status::InvalidArgument(std::string(action) +
                                   " imports AES-GCM and SM4 keys only; keyid has keyspec " +
                                   std::string(Name(key.spec)));
  }
  if (!key.blob.empty() && !IsImportSessionBlob(key.blob)) {
    return Status::InvalidArgument(std::string(kAlreadyImported));
  }
  return Status::Ok();
}

int RsaBits(KeySpec spec) {
  return spec == KeySpec::kRsa2048 ? 2048 : spec == KeySpec::kRsa3072 ? 3072 : 4096;
}

}  // namespace

StatusOr<ImportParameters> KeyVault::GetParametersForImport(const KeyRef& key,
                                                            KeySpec wrapping_spec, int64_t now_ms) {
  KMS_RETURN_IF_ERROR(CheckImportTarget(key, "GetParametersForImport"));
  if (!IsRsa(wrapping_spec)) {
    return Status::InvalidArgument(
        "GetParametersForImport needs keyspec EH_RSA_2048, EH_RSA_3072 or EH_RSA_4096 for the "
        "wrapping key; got " +
        std::string(Name(wrapping_spec)));
  }
  KMS_ASSIGN_OR_RETURN(auto rsa, crypto::RsaKey::Generate(RsaBits(wrapping_spec)));
  ImportSession session;
  KMS_RETURN_IF_ERROR(platform_.Random(session.token_id));
  session.expires_ms = now_ms + kImportTokenLifetimeMs;
  session.wrapping_spec = wrapping_spec;
  KMS_ASSIGN_OR_RETURN(session.key_pair_pem, rsa->KeyPairPem());

  ImportParameters out;
  KMS_ASSIGN_OR_RETURN(out.session_blob, SealImportSession(*dk_, key.binding, session));
  KMS_ASSIGN_OR_RETURN(out.pubkey_pem, rsa->PublicPem());
  ImportTokenClaims claims{
      .keyid = key.binding.keyid, .token_id = session.token_id, .expires_ms = session.expires_ms};
  KMS_ASSIGN_OR_RETURN(out.import_token, EncodeImportToken(dk_->import_token_key().view(), claims,
                                                           key.binding.creator));
  return out;
}

StatusOr<Bytes> KeyVault::ImportKeyMaterial(const KeyRef& key, std::string_view import_token,
                                            PaddingMode padding, ByteView wrapped_material,
                                            int64_t now_ms) {
  KMS_RETURN_IF_ERROR(CheckImportTarget(key, "ImportKeyMaterial"));
  if (key.blob.empty()) {
    return Status::InvalidArgument(
        "no import is pending for this keyid; call GetParametersForImport first");
  }
  KMS_ASSIGN_OR_RETURN(ImportTokenClaims claims,
                       VerifyImportToken(dk_->import_token_key().view(), import_token,
                                         key.binding.keyid, key.binding.creator, now_ms));
  KMS_ASSIGN_OR_RETURN(ImportSession session, OpenImportSession(*dk_, key.binding, key.blob));
  // A later GetParametersForImport replaced the session: only its token is valid now.
  if (!std::equal(claims.token_id.begin(), claims.token_id.end(), session.token_id.begin())) {
    return Status::InvalidArgument("importToken invalid");
  }
  crypto::RsaEncryptPadding rsa_padding;
  if (padding == PaddingMode::kRsaPkcs1) {
    rsa_padding = crypto::RsaEncryptPadding::kPkcs1;
  } else if (padding == PaddingMode::kRsaPkcs1Oaep) {
    rsa_padding = crypto::RsaEncryptPadding::kOaepSha256;
  } else {
    return Status::InvalidArgument(
        "ImportKeyMaterial needs padding_mode EH_RSA_PKCS1 or EH_RSA_PKCS1_OAEP, got " +
        std::string(Name(padding)));
  }
  KMS_ASSIGN_OR_RETURN(auto rsa, crypto::RsaKey::FromPem(AsChars(session.key_pair_pem.view())));
  // One status for a bad ciphertext and for a wrong length alike: no padding oracle.
  auto material = rsa->Decrypt(rsa_padding, wrapped_material);
  if (!material.ok() || material->size() != SymmetricKeySize(key.spec)) {
    return Status::DataLoss("key material does not unwrap to a key of this keyspec");
  }
  return WrapKeyMaterial(*dk_, key.binding, material->view());
}

}  // namespace kms::keys
