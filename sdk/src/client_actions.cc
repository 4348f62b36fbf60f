// Typed wrappers of the KMS actions: build the payload, call, decode the result.

#include <boost/json.hpp>

#include "kms/client.h"
#include "kms/encoding.h"
#include "reply.h"
#include "wipe.h"

namespace kms::client {
namespace json = boost::json;
using internal::GetBase64;
using internal::GetBase64Secret;
using internal::GetBool;
using internal::GetInt;
using internal::GetIntOpt;
using internal::GetString;
using internal::GetStringOr;

namespace {

// Actions that create no new server state, so a transport failure can be retried blindly.
constexpr bool kSafe = true;
constexpr bool kUnsafe = false;

json::string_view Sv(std::string_view s) { return {s.data(), s.size()}; }

// Payload holding base64 of plaintexts; its buffers are wiped when it is destroyed.
json::object SecretPayload() {
  static json::storage_ptr sp = json::make_shared_resource<internal::WipingResource>();
  return json::object(sp);
}

void PutB64(json::object& p, std::string_view key, ByteView data) {
  std::string b64 = Base64Encode(data);
  p[key] = b64;
  internal::WipeString(b64);
}

}  // namespace

Result<VersionInfo> Client::GetVersion() {
  EHSM_ASSIGN_OR_RETURN(json::object r, Get("GetVersion"));
  VersionInfo v;
  EHSM_ASSIGN_OR_RETURN(v.version, GetString(r, "version"));
  v.git_sha = GetStringOr(r, "git_sha");
  return v;
}

Result<Enrollment> Client::Enroll() {
  EHSM_ASSIGN_OR_RETURN(json::object r, Get("Enroll"));
  Enrollment e;
  EHSM_ASSIGN_OR_RETURN(e.appid, GetString(r, "appid"));
  EHSM_ASSIGN_OR_RETURN(e.apikey, GetString(r, "apikey"));
  return e;
}

Result<std::string> Client::CreateKey(std::string_view keyspec, std::string_view origin,
                                      std::string_view keyusage) {
  json::object p;
  p["keyspec"] = Sv(keyspec);
  p["origin"] = Sv(origin);
  if (!keyusage.empty()) p["keyusage"] = Sv(keyusage);
  EHSM_ASSIGN_OR_RETURN(json::object r, Call("CreateKey", &p, kUnsafe));
  return GetString(r, "keyid");
}

Result<std::vector<KeyInfo>> Client::ListKey() {
  EHSM_ASSIGN_OR_RETURN(json::object r, Call("ListKey", nullptr, kSafe));
  const json::value* list = r.if_contains("list");
  std::vector<KeyInfo> keys;
  if (list == nullptr || list->is_null()) return keys;
  if (!list->is_array()) return Error::Protocol("reply field `list` is not an array");
  for (const auto& item : list->get_array()) {
    if (!item.is_object()) return Error::Protocol("ListKey entry is not an object");
    const auto& o = item.get_object();
    KeyInfo k;
    EHSM_ASSIGN_OR_RETURN(k.keyid, GetString(o, "keyid"));
    k.keyspec = GetStringOr(o, "keyspec");
    k.alias = GetStringOr(o, "alias");
    k.key_state = static_cast<int>(GetIntOpt(o, "keyState").value_or(0));
    k.creation_date = GetIntOpt(o, "creationDate").value_or(0);
    k.expire_time = GetIntOpt(o, "expireTime").value_or(0);
    keys.push_back(std::move(k));
  }
  return keys;
}

namespace {
json::object KeyidPayload(std::string_view keyid) {
  json::object p;
  p["keyid"] = Sv(keyid);
  return p;
}
}  // namespace

Result<void> Client::EnableKey(std::string_view keyid) {
  auto p = KeyidPayload(keyid);
  EHSM_RETURN_IF_ERROR(Call("EnableKey", &p, kSafe));
  return {};
}

Result<void> Client::DisableKey(std::string_view keyid) {
  auto p = KeyidPayload(keyid);
  EHSM_RETURN_IF_ERROR(Call("DisableKey", &p, kSafe));
  return {};
}

Result<void> Client::DeleteKey(std::string_view keyid) {
  auto p = KeyidPayload(keyid);
  EHSM_RETURN_IF_ERROR(Call("DeleteKey", &p, kSafe));
  return {};
}

Result<void> Client::DeleteAllKey() {
  EHSM_RETURN_IF_ERROR(Call("DeleteAllKey", nullptr, kSafe));
  return {};
}

Result<std::string> Client::GetPublicKey(std::string_view keyid) {
  auto p = KeyidPayload(keyid);
  EHSM_ASSIGN_OR_RETURN(json::object r, Call("GetPublicKey", &p, kSafe));
  return GetString(r, "pubkey");
}

Result<Bytes> Client::Encrypt(std::string_view keyid, ByteView plaintext, ByteView aad) {
  json::object p = SecretPayload();
  p["keyid"] = Sv(keyid);
  PutB64(p, "plaintext", plaintext);
  if (!aad.empty()) PutB64(p, "aad", aad);
  EHSM_ASSIGN_OR_RETURN(json::object r, Call("Encrypt", &p, kSafe));
  return GetBase64(r, "ciphertext");
}

Result<SecretBytes> Client::Decrypt(std::string_view keyid, ByteView ciphertext, ByteView aad) {
  json::object p;
  p["keyid"] = Sv(keyid);
  PutB64(p, "ciphertext", ciphertext);
  if (!aad.empty()) PutB64(p, "aad", aad);
  EHSM_ASSIGN_OR_RETURN(json::object r, Call("Decrypt", &p, kSafe));
  return GetBase64Secret(r, "plaintext");
}

Result<DataKey> Client::GenerateDataKey(std::string_view keyid, int keylen, ByteView aad) {
  json::object p;
  p["keyid"] = Sv(keyid);
  p["keylen"] = keylen;
  if (!aad.empty()) PutB64(p, "aad", aad);
  EHSM_ASSIGN_OR_RETURN(json::object r, Call("GenerateDataKey", &p, kSafe));
  DataKey k;
  EHSM_ASSIGN_OR_RETURN(k.plaintext, GetBase64Secret(r, "plaintext"));
  EHSM_ASSIGN_OR_RETURN(k.ciphertext, GetBase64(r, "ciphertext"));
  return k;
}

Result<DataKey> Client::GenerateDataKeyWithoutPlaintext(std::string_view keyid, int keylen,
                                                        ByteView aad) {
  json::object p;
  p["keyid"] = Sv(keyid);
  p["keylen"] = keylen;
  if (!aad.empty()) PutB64(p, "aad", aad);
  EHSM_ASSIGN_OR_RETURN(json::object r, Call("GenerateDataKeyWithoutPlaintext", &p, kSafe));
  DataKey k;
  EHSM_ASSIGN_OR_RETURN(k.ciphertext, GetBase64(r, "ciphertext"));
  return k;
}

Result<Bytes> Client::ExportDataKey(std::string_view keyid, std::string_view ukeyid,
                                    ByteView wrapped_datakey, ByteView aad) {
  json::object p;
  p["keyid"] = Sv(keyid);
  p["ukeyid"] = Sv(ukeyid);
  // The server reads `olddatakey_base` (its documentation says `olddatakey`).
  PutB64(p, "olddatakey_base", wrapped_datakey);
  if (!aad.empty()) PutB64(p, "aad", aad);
  EHSM_ASSIGN_OR_RETURN(json::object r, Call("ExportDataKey", &p, kSafe));
  return GetBase64(r, "newdatakey");
}

Result<Bytes> Client::AsymmetricEncrypt(std::string_view keyid, ByteView plaintext,
                                        std::string_view padding_mode) {
  json::object p = SecretPayload();
  p["keyid"] = Sv(keyid);
  PutB64(p, "plaintext", plaintext);
  p["padding_mode"] = Sv(padding_mode);
  EHSM_ASSIGN_OR_RETURN(json::object r, Call("AsymmetricEncrypt", &p, kSafe));
  return GetBase64(r, "ciphertext");
}

Result<SecretBytes> Client::AsymmetricDecrypt(std::string_view keyid, ByteView ciphertext,
                                              std::string_view padding_mode) {
  json::object p;
  p["keyid"] = Sv(keyid);
  PutB64(p, "ciphertext", ciphertext);
  p["padding_mode"] = Sv(padding_mode);
  EHSM_ASSIGN_OR_RETURN(json::object r, Call("AsymmetricDecrypt", &p, kSafe));
  return GetBase64Secret(r, "plaintext");
}

namespace {
json::object SignPayload(const SignRequest& req) {
  json::object p;
  p["keyid"] = Sv(req.keyid);
  PutB64(p, "message", req.message);
  p["message_type"] = Sv(req.message_type);
  p["digest_mode"] = Sv(req.digest_mode);
  p["padding_mode"] = Sv(req.padding_mode);
  return p;
}
}  // namespace

Result<Bytes> Client::Sign(const SignRequest& request) {
  json::object p = SignPayload(request);
  EHSM_ASSIGN_OR_RETURN(json::object r, Call("Sign", &p, kSafe));
  return GetBase64(r, "signature");
}

Result<bool> Client::Verify(const SignRequest& request, ByteView signature) {
  json::object p = SignPayload(request);
  PutB64(p, "signature", signature);
  EHSM_ASSIGN_OR_RETURN(json::object r, Call("Verify", &p, kSafe));
  return GetBool(r, "result");
}

Result<ImportParameters> Client::GetParametersForImport(std::string_view keyid,
                                                        std::string_view wrapping_keyspec) {
  json::object p;
  p["keyid"] = Sv(keyid);
  p["keyspec"] = Sv(wrapping_keyspec);
  // Not retried: each call replaces the wrapping key pair held by the CMK.
  EHSM_ASSIGN_OR_RETURN(json::object r, Call("GetParametersForImport", &p, kUnsafe));
  ImportParameters out;
  EHSM_ASSIGN_OR_RETURN(out.pubkey_pem, GetString(r, "pubkey"));
  EHSM_ASSIGN_OR_RETURN(out.import_token, GetString(r, "importToken"));
  return out;
}

Result<void> Client::ImportKeyMaterial(std::string_view keyid, std::string_view padding_mode,
                                       ByteView wrapped_material, std::string_view import_token) {
  json::object p;
  p["keyid"] = Sv(keyid);
  p["padding_mode"] = Sv(padding_mode);
  PutB64(p, "key_material", wrapped_material);
  p["importToken"] = Sv(import_token);
  EHSM_ASSIGN_OR_RETURN(json::object r, Call("ImportKeyMaterial", &p, kUnsafe));
  auto ok = GetBool(r, "result");
  if (ok.ok() && !*ok) return Error::Server(200, "ImportKeyMaterial returned result=false");
  return {};
}

Result<void> Client::CreateSecret(const CreateSecretRequest& req) {
  json::object p = SecretPayload();
  p["secretName"] = Sv(req.secret_name);
  p["secretData"] = Sv(req.secret_data);
  if (!req.encryption_key_id.empty()) p["encryptionKeyId"] = Sv(req.encryption_key_id);
  if (!req.description.empty()) p["description"] = Sv(req.description);
  if (!req.rotation_interval.empty()) p["rotationInterval"] = Sv(req.rotation_interval);
  EHSM_RETURN_IF_ERROR(Call("CreateSecret", &p, kUnsafe));
  return {};
}

namespace {
json::object NamePayload(std::string_view name) {
  json::object p;
  p["secretName"] = Sv(name);
  return p;
}
}  // namespace

Result<void> Client::UpdateSecretDesc(std::string_view name, std::string_view description) {
  auto p = NamePayload(name);
  if (!description.empty()) p["description"] = Sv(description);
  EHSM_RETURN_IF_ERROR(Call("UpdateSecretDesc", &p, kSafe));
  return {};
}

Result<void> Client::PutSecretValue(std::string_view name, std::string_view data) {
  json::object p = SecretPayload();
  p["secretName"] = Sv(name);
  p["secretData"] = Sv(data);
  EHSM_RETURN_IF_ERROR(Call("PutSecretValue", &p, kUnsafe));
  return {};
}

Result<SecretVersionList> Client::ListSecretVersionIds(std::string_view name) {
  auto p = NamePayload(name);
  EHSM_ASSIGN_OR_RETURN(json::object r, Call("ListSecretVersionIds", &p, kSafe));
  SecretVersionList out;
  out.secret_name = GetStringOr(r, "secretName", std::string(name));
  out.total_count = GetIntOpt(r, "totalCount").value_or(0);
  if (const json::value* ids = r.if_contains("versionIds"); ids != nullptr && ids->is_array()) {
    for (const auto& item : ids->get_array()) {
      if (!item.is_object()) return Error::Protocol("versionIds entry is not an object");
      SecretVersion v;
      EHSM_ASSIGN_OR_RETURN(v.version_id, GetInt(item.get_object(), "versionId"));
      v.create_time = GetIntOpt(item.get_object(), "createTime").value_or(0);
      out.versions.push_back(v);
    }
  }
  return out;
}

Result<SecretList> Client::ListSecrets(std::string_view name_filter) {
  json::object p;
  if (!name_filter.empty()) p["secretName"] = Sv(name_filter);
  EHSM_ASSIGN_OR_RETURN(json::object r, Call("ListSecrets", &p, kSafe));
  SecretList out;
  out.total_count = GetIntOpt(r, "totalCount").value_or(0);
  if (const json::value* l = r.if_contains("secretList"); l != nullptr && l->is_array()) {
    for (const auto& item : l->get_array()) {
      if (!item.is_object()) return Error::Protocol("secretList entry is not an object");
      const auto& o = item.get_object();
      SecretSummary s;
      EHSM_ASSIGN_OR_RETURN(s.secret_name, GetString(o, "secretName"));
      s.description = GetStringOr(o, "description");
      s.create_time = GetIntOpt(o, "createTime").value_or(0);
      s.planned_delete_time = GetIntOpt(o, "plannedDeleteTime");
      out.secrets.push_back(std::move(s));
    }
  }
  return out;
}

Result<SecretDescription> Client::DescribeSecret(std::string_view name) {
  auto p = NamePayload(name);
  EHSM_ASSIGN_OR_RETURN(json::object r, Call("DescribeSecret", &p, kSafe));
  SecretDescription d;
  if (r.empty()) return d;
  d.found = true;
  d.secret_name = GetStringOr(r, "secretName", std::string(name));
  d.description = GetStringOr(r, "description");
  d.create_time = GetIntOpt(r, "createTime").value_or(0);
  d.planned_delete_time = GetIntOpt(r, "plannedDeleteTime");
  d.rotation_interval = GetStringOr(r, "rotationInterval");
  d.next_rotation_date = GetIntOpt(r, "nextRotationDate");
  return d;
}

Result<void> Client::DeleteSecret(std::string_view name, int recovery_days, bool force) {
  auto p = NamePayload(name);
  if (recovery_days > 0) p["recoveryPeriod"] = recovery_days;
  if (force) p["forceDelete"] = "true";
  EHSM_RETURN_IF_ERROR(Call("DeleteSecret", &p, kUnsafe));
  return {};
}

Result<SecretValue> Client::GetSecretValue(std::string_view name, int64_t version_id) {
  auto p = NamePayload(name);
  if (version_id > 0) p["versionId"] = version_id;
  EHSM_ASSIGN_OR_RETURN(json::object r, Call("GetSecretValue", &p, kSafe));
  SecretValue v;
  if (r.empty()) return v;
  v.found = true;
  v.secret_name = GetStringOr(r, "secretName", std::string(name));
  const json::value* data = r.if_contains("secretData");
  if (data == nullptr || !data->is_string()) {
    return Error::Protocol("reply lacks string field `secretData`");
  }
  v.secret_data = SecretBytes(AsBytes(std::string_view(data->get_string())));
  v.version_id = GetIntOpt(r, "versionId").value_or(0);
  v.create_time = GetIntOpt(r, "createTime").value_or(0);
  return v;
}

Result<void> Client::RestoreSecret(std::string_view name) {
  auto p = NamePayload(name);
  EHSM_RETURN_IF_ERROR(Call("RestoreSecret", &p, kSafe));
  return {};
}

}  // namespace kms::client
