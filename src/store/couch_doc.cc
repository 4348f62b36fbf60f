#include "store/couch_doc.h"

#include <cmath>
#include <cstdint>
#include <optional>

#include "crypto/base64.h"

namespace kms::store::couch {
namespace json = boost::json;
namespace {

Status Corrupt(std::string_view doc_kind, std::string_view field) {
  return Status::DataLoss("couchdb " + std::string(doc_kind) + " document: field '" +
                          std::string(field) + "' missing or malformed");
}

StatusOr<std::string> GetString(const json::object& doc, std::string_view kind,
                                std::string_view field) {
  const json::value* v = doc.if_contains(field);
  if (v == nullptr || !v->is_string()) return Corrupt(kind, field);
  return std::string(v->get_string());
}

// Missing is allowed (upstream documents lack some fields); a wrong type is not.
StatusOr<std::string> GetOptionalString(const json::object& doc, std::string_view kind,
                                        std::string_view field) {
  const json::value* v = doc.if_contains(field);
  if (v == nullptr || v->is_null()) return std::string();
  if (!v->is_string()) return Corrupt(kind, field);
  return std::string(v->get_string());
}

// Upstream writes JavaScript numbers, which may arrive as doubles.
StatusOr<int64_t> GetInt(const json::object& doc, std::string_view kind, std::string_view field,
                         std::optional<int64_t> fallback) {
  const json::value* v = doc.if_contains(field);
  if (v == nullptr || v->is_null()) {
    if (fallback) return *fallback;
    return Corrupt(kind, field);
  }
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
    return static_cast<int64_t>(v->get_uint64());
  }
  if (v->is_double()) {
    double d = v->get_double();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.0e15) {
      return static_cast<int64_t>(d);
    }
  }
  return Corrupt(kind, field);
}

StatusOr<Bytes> GetBlob(const json::object& doc, std::string_view kind, std::string_view field) {
  KMS_ASSIGN_OR_RETURN(std::string text, GetOptionalString(doc, kind, field));
  auto bytes = Base64Decode(text);
  if (!bytes.ok()) return Corrupt(kind, field);
  return std::move(bytes).value();
}

}  // namespace

std::string TenantDocId(std::string_view appid) {
  return std::string(kTenantPrefix) + std::string(appid);
}
std::string KeyDocId(std::string_view keyid) {
  return std::string(kKeyPrefix) + std::string(keyid);
}

std::string SecretDocPrefix(std::string_view appid) {
  return std::string(kSecretPrefix) + std::string(appid) + ":";
}

std::string SecretDocId(std::string_view appid, std::string_view name) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string id = SecretDocPrefix(appid);
  for (unsigned char c : name) {
    id.push_back(kHex[c >> 4]);
    id.push_back(kHex[c & 15]);
  }
  return id;
}

std::string SecretVersionDocPrefix(std::string_view uid) {
  return std::string(kSecretVersionPrefix) + std::string(uid) + ":";
}

std::string SecretVersionDocId(std::string_view uid, int64_t version_id) {
  // Zero-padded so the ids of one secret sort by version.
  std::string digits = std::to_string(version_id);
  if (digits.size() < 12) digits.insert(0, 12 - digits.size(), '0');
  return SecretVersionDocPrefix(uid) + digits;
}

std::string QuotePolicyDocId(std::string_view policy_id) {
  return std::string(kQuotePolicyPrefix) + std::string(policy_id);
}

void PutTenant(const TenantRecord& tenant, json::object& doc) {
  doc["_id"] = TenantDocId(tenant.appid);
  doc["appid"] = tenant.appid;
  doc["apikey"] = Base64Encode(tenant.apikey_blob);
  doc["cmk"] = Base64Encode(tenant.cmk_blob);
  doc["sm_default_cmk"] = Base64Encode(tenant.sm_default_cmk_blob);
  doc["createTime"] = tenant.create_time_ms;
}

void PutKey(const KeyRecord& key, int64_t revision, json::object& doc) {
  doc["_id"] = KeyDocId(key.keyid);
  doc["keyid"] = key.keyid;
  doc["keyBlob"] = Base64Encode(key.key_blob);
  doc["creator"] = key.creator;
  doc["creationDate"] = key.creation_date_ms;
  doc["expireTime"] = key.expire_time_ms;
  doc["alias"] = key.alias;
  doc["keyspec"] = key.keyspec;
  doc["origin"] = key.origin;
  doc["keyusage"] = key.keyusage;
  doc["keyState"] = key.key_state;
  doc["rev_n"] = revision;
}

void PutSecret(const SecretDoc& secret, json::object& doc) {
  const SecretRecord& r = secret.record;
  doc["_id"] = SecretDocId(r.appid, r.name);
  doc["appid"] = r.appid;
  doc["secretName"] = Base64Encode(AsBytes(r.name));
  doc["uid"] = r.uid;
  if (r.description.empty()) {
    doc.erase("description");
  } else {
    doc["description"] = Base64Encode(AsBytes(r.description));
  }
  if (r.encryption_keyid.empty()) {
    doc.erase("encryptionKeyId");
  } else {
    doc["encryptionKeyId"] = r.encryption_keyid;
  }
  doc["rotationInterval"] = r.rotation_interval;
  doc["nextRotationDate"] = r.next_rotation_time_ms;
  doc["createTime"] = r.create_time_ms;
  if (r.planned_delete_time_ms == 0) {
    doc["deleteTime"] = nullptr;
    doc["plannedDeleteTime"] = nullptr;
  } else {
    doc["deleteTime"] = r.delete_time_ms;
    doc["plannedDeleteTime"] = r.planned_delete_time_ms;
  }
  doc["latestVersionId"] = secret.latest.version_id;
  doc["latestData"] = Base64Encode(secret.latest.value_blob);
  doc["latestCreateTime"] = secret.latest.create_time_ms;
  doc["purging"] = secret.purging;
}

void PutSecretVersion(const SecretRecord& secret, const SecretVersionRecord& version,
                      json::object& doc) {
  doc["_id"] = SecretVersionDocId(secret.uid, version.version_id);
  doc["appid"] = secret.appid;
  doc["secretName"] = Base64Encode(AsBytes(secret.name));
  doc["uid"] = secret.uid;
  doc["versionId"] = version.version_id;
  doc["secretData"] = Base64Encode(version.value_blob);
  doc["createTime"] = version.create_time_ms;
}

StatusOr<SecretDoc> ParseSecret(const json::object& doc) {
  constexpr std::string_view kKind = "secret_metadata";
  SecretDoc d;
  SecretRecord& r = d.record;
  KMS_ASSIGN_OR_RETURN(r.appid, GetString(doc, kKind, "appid"));
  KMS_ASSIGN_OR_RETURN(Bytes name, GetBlob(doc, kKind, "secretName"));
  r.name.assign(AsChars(name));
  KMS_ASSIGN_OR_RETURN(r.uid, GetString(doc, kKind, "uid"));
  KMS_ASSIGN_OR_RETURN(Bytes description, GetBlob(doc, kKind, "description"));
  r.description.assign(AsChars(description));
  KMS_ASSIGN_OR_RETURN(r.encryption_keyid, GetOptionalString(doc, kKind, "encryptionKeyId"));
  KMS_ASSIGN_OR_RETURN(r.rotation_interval, GetOptionalString(doc, kKind, "rotationInterval"));
  KMS_ASSIGN_OR_RETURN(r.next_rotation_time_ms, GetInt(doc, kKind, "nextRotationDate", 0));
  KMS_ASSIGN_OR_RETURN(r.create_time_ms, GetInt(doc, kKind, "createTime", 0));
  KMS_ASSIGN_OR_RETURN(r.delete_time_ms, GetInt(doc, kKind, "deleteTime", 0));
  KMS_ASSIGN_OR_RETURN(r.planned_delete_time_ms, GetInt(doc, kKind, "plannedDeleteTime", 0));
  KMS_ASSIGN_OR_RETURN(r.latest_version, GetInt(doc, kKind, "latestVersionId", std::nullopt));
  d.latest.version_id = r.latest_version;
  d.latest.current = true;
  KMS_ASSIGN_OR_RETURN(d.latest.value_blob, GetBlob(doc, kKind, "latestData"));
  KMS_ASSIGN_OR_RETURN(d.latest.create_time_ms, GetInt(doc, kKind, "latestCreateTime", 0));
  const json::value* purging = doc.if_contains("purging");
  if (purging != nullptr && !purging->is_null()) {
    if (!purging->is_bool()) return Corrupt(kKind, "purging");
    d.purging = purging->get_bool();
  }
  return d;
}

StatusOr<SecretVersionRecord> ParseSecretVersion(const json::object& doc) {
  constexpr std::string_view kKind = "secret_version_data";
  SecretVersionRecord v;
  KMS_ASSIGN_OR_RETURN(v.version_id, GetInt(doc, kKind, "versionId", std::nullopt));
  KMS_ASSIGN_OR_RETURN(v.value_blob, GetBlob(doc, kKind, "secretData"));
  KMS_ASSIGN_OR_RETURN(v.create_time_ms, GetInt(doc, kKind, "createTime", 0));
  return v;
}

void PutQuotePolicy(const QuotePolicyRecord& policy, json::object& doc) {
  doc["_id"] = QuotePolicyDocId(policy.policy_id);
  doc["appid"] = policy.appid;
  doc["policyId"] = policy.policy_id;
  doc["mr_enclave"] = policy.mr_enclave;
  doc["mr_signer"] = policy.mr_signer;
  doc["createTime"] = policy.create_time_ms;
}

StatusOr<QuotePolicyRecord> ParseQuotePolicy(const json::object& doc) {
  constexpr std::string_view kKind = "quote_policy";
  QuotePolicyRecord p;
  KMS_ASSIGN_OR_RETURN(p.policy_id, GetString(doc, kKind, "policyId"));
  KMS_ASSIGN_OR_RETURN(p.appid, GetString(doc, kKind, "appid"));
  KMS_ASSIGN_OR_RETURN(p.mr_enclave, GetString(doc, kKind, "mr_enclave"));
  KMS_ASSIGN_OR_RETURN(p.mr_signer, GetString(doc, kKind, "mr_signer"));
  KMS_ASSIGN_OR_RETURN(p.create_time_ms, GetInt(doc, kKind, "createTime", 0));
  return p;
}

StatusOr<TenantRecord> ParseTenant(const json::object& doc) {
  constexpr std::string_view kKind = "user_info";
  TenantRecord t;
  KMS_ASSIGN_OR_RETURN(t.appid, GetString(doc, kKind, "appid"));
  KMS_ASSIGN_OR_RETURN(t.apikey_blob, GetBlob(doc, kKind, "apikey"));
  KMS_ASSIGN_OR_RETURN(t.cmk_blob, GetBlob(doc, kKind, "cmk"));
  KMS_ASSIGN_OR_RETURN(t.sm_default_cmk_blob, GetBlob(doc, kKind, "sm_default_cmk"));
  KMS_ASSIGN_OR_RETURN(t.create_time_ms, GetInt(doc, kKind, "createTime", 0));
  return t;
}

StatusOr<KeyRecord> ParseKey(const json::object& doc) {
  constexpr std::string_view kKind = "cmk";
  KeyRecord k;
  KMS_ASSIGN_OR_RETURN(k.keyid, GetString(doc, kKind, "keyid"));
  KMS_ASSIGN_OR_RETURN(k.creator, GetString(doc, kKind, "creator"));
  KMS_ASSIGN_OR_RETURN(k.keyspec, GetOptionalString(doc, kKind, "keyspec"));
  KMS_ASSIGN_OR_RETURN(k.origin, GetOptionalString(doc, kKind, "origin"));
  KMS_ASSIGN_OR_RETURN(k.keyusage, GetOptionalString(doc, kKind, "keyusage"));
  KMS_ASSIGN_OR_RETURN(k.key_blob, GetBlob(doc, kKind, "keyBlob"));
  KMS_ASSIGN_OR_RETURN(k.creation_date_ms, GetInt(doc, kKind, "creationDate", 0));
  KMS_ASSIGN_OR_RETURN(k.expire_time_ms, GetInt(doc, kKind, "expireTime", 0));
  KMS_ASSIGN_OR_RETURN(k.alias, GetOptionalString(doc, kKind, "alias"));
  KMS_ASSIGN_OR_RETURN(int64_t state, GetInt(doc, kKind, "keyState", std::nullopt));
  k.key_state = static_cast<int>(state);
  KMS_ASSIGN_OR_RETURN(k.revision, GetInt(doc, kKind, "rev_n", 1));
  return k;
}

std::string Base64Encode(ByteView data) { return crypto::Base64Encode(data); }

StatusOr<Bytes> Base64Decode(std::string_view text) {
  auto bytes = crypto::Base64Decode(text);
  // Documents hold only what Base64Encode wrote: one encoding per byte string, so anything
  // else (bad characters, or unused low bits set) means the stored document was altered.
  if (!bytes.ok() || crypto::Base64Encode(*bytes) != text) {
    return Status::DataLoss("base64 is malformed or not canonical");
  }
  return std::move(*bytes);
}

}  // namespace kms::store::couch
