#pragma once
// The CouchDB documents of the store: ids by type prefix and field names close to the upstream
// eHSM documents, blobs as standard base64. Pure functions, no I/O.
//
//   user_info:<appid>  {appid, apikey, cmk, sm_default_cmk, createTime}
//   cmk:<keyid>        {keyid, keyBlob, creator, creationDate, expireTime, alias, keyspec,
//                       origin, keyusage, keyState, rev_n}
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

std::string TenantDocId(std::string_view appid);
std::string KeyDocId(std::string_view keyid);

// Writes the record's fields into `doc`, keeping fields it does not know (such as `_rev`, or
// fields a newer version added).
void PutTenant(const TenantRecord& tenant, boost::json::object& doc);
void PutKey(const KeyRecord& key, int64_t revision, boost::json::object& doc);

// kDataLoss when a required field is missing, has the wrong type, or a blob is not base64.
// A key without `rev_n` (written by the upstream service) has revision 1.
StatusOr<TenantRecord> ParseTenant(const boost::json::object& doc);
StatusOr<KeyRecord> ParseKey(const boost::json::object& doc);

std::string Base64Encode(ByteView data);
// Strict standard base64 with padding; nullopt-like kDataLoss on anything else.
StatusOr<Bytes> Base64Decode(std::string_view text);

}  // namespace kms::store::couch
