// CreateSecret, UpdateSecretDesc, PutSecretValue, GetSecretValue: the secret manager's values.

#include <array>
#include <chrono>
#include <random>
#include <thread>

#include "api/action.h"
#include "api/action_util.h"
#include "api/recipient_release.h"
#include "api/secret_action_util.h"
#include "api/secret_cipher.h"
#include "common/log.h"
#include "crypto/random.h"

namespace kms::api {
namespace {

// Upstream's /^\d{1,4}[d,h,m,s]$/ (the ',' in the class is upstream's; it is refused later).
bool RotationIntervalFormat(std::string_view s) {
  if (s.size() < 2 || s.size() > 5) return false;
  for (size_t i = 0; i + 1 < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return std::string_view("d,hms").find(s.back()) != std::string_view::npos;
}

const std::array kCreateFields = {
    StringField("secretName", Presence::kRequired, 1, kMaxSecretNameLength),
    StringField("secretData", Presence::kRequired, 1, kMaxSecretDataLength),
    UuidField("encryptionKeyId", Presence::kOptional),
    StringField("description", Presence::kOptional, 0, kMaxSecretDescriptionLength),
    StringField("rotationInterval", Presence::kOptional, 0, 5, &RotationIntervalFormat),
};
const std::array kUpdateDescFields = {
    StringField("secretName", Presence::kRequired, 1, kMaxSecretNameLength),
    StringField("description", Presence::kOptional, 0, kMaxSecretDescriptionLength),
};
const std::array kPutFields = {
    StringField("secretName", Presence::kRequired, 1, kMaxSecretNameLength),
    StringField("secretData", Presence::kRequired, 1, kMaxSecretDataLength),
};
const std::array kGetFields = {
    StringField("secretName", Presence::kRequired, 1, kMaxSecretNameLength),
    IntField("versionId", Presence::kOptional, 1, std::nullopt),
};

// The interval in ms if it lies within [6 h, 8760 h]; nullopt otherwise (also for unit ',').
std::optional<int64_t> RotationIntervalMs(std::string_view s) {
  int64_t n = std::stoll(std::string(s.substr(0, s.size() - 1)));
  int64_t unit_ms = 0;
  switch (s.back()) {
    case 'd':
      unit_ms = 86'400'000;
      break;
    case 'h':
      unit_ms = 3'600'000;
      break;
    case 'm':
      unit_ms = 60'000;
      break;
    case 's':
      unit_ms = 1'000;
      break;
    default:
      return std::nullopt;
  }
  int64_t ms = n * unit_ms;
  if (ms < 6 * 3'600'000LL || ms > 8760 * 3'600'000LL) return std::nullopt;
  return ms;
}

void BackOff(int attempt) {
  thread_local std::minstd_rand rng(std::random_device{}());
  std::uniform_int_distribution<int> us(0, 200 * std::min(attempt, 10));
  std::this_thread::sleep_for(std::chrono::microseconds(us(rng)));
}

}  // namespace

Reply CreateSecret(KmsContext& ctx, const ActionRequest& r) {
  KMS_VALIDATE_OR_REPLY(r.payload, kCreateFields);
  std::string name(GetString(r.payload, "secretName"));
  std::string_view data = GetString(r.payload, "secretData");
  std::string keyid(GetString(r.payload, "encryptionKeyId"));
  std::string_view interval = GetString(r.payload, "rotationInterval");

  auto existing = ctx.store().GetSecret(r.appid, name);
  if (existing.ok()) {
    return Reply::BadRequest("Secret name already exists, cannot use the same secret name");
  }
  if (existing.status().code() != Code::kNotFound) return StoreFailure(r, existing.status());
  KMS_ASSIGN_OR_REPLY(SecretCipher cipher, SecretCipher::Open(ctx, r.appid, keyid));

  int64_t now = ctx.clock().NowMs();
  store::SecretRecord s;
  s.appid = r.appid;
  s.name = name;
  KMS_ASSIGN_OR_REPLY(s.uid, crypto::RandomUuid());
  s.description = std::string(GetString(r.payload, "description"));
  s.encryption_keyid = keyid;
  s.create_time_ms = now;
  if (!interval.empty()) {
    std::optional<int64_t> ms = RotationIntervalMs(interval);
    if (!ms) {
      return Reply::BadRequest("The rotation time is less than 6 hours or more than 8760 hours");
    }
    s.rotation_interval = std::string(interval);
    s.next_rotation_time_ms = now + *ms;
  }
  store::SecretVersionRecord first;
  first.version_id = 1;
  first.create_time_ms = now;
  KMS_ASSIGN_OR_REPLY(first.value_blob, cipher.Encrypt(s, 1, data));
  Status created = ctx.store().CreateSecret(s, first);
  if (created.code() == Code::kAlreadyExists) {
    return Reply::BadRequest("Secret name already exists, cannot use the same secret name");
  }
  if (!created.ok()) return StoreFailure(r, created);
  AuditSecret("CreateSecret", r, name, "ok");
  return Reply::Ok("The " + name + " create success.");
}

Reply UpdateSecretDesc(KmsContext& ctx, const ActionRequest& r) {
  KMS_VALIDATE_OR_REPLY(r.payload, kUpdateDescFields);
  std::string name(GetString(r.payload, "secretName"));
  Status s = ctx.store().SetSecretDescription(r.appid, name,
                                              std::string(GetString(r.payload, "description")));
  if (s.code() == Code::kNotFound) return Reply::BadRequest("Cannot find secretName");
  if (s.code() == Code::kFailedPrecondition) {
    return Reply::BadRequest("Can not modify a deleted secret.");
  }
  if (!s.ok()) return StoreFailure(r, s);
  AuditSecret("UpdateSecretDesc", r, name, "ok");
  return Reply::Ok("Update secret description success.");
}

Reply PutSecretValue(KmsContext& ctx, const ActionRequest& r) {
  KMS_VALIDATE_OR_REPLY(r.payload, kPutFields);
  std::string name(GetString(r.payload, "secretName"));
  std::string_view data = GetString(r.payload, "secretData");
  // Optimistic: the store accepts only the next id, so concurrent puts serialise and each
  // loser re-encrypts for the following id (the id is part of the value's binding).
  constexpr int kAttempts = 64;
  for (int attempt = 0; attempt < kAttempts; ++attempt) {
    if (attempt > 0) BackOff(attempt);
    auto secret = ctx.store().GetSecret(r.appid, name);
    if (!secret.ok()) {
      if (secret.status().code() == Code::kNotFound) {
        return Reply::BadRequest("Can not find secretName");
      }
      return StoreFailure(r, secret.status());
    }
    if (secret->pending_deletion()) {
      return Reply::BadRequest("Can not put value for a deleted secret.");
    }
    KMS_ASSIGN_OR_REPLY(SecretCipher cipher,
                        SecretCipher::Open(ctx, r.appid, secret->encryption_keyid));
    store::SecretVersionRecord v;
    v.version_id = secret->latest_version + 1;
    v.create_time_ms = ctx.clock().NowMs();
    KMS_ASSIGN_OR_REPLY(v.value_blob, cipher.Encrypt(*secret, v.version_id, data));
    Status added = ctx.store().AddSecretVersion(r.appid, name, v);
    if (added.code() == Code::kAborted) continue;
    if (added.code() == Code::kNotFound) return Reply::BadRequest("Can not find secretName");
    if (added.code() == Code::kFailedPrecondition) {
      return Reply::BadRequest("Can not put value for a deleted secret.");
    }
    if (!added.ok()) return StoreFailure(r, added);
    AuditSecret("PutSecretValue", r, name, "ok", v.version_id);
    return Reply::Ok("The " + name + " new version put success.");
  }
  log::Warn("secret.put_contended", {{"rid", r.request_id}, {"attempts", kAttempts}});
  return Reply::ServerError("Server busy, please retry later.");
}

Reply GetSecretValue(KmsContext& ctx, const ActionRequest& r) {
  KMS_VALIDATE_OR_REPLY(r.payload, kGetFields);
  std::string name(GetString(r.payload, "secretName"));
  int64_t wanted = GetInt(r.payload, "versionId").value_or(0);
  auto secret = ctx.store().GetSecret(r.appid, name);
  if (!secret.ok() && secret.status().code() != Code::kNotFound) {
    return StoreFailure(r, secret.status());
  }
  if (!secret.ok() || secret->pending_deletion()) {
    return Reply::BadRequest("Can't find the " + name + "'s value.");
  }
  auto version = ctx.store().GetSecretVersion(r.appid, name, wanted);
  if (!version.ok()) {
    if (version.status().code() == Code::kNotFound) return Reply::Ok("successful");
    return StoreFailure(r, version.status());
  }
  KMS_ASSIGN_OR_REPLY(std::optional<Recipient> recipient, CheckRecipient(ctx, r));
  KMS_ASSIGN_OR_REPLY(SecretCipher cipher,
                      SecretCipher::Open(ctx, r.appid, secret->encryption_keyid));
  auto value = cipher.Decrypt(*secret, *version);
  if (!value.ok()) {
    // The secret may have been deleted and created again between the two reads; otherwise the
    // stored value is damaged or was moved here from elsewhere.
    log::Error("secret.decrypt_failed", {{"rid", r.request_id},
                                         {"version", version->version_id},
                                         {"status", value.status().ToString()}});
    return FromStatus(value.status());
  }
  boost::json::object result;
  result["secretName"] = name;
  if (recipient) {
    KMS_ASSIGN_OR_REPLY(result["recipient"], SealForRecipient(*recipient, value->view()));
  } else {
    result["secretData"] = boost::json::string(AsChars(value->view()));
  }
  result["versionId"] = version->version_id;
  result["createTime"] = version->create_time_ms;
  AuditSecret("GetSecretValue", r, name, "ok", version->version_id);
  return Reply::Ok("successful", std::move(result));
}

}  // namespace kms::api
