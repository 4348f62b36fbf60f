// ListSecretVersionIds, ListSecrets, DescribeSecret: read-only views of the secret manager.

#include <array>

#include "api/action.h"
#include "api/action_util.h"
#include "api/secret_action_util.h"

namespace kms::api {
namespace {

const std::array kNameFields = {
    StringField("secretName", Presence::kRequired, 1, kMaxSecretNameLength),
};
const std::array kListFields = {
    StringField("secretName", Presence::kOptional, 1, kMaxSecretNameLength),
};

}  // namespace

Reply ListSecretVersionIds(KmsContext& ctx, const ActionRequest& r) {
  KMS_VALIDATE_OR_REPLY(r.payload, kNameFields);
  std::string name(GetString(r.payload, "secretName"));
  boost::json::array ids;
  auto secret = ctx.store().GetSecret(r.appid, name);
  if (!secret.ok() && secret.status().code() != Code::kNotFound) {
    return StoreFailure(r, secret.status());
  }
  // A missing secret, or one pending deletion, has no versions to show (and is no error).
  if (secret.ok() && !secret->pending_deletion()) {
    auto versions = ctx.store().ListSecretVersions(r.appid, name);
    if (!versions.ok() && versions.status().code() != Code::kNotFound) {
      return StoreFailure(r, versions.status());
    }
    if (versions.ok()) {
      ids.reserve(versions->size());
      for (const store::SecretVersionRecord& v : *versions) {
        ids.push_back({{"versionId", v.version_id}, {"createTime", v.create_time_ms}});
      }
    }
  }
  boost::json::object result;
  result["secretName"] = name;
  result["totalCount"] = ids.size();
  result["versionIds"] = std::move(ids);
  return Reply::Ok("List secret versionIds success.", std::move(result));
}

Reply ListSecrets(KmsContext& ctx, const ActionRequest& r) {
  KMS_VALIDATE_OR_REPLY(r.payload, kListFields);
  std::string_view filter = GetString(r.payload, "secretName");
  auto secrets = ctx.store().ListSecrets(r.appid);
  if (!secrets.ok()) return StoreFailure(r, secrets.status());
  boost::json::array list;
  for (const store::SecretRecord& s : *secrets) {
    if (!filter.empty() && s.name != filter) continue;
    boost::json::object o;
    o["secretName"] = s.name;
    if (!s.description.empty()) o["description"] = s.description;
    o["createTime"] = s.create_time_ms;
    if (s.pending_deletion()) o["plannedDeleteTime"] = s.planned_delete_time_ms;
    list.push_back(std::move(o));
  }
  boost::json::object result;
  result["totalCount"] = list.size();
  result["secretList"] = std::move(list);
  return Reply::Ok("List secrets success.", std::move(result));
}

Reply DescribeSecret(KmsContext& ctx, const ActionRequest& r) {
  KMS_VALIDATE_OR_REPLY(r.payload, kNameFields);
  std::string name(GetString(r.payload, "secretName"));
  auto secret = ctx.store().GetSecret(r.appid, name);
  if (!secret.ok()) {
    if (secret.status().code() == Code::kNotFound) return Reply::Ok("Describe secrets success.");
    return StoreFailure(r, secret.status());
  }
  const store::SecretRecord& s = *secret;
  boost::json::object result;
  result["secretName"] = s.name;
  if (!s.description.empty()) result["description"] = s.description;
  result["createTime"] = s.create_time_ms;
  if (s.pending_deletion()) result["plannedDeleteTime"] = s.planned_delete_time_ms;
  if (!s.rotation_interval.empty()) {
    result["rotationInterval"] = s.rotation_interval;
    result["lastRotationDate"] = "";  // no rotation is ever performed
    result["nextRotationDate"] = s.next_rotation_time_ms;
  }
  return Reply::Ok("Describe secrets success.", std::move(result));
}

}  // namespace kms::api
