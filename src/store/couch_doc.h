#pragma once
// The CouchDB documents of the store: ids by type prefix and field names close to the upstream
// eHSM documents, blobs as standard base64. Pure functions, no I/O.
//
//   user_info:<appid>  {appid, apikey, cmk, sm_default_cmk, createTime}
//   cmk:<keyid>        {keyid, keyBlob, creator, creationDate, expireTime, alias, keyspec,
//                       origin, keyusage, keyState, rev_n}
//   secret_metadata:<appid>:<hex of name>
//                      {appid, secretName (base64), uid, description (base64, omitted when
//                       none), encryptionKeyId (omitted for the default key), rotationInterval,
//                       nextRotationDate, createTime, deleteTime, plannedDeleteTime (null when
//                       not pending), latestVersionId, latestData (base64), latestCreateTime,
//                       purging}
//   secret_version_data:<uid>:<12-digit version id>
//                      {appid, secretName (base64), uid, versionId, secretData (base64),
//                       createTime}
//
// The metadata id is derived from (appid, name), which makes CouchDB enforce their uniqueness.
// The metadata document carries the current version inline, so adding a version is a single
// conditional write of that document (ids cannot skip or repeat); version documents are copies
// written afterwards, and the copy of the current version may lag behind. `purging` marks a
// secret whose removal has begun: it is invisible and is finished by whoever meets it next.
//
// `rev_n` is the store's int64 revision (records.h); CouchDB's own `_rev` is what makes the
// conditional write safe and is never exposed.

#include <boost/json.hpp>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/status.h"
#include "store/records.h"

namespace kms::store::couch {

inline constexpr std::string_view kTenantPrefix = "user_info:";
inline constexpr std::string_view kKeyPrefix = "cmk:";
inline constexpr std::string_view kSecretPrefix = "secret_metadata:";
inline constexpr std::string_view kSecretVersionPrefix = "secret_version_data:";
// The deployment's domain-key fingerprint: {"_id": kDomainKeyIdDocId, "dk_id": "<hex>"}. Its
// prefix is none of the above, so object counts and listings never see it.
inline constexpr std::string_view kDomainKeyIdDocId = "deployment:domain_key_id";
inline constexpr std::string_view kQuotePolicyPrefix = "quote_policy:";

std::string TenantDocId(std::string_view appid);
std::string KeyDocId(std::string_view keyid);
// Prefix of the ids of every secret of `appid`.
std::string SecretDocPrefix(std::string_view appid);
std::string SecretDocId(std::string_view appid, std::string_view name);
// Prefix of the ids of every version of the secret incarnation `uid`.
std::string SecretVersionDocPrefix(std::string_view uid);
std::string SecretVersionDocId(std::string_view uid, int64_t version_id);
std::string QuotePolicyDocId(std::string_view policy_id);

struct SecretDoc {
  SecretRecord record;
  SecretVersionRecord latest;  // the current version, carried inline
  bool purging = false;
};

// Writes the record's fields into `doc`, keeping fields it does not know (such as `_rev`, or
// fields a newer version added).
void PutTenant(const TenantRecord& tenant, boost::json::object& doc);
void PutKey(const KeyRecord& key, int64_t revision, boost::json::object& doc);
void PutSecret(const SecretDoc& secret, boost::json::object& doc);
void PutSecretVersion(const SecretRecord& secret, const SecretVersionRecord& version,
                      boost::json::object& doc);
void PutQuotePolicy(const QuotePolicyRecord& policy, boost::json::object& doc);

// kDataLoss when a required field is missing, has the wrong type, or a blob is not base64.
// A key without `rev_n` (written by the upstream service) has revision 1.
StatusOr<TenantRecord> ParseTenant(const boost::json::object& doc);
StatusOr<KeyRecord> ParseKey(const boost::json::object& doc);
StatusOr<SecretDoc> ParseSecret(const boost::json::object& doc);
// `current` is left false: whether a version is current is the metadata's to say.
StatusOr<SecretVersionRecord> ParseSecretVersion(const boost::json::object& doc);
StatusOr<QuotePolicyRecord> ParseQuotePolicy(const boost::json::object& doc);

std::string Base64Encode(ByteView data);
// Strict standard base64 with padding; nullopt-like kDataLoss on anything else.
StatusOr<Bytes> Base64Decode(std::string_view text);

}  // namespace kms::store::couch
