#include "store/couch_store.h"

#include <algorithm>
#include <chrono>
#include <random>
#include <thread>
#include <unordered_set>
#include <utility>

#include "common/log.h"
#include "store/couch_doc.h"

namespace kms::store {
namespace json = boost::json;
namespace {

// One Mango index serves every key query: equality on creator, keyset paging on keyid.
constexpr std::string_view kIndexDdoc = "ehsm-kms-cmk";
constexpr std::string_view kIndexName = "cmk-by-creator-keyid";

bool IsSuccess(long status) { return status == 200 || status == 201 || status == 202; }

// A JSON string literal, percent-encoded for a query parameter (CouchDB's startkey/endkey).
std::string JsonParam(std::string_view s) {
  return UrlEncode(json::serialize(json::value(json::string(s))));
}

// One page of _all_docs over the ids that start with `prefix`, from the id `from` on.
std::string AllDocsPage(std::string_view db_path, std::string_view prefix, std::string_view from,
                        int limit, bool include_docs) {
  const std::string end = std::string(prefix) + "\xEF\xBF\xB0";  // U+FFF0 sorts after any id
  return std::string(db_path) + "/_all_docs?limit=" + std::to_string(limit) +
         "&startkey=" + JsonParam(from) + "&endkey=" + JsonParam(end) +
         (include_docs ? "&include_docs=true" : "");
}

std::string ErrorText(const json::value& body) {
  if (!body.is_object()) return "";
  std::string out;
  if (const auto* e = body.as_object().if_contains("error"); e && e->is_string()) {
    out = std::string(e->get_string());
  }
  if (const auto* r = body.as_object().if_contains("reason"); r && r->is_string()) {
    out += (out.empty() ? "" : ": ") + std::string(r->get_string());
  }
  return out;
}

}  // namespace

StatusOr<std::unique_ptr<CouchStore>> CouchStore::Open(CouchOptions options) {
  KMS_RETURN_IF_ERROR(NormalizeCouchOptions(options));
  if (options.page_size < 2) return Status::InvalidArgument("couchdb page_size must be >= 2");
  if (options.conflict_retries < 1) {
    return Status::InvalidArgument("couchdb conflict_retries must be >= 1");
  }
  KMS_ASSIGN_OR_RETURN(std::unique_ptr<CouchHttp> http, CouchHttp::New(options));
  auto store = std::unique_ptr<CouchStore>(new CouchStore(std::move(options), std::move(http)));
  KMS_RETURN_IF_ERROR(store->EnsureDatabase());
  log::Info("store.couchdb.open", {{"store", store->Describe()}});
  return store;
}

CouchStore::CouchStore(CouchOptions options, std::unique_ptr<CouchHttp> http)
    : options_(std::move(options)),
      http_(std::move(http)),
      db_path_(UrlEncode(options_.database)) {
  // Not "/" + UrlEncode(...): g++ 12 at -O3 reports a false -Wrestrict overlap for it.
  db_path_.insert(db_path_.begin(), '/');
}

std::string CouchStore::Describe() const {
  return "couchdb:" + http_->base_url() + "/" + options_.database;
}

// GET of the database's info document: constant size, and it fails when the database was
// deleted under us as well as when the server is down.
Status CouchStore::Ping() {
  KMS_ASSIGN_OR_RETURN(Reply info, Call("GET", db_path_));
  if (info.status != 200) return Unexpected("database info", info);
  return Status::Ok();
}

StatusOr<CouchStore::Reply> CouchStore::Call(std::string_view method, const std::string& path,
                                             const json::value* body) {
  std::string text;
  if (body != nullptr) text = json::serialize(*body);
  KMS_ASSIGN_OR_RETURN(HttpResponse response,
                       http_->Request(method, path, body != nullptr ? &text : nullptr));
  Reply reply;
  reply.status = response.status;
  if (!response.body.empty()) {
    boost::system::error_code ec;
    json::value parsed = json::parse(response.body, ec);
    if (!ec) reply.body = std::move(parsed);
  }
  return reply;
}

Status CouchStore::Unexpected(std::string_view what, const Reply& reply) const {
  std::string msg = "couchdb " + std::string(what) + " on " + Describe() + ": HTTP " +
                    std::to_string(reply.status);
  std::string detail = ErrorText(reply.body);
  if (!detail.empty()) msg += " (" + detail + ")";
  if (reply.status >= 500) return Status::Unavailable(std::move(msg));
  if (reply.status == 401 || reply.status == 403) {
    return Status::Internal(msg + "; check the configured couchdb user and password");
  }
  return Status::Internal(std::move(msg));
}

Status CouchStore::EnsureDatabase() {
  KMS_ASSIGN_OR_RETURN(Reply info, Call("GET", db_path_));
  if (info.status == 404) {
    KMS_ASSIGN_OR_RETURN(Reply created, Call("PUT", db_path_));
    // 412: another process created it in the meantime.
    if (!IsSuccess(created.status) && created.status != 412) {
      return Unexpected("create database", created);
    }
  } else if (info.status != 200) {
    return Unexpected("open database", info);
  }
  // Creating an existing index answers {"result":"exists"}, so this is idempotent.
  json::value index = {
      {"index", {{"fields", json::array{"creator", "keyid"}}}},
      {"ddoc", kIndexDdoc},
      {"name", kIndexName},
      {"type", "json"},
  };
  KMS_ASSIGN_OR_RETURN(Reply idx, Call("POST", db_path_ + "/_index", &index));
  if (!IsSuccess(idx.status)) return Unexpected("create index", idx);
  return Status::Ok();
}

Status CouchStore::DropDatabase() {
  KMS_ASSIGN_OR_RETURN(Reply reply, Call("DELETE", db_path_));
  if (IsSuccess(reply.status) || reply.status == 404) return Status::Ok();
  return Unexpected("delete database", reply);
}

StatusOr<json::object> CouchStore::GetDoc(const std::string& id) {
  KMS_ASSIGN_OR_RETURN(Reply reply, Call("GET", db_path_ + "/" + UrlEncode(id)));
  if (reply.status == 404) return Status::NotFound(id + " not found");
  if (reply.status != 200) return Unexpected("read " + id, reply);
  if (!reply.body.is_object()) return Status::DataLoss("couchdb document " + id + " is not JSON");
  return std::move(reply.body.as_object());
}

Status CouchStore::PutDoc(const std::string& id, const json::object& doc) {
  json::value body(doc);
  KMS_ASSIGN_OR_RETURN(Reply reply, Call("PUT", db_path_ + "/" + UrlEncode(id), &body));
  if (IsSuccess(reply.status)) return Status::Ok();
  if (reply.status == 409) return Status::Aborted(id + " was changed concurrently");
  if (reply.status == 404) return Status::NotFound(id + " not found");
  return Unexpected("write " + id, reply);
}

void CouchStore::BackOff(int attempt) const {
  thread_local std::minstd_rand rng(std::random_device{}());
  int cap_ms = 1 << std::min(attempt, 5);
  std::uniform_int_distribution<int> dist(0, cap_ms * 1000);
  std::this_thread::sleep_for(std::chrono::microseconds(dist(rng)));
}

// --- tenants

Status CouchStore::CreateTenant(const TenantRecord& tenant) {
  if (tenant.appid.empty()) return Status::InvalidArgument("tenant appid is empty");
  json::object doc;
  couch::PutTenant(tenant, doc);
  Status s = PutDoc(couch::TenantDocId(tenant.appid), doc);
  if (s.code() == Code::kAborted) {
    return Status::AlreadyExists("tenant " + tenant.appid + " already exists");
  }
  return s;
}

StatusOr<TenantRecord> CouchStore::GetTenant(const std::string& appid) {
  auto doc = GetDoc(couch::TenantDocId(appid));
  if (!doc.ok()) {
    if (doc.status().code() == Code::kNotFound) {
      return Status::NotFound("tenant " + appid + " not found");
    }
    return doc.status();
  }
  return couch::ParseTenant(*doc);
}

// --- quote policies

Status CouchStore::CreateQuotePolicy(const QuotePolicyRecord& policy) {
  if (policy.policy_id.empty()) return Status::InvalidArgument("policy id is empty");
  json::object doc;
  couch::PutQuotePolicy(policy, doc);
  Status s = PutDoc(couch::QuotePolicyDocId(policy.policy_id), doc);
  if (s.code() == Code::kAborted) {
    return Status::AlreadyExists("quote policy " + policy.policy_id + " already exists");
  }
  return s;
}

StatusOr<QuotePolicyRecord> CouchStore::GetQuotePolicy(const std::string& appid,
                                                       const std::string& policy_id) {
  const Status not_found = Status::NotFound("quote policy " + policy_id + " not found");
  auto doc = GetDoc(couch::QuotePolicyDocId(policy_id));
  if (!doc.ok()) return doc.status().code() == Code::kNotFound ? not_found : doc.status();
  KMS_ASSIGN_OR_RETURN(QuotePolicyRecord p, couch::ParseQuotePolicy(*doc));
  if (p.appid != appid || p.policy_id != policy_id) return not_found;
  return p;
}

// --- keys

Status CouchStore::CreateKey(const KeyRecord& key) {
  if (key.keyid.empty()) return Status::InvalidArgument("keyid is empty");
  json::object doc;
  couch::PutKey(key, /*revision=*/1, doc);
  Status s = PutDoc(couch::KeyDocId(key.keyid), doc);
  if (s.code() == Code::kAborted) {
    return Status::AlreadyExists("key " + key.keyid + " already exists");
  }
  return s;
}

StatusOr<KeyRecord> CouchStore::GetKey(const std::string& keyid) {
  auto doc = GetDoc(couch::KeyDocId(keyid));
  if (!doc.ok()) {
    if (doc.status().code() == Code::kNotFound)
      return Status::NotFound("key " + keyid + " not found");
    return doc.status();
  }
  return couch::ParseKey(*doc);
}

StatusOr<std::vector<json::object>> CouchStore::FindKeys(const std::string& creator,
                                                         const std::string& after, bool ids_only) {
  json::object query = {
      {"selector", {{"creator", creator}, {"keyid", {{"$gt", after}}}}},
      {"sort", json::array{{{"creator", "asc"}}, {{"keyid", "asc"}}}},
      {"limit", options_.page_size},
      {"use_index", json::array{kIndexDdoc, kIndexName}},
  };
  if (ids_only) query["fields"] = json::array{"_id", "_rev", "keyid"};
  json::value body(std::move(query));
  KMS_ASSIGN_OR_RETURN(Reply reply, Call("POST", db_path_ + "/_find", &body));
  if (reply.status != 200) return Unexpected("find keys", reply);
  const json::value* docs =
      reply.body.is_object() ? reply.body.as_object().if_contains("docs") : nullptr;
  if (docs == nullptr || !docs->is_array()) return Status::Internal("couchdb _find: no docs");
  std::vector<json::object> out;
  out.reserve(docs->as_array().size());
  for (const json::value& d : docs->as_array()) {
    if (!d.is_object()) return Status::Internal("couchdb _find: doc is not an object");
    out.push_back(d.as_object());
  }
  return out;
}

StatusOr<std::vector<KeyRecord>> CouchStore::ListKeys(const std::string& creator) {
  std::vector<KeyRecord> keys;
  std::unordered_set<std::string> seen;
  std::string after;
  // A short page does not mean the end: pouchdb-server applies the limit before dropping the
  // `$gt` boundary row. Only an empty page does. The order is the server's string collation
  // (ICU on CouchDB), which `$gt` follows too, so `after` is taken as the server gives it.
  while (true) {
    KMS_ASSIGN_OR_RETURN(std::vector<json::object> page, FindKeys(creator, after, false));
    if (page.empty()) break;
    size_t fresh = 0;
    for (const json::object& doc : page) {
      KMS_ASSIGN_OR_RETURN(KeyRecord key, couch::ParseKey(doc));
      after = key.keyid;
      if (!seen.insert(key.keyid).second) continue;
      ++fresh;
      keys.push_back(std::move(key));
    }
    if (fresh == 0) return Status::Internal("couchdb _find: key paging made no progress");
  }
  std::sort(keys.begin(), keys.end(), [](const KeyRecord& a, const KeyRecord& b) {
    if (a.creation_date_ms != b.creation_date_ms) return a.creation_date_ms < b.creation_date_ms;
    return a.keyid < b.keyid;
  });
  return keys;
}

StatusOr<int64_t> CouchStore::UpdateKey(const KeyRecord& key) {
  const std::string id = couch::KeyDocId(key.keyid);
  auto doc = GetDoc(id);
  if (!doc.ok()) {
    if (doc.status().code() == Code::kNotFound) {
      return Status::NotFound("key " + key.keyid + " not found");
    }
    return doc.status();
  }
  KMS_ASSIGN_OR_RETURN(KeyRecord current, couch::ParseKey(*doc));
  if (current.revision != key.revision) {
    return Status::Aborted("key " + key.keyid + " is at revision " +
                           std::to_string(current.revision) + ", not " +
                           std::to_string(key.revision));
  }
  const int64_t next = current.revision + 1;
  // The fetched document keeps its _rev, so the PUT fails if anyone wrote in between.
  couch::PutKey(key, next, *doc);
  Status s = PutDoc(id, *doc);
  if (s.code() == Code::kAborted) {
    return Status::Aborted("key " + key.keyid + " was changed concurrently");
  }
  if (s.code() == Code::kNotFound) return Status::NotFound("key " + key.keyid + " not found");
  KMS_RETURN_IF_ERROR(s);
  return next;
}

Status CouchStore::SetKeyState(const std::string& keyid, const std::string& creator,
                               int key_state) {
  const std::string id = couch::KeyDocId(keyid);
  for (int attempt = 0; attempt < options_.conflict_retries; ++attempt) {
    if (attempt > 0) BackOff(attempt);
    auto doc = GetDoc(id);
    if (!doc.ok()) {
      if (doc.status().code() == Code::kNotFound)
        return Status::NotFound("key " + keyid + " not found");
      return doc.status();
    }
    KMS_ASSIGN_OR_RETURN(KeyRecord current, couch::ParseKey(*doc));
    if (current.creator != creator) return Status::NotFound("key " + keyid + " not found");
    (*doc)["keyState"] = key_state;
    (*doc)["rev_n"] = current.revision + 1;
    Status s = PutDoc(id, *doc);
    if (s.code() == Code::kAborted) continue;
    if (s.code() == Code::kNotFound) return Status::NotFound("key " + keyid + " not found");
    return s;
  }
  return Status::Aborted("key " + keyid + ": state not set after " +
                         std::to_string(options_.conflict_retries) + " conflicting attempts");
}

StatusOr<bool> CouchStore::DeleteKey(const std::string& keyid, const std::string& creator) {
  const std::string id = couch::KeyDocId(keyid);
  for (int attempt = 0; attempt < options_.conflict_retries; ++attempt) {
    if (attempt > 0) BackOff(attempt);
    auto doc = GetDoc(id);
    if (!doc.ok()) {
      if (doc.status().code() == Code::kNotFound) return false;
      return doc.status();
    }
    KMS_ASSIGN_OR_RETURN(KeyRecord current, couch::ParseKey(*doc));
    if (current.creator != creator) return false;
    const json::value* rev = doc->if_contains("_rev");
    if (rev == nullptr || !rev->is_string()) return Status::Internal("couchdb doc without _rev");
    KMS_ASSIGN_OR_RETURN(Reply reply, Call("DELETE", db_path_ + "/" + UrlEncode(id) +
                                                         "?rev=" + UrlEncode(rev->get_string())));
    if (IsSuccess(reply.status)) return true;
    if (reply.status == 404) return false;  // someone else deleted it first
    if (reply.status != 409) return Unexpected("delete " + id, reply);
  }
  return Status::Aborted("key " + keyid + ": not deleted after " +
                         std::to_string(options_.conflict_retries) + " conflicting attempts");
}

StatusOr<int64_t> CouchStore::DeleteAllKeys(const std::string& creator) {
  int64_t deleted = 0;
  std::string after;
  while (true) {
    KMS_ASSIGN_OR_RETURN(std::vector<json::object> page, FindKeys(creator, after, true));
    if (page.empty()) break;
    json::array docs;
    std::vector<std::string> keyids;
    for (const json::object& d : page) {
      const json::value* id = d.if_contains("_id");
      const json::value* rev = d.if_contains("_rev");
      const json::value* keyid = d.if_contains("keyid");
      if (!id || !rev || !keyid || !keyid->is_string()) {
        return Status::Internal("couchdb _find: row without _id/_rev/keyid");
      }
      docs.push_back({{"_id", *id}, {"_rev", *rev}, {"_deleted", true}});
      keyids.emplace_back(keyid->get_string());
    }
    after = keyids.back();
    json::value body = {{"docs", std::move(docs)}};
    KMS_ASSIGN_OR_RETURN(Reply reply, Call("POST", db_path_ + "/_bulk_docs", &body));
    if (!IsSuccess(reply.status) || !reply.body.is_array()) {
      return Unexpected("bulk delete keys", reply);
    }
    const json::array& results = reply.body.as_array();
    if (results.size() != keyids.size()) return Status::Internal("couchdb _bulk_docs: row count");
    for (size_t i = 0; i < results.size(); ++i) {
      const json::object* r = results[i].if_object();
      const json::value* err = r ? r->if_contains("error") : nullptr;
      if (err == nullptr) {
        ++deleted;
        continue;
      }
      // Changed since the page was read (e.g. disabled concurrently): delete it on its own,
      // which re-reads it.
      if (err->is_string() && err->get_string() == "conflict") {
        KMS_ASSIGN_OR_RETURN(bool existed, DeleteKey(keyids[i], creator));
        if (existed) ++deleted;
        continue;
      }
      return Status::Internal("couchdb bulk delete of key " + keyids[i] + ": " +
                              ErrorText(results[i]));
    }
  }
  return deleted;
}

Status CouchStore::ForEachRowWithPrefix(std::string_view prefix, bool include_docs,
                                        const std::function<Status(const json::object&)>& fn) {
  std::string next(prefix);
  // Each page asks for one row more than it uses; that row's id starts the next page
  // (inclusive), which stays correct even if documents are deleted between pages.
  while (true) {
    std::string path = AllDocsPage(db_path_, prefix, next, options_.page_size + 1, include_docs);
    KMS_ASSIGN_OR_RETURN(Reply reply, Call("GET", path));
    if (reply.status != 200) return Unexpected("list documents", reply);
    const json::value* rows =
        reply.body.is_object() ? reply.body.as_object().if_contains("rows") : nullptr;
    if (rows == nullptr || !rows->is_array()) return Status::Internal("couchdb _all_docs: no rows");
    const json::array& list = rows->as_array();
    const size_t used = std::min(list.size(), static_cast<size_t>(options_.page_size));
    for (size_t i = 0; i < used; ++i) {
      const json::object* row = list[i].if_object();
      if (row == nullptr) return Status::Internal("couchdb _all_docs: row is not an object");
      KMS_RETURN_IF_ERROR(fn(*row));
    }
    if (list.size() <= static_cast<size_t>(options_.page_size)) return Status::Ok();
    const json::value& last = list[options_.page_size];
    const json::value* id = last.is_object() ? last.as_object().if_contains("id") : nullptr;
    if (id == nullptr || !id->is_string()) return Status::Internal("couchdb _all_docs: row id");
    if (id->get_string() == next) return Status::Internal("couchdb _all_docs: no progress");
    next = std::string(id->get_string());
  }
}

StatusOr<int64_t> CouchStore::CountPrefix(std::string_view prefix) {
  int64_t count = 0;
  KMS_RETURN_IF_ERROR(ForEachRowWithPrefix(prefix, false, [&](const json::object&) {
    ++count;
    return Status::Ok();
  }));
  return count;
}

StatusOr<int64_t> CouchStore::CountWrappedObjects() {
  KMS_ASSIGN_OR_RETURN(int64_t keys, CountPrefix(couch::kKeyPrefix));
  KMS_ASSIGN_OR_RETURN(int64_t tenants, CountPrefix(couch::kTenantPrefix));
  return keys + tenants;
}

StatusOr<std::vector<Bytes>> CouchStore::SampleWrappedBlobs(int limit) {
  std::vector<Bytes> out;
  for (std::string_view prefix : {couch::kTenantPrefix, couch::kKeyPrefix}) {
    KMS_ASSIGN_OR_RETURN(Reply reply,
                         Call("GET", AllDocsPage(db_path_, prefix, prefix, limit, true)));
    if (reply.status != 200) return Unexpected("sample documents", reply);
    const json::value* rows =
        reply.body.is_object() ? reply.body.as_object().if_contains("rows") : nullptr;
    if (rows == nullptr || !rows->is_array()) return Status::Internal("couchdb _all_docs: no rows");
    for (const json::value& row : rows->as_array()) {
      const json::value* doc = row.is_object() ? row.as_object().if_contains("doc") : nullptr;
      if (doc == nullptr || !doc->is_object()) continue;  // deleted meanwhile
      if (prefix == couch::kTenantPrefix) {
        KMS_ASSIGN_OR_RETURN(TenantRecord t, couch::ParseTenant(doc->as_object()));
        out.push_back(std::move(t.cmk_blob));
      } else {
        KMS_ASSIGN_OR_RETURN(KeyRecord k, couch::ParseKey(doc->as_object()));
        if (!k.key_blob.empty()) out.push_back(std::move(k.key_blob));
      }
    }
  }
  return out;
}

// --- the deployment's domain-key fingerprint

namespace {

StatusOr<std::string> DomainKeyIdOf(const json::object& doc) {
  const json::value* id = doc.if_contains("dk_id");
  if (id == nullptr || !id->is_string() || id->as_string().empty()) {
    return Status::DataLoss("couchdb document " + std::string(couch::kDomainKeyIdDocId) +
                            " has no dk_id");
  }
  return std::string(id->as_string());
}

}  // namespace

StatusOr<std::string> CouchStore::GetDomainKeyId() {
  auto doc = GetDoc(std::string(couch::kDomainKeyIdDocId));
  if (!doc.ok()) {
    if (doc.status().code() == Code::kNotFound) {
      return Status::NotFound("no domain key id recorded in " + Describe());
    }
    return doc.status();
  }
  return DomainKeyIdOf(*doc);
}

// A PUT without _rev creates the document or fails with 409: CouchDB's own first-writer-wins.
// The loser reads the winner's value.
StatusOr<std::string> CouchStore::RecordDomainKeyId(const std::string& dk_id) {
  if (dk_id.empty()) return Status::InvalidArgument("domain key id is empty");
  json::object doc;
  doc["dk_id"] = dk_id;
  Status put = PutDoc(std::string(couch::kDomainKeyIdDocId), doc);
  if (put.ok()) return dk_id;
  if (put.code() != Code::kAborted) return put;
  return GetDomainKeyId();
}

// --- secrets

namespace {

Status SecretNotFound(const std::string& appid) {
  return Status::NotFound("secret of " + appid + " not found");
}

const json::value* RevOf(const json::object& doc) {
  const json::value* rev = doc.if_contains("_rev");
  return rev != nullptr && rev->is_string() ? rev : nullptr;
}

}  // namespace

StatusOr<std::vector<json::object>> CouchStore::AllDocsWithPrefix(std::string_view prefix,
                                                                  bool include_docs) {
  std::vector<json::object> out;
  KMS_RETURN_IF_ERROR(ForEachRowWithPrefix(prefix, include_docs, [&](const json::object& row) {
    if (include_docs) {
      const json::value* doc = row.if_contains("doc");
      if (doc == nullptr || doc->is_null()) return Status::Ok();  // deleted meanwhile
      if (!doc->is_object()) return Status::Internal("couchdb _all_docs: doc is not an object");
      out.push_back(doc->as_object());
      return Status::Ok();
    }
    const json::value* id = row.if_contains("id");
    const json::value* value = row.if_contains("value");
    const json::value* rev =
        value != nullptr && value->is_object() ? value->as_object().if_contains("rev") : nullptr;
    if (id == nullptr || rev == nullptr) return Status::Internal("couchdb _all_docs: row");
    out.push_back({{"_id", *id}, {"_rev", *rev}});
    return Status::Ok();
  }));
  return out;
}

Status CouchStore::BulkDelete(const std::vector<json::object>& docs) {
  for (size_t start = 0; start < docs.size(); start += options_.page_size) {
    json::array batch;
    for (size_t i = start; i < std::min(docs.size(), start + options_.page_size); ++i) {
      batch.push_back(
          {{"_id", docs[i].at("_id")}, {"_rev", docs[i].at("_rev")}, {"_deleted", true}});
    }
    json::value body = {{"docs", std::move(batch)}};
    KMS_ASSIGN_OR_RETURN(Reply reply, Call("POST", db_path_ + "/_bulk_docs", &body));
    if (!IsSuccess(reply.status) || !reply.body.is_array()) {
      return Unexpected("bulk delete", reply);
    }
    for (const json::value& r : reply.body.as_array()) {
      const json::object* o = r.if_object();
      const json::value* err = o ? o->if_contains("error") : nullptr;
      if (err == nullptr) continue;
      // A conflict means someone else changed or deleted it; the caller lists again.
      if (err->is_string() &&
          (err->get_string() == "conflict" || err->get_string() == "not_found")) {
        continue;
      }
      return Status::Internal("couchdb bulk delete: " + ErrorText(r));
    }
  }
  return Status::Ok();
}

StatusOr<json::object> CouchStore::GetSecretDoc(const std::string& appid, const std::string& name) {
  auto doc = GetDoc(couch::SecretDocId(appid, name));
  if (!doc.ok() && doc.status().code() == Code::kNotFound) return SecretNotFound(appid);
  return doc;
}

Status CouchStore::CreateSecret(const SecretRecord& secret, const SecretVersionRecord& first) {
  if (secret.uid.empty()) return Status::InvalidArgument("secret uid is empty");
  couch::SecretDoc d;
  d.record = secret;
  d.record.latest_version = 1;
  d.latest = first;
  d.latest.version_id = 1;
  const std::string id = couch::SecretDocId(secret.appid, secret.name);
  bool created = false;
  for (int attempt = 0; attempt < options_.conflict_retries && !created; ++attempt) {
    json::object doc;
    couch::PutSecret(d, doc);
    Status s = PutDoc(id, doc);
    if (s.ok()) {
      created = true;
      break;
    }
    if (s.code() != Code::kAborted) return s;
    // Taken. A purge that was interrupted is finished first; anything else is a duplicate.
    auto existing = GetDoc(id);
    if (!existing.ok()) {
      if (existing.status().code() == Code::kNotFound) continue;
      return existing.status();
    }
    KMS_ASSIGN_OR_RETURN(couch::SecretDoc other, couch::ParseSecret(*existing));
    if (!other.purging) return Status::AlreadyExists("secret of " + secret.appid + " exists");
    KMS_RETURN_IF_ERROR(PurgeSecret(secret.appid, secret.name, 0).status());
  }
  if (!created) return Status::Aborted("secret of " + secret.appid + " changed concurrently");
  // The copy of version 1; the metadata holds it already, so a failure here loses nothing.
  json::object version;
  couch::PutSecretVersion(d.record, d.latest, version);
  Status copied = PutDoc(couch::SecretVersionDocId(secret.uid, 1), version);
  if (!copied.ok() && copied.code() != Code::kAborted) {
    log::Warn("store.couchdb.secret_version_copy_failed", {{"status", copied.ToString()}});
  }
  return Status::Ok();
}

StatusOr<SecretRecord> CouchStore::GetSecret(const std::string& appid, const std::string& name) {
  KMS_ASSIGN_OR_RETURN(json::object doc, GetSecretDoc(appid, name));
  KMS_ASSIGN_OR_RETURN(couch::SecretDoc d, couch::ParseSecret(doc));
  if (d.purging) return SecretNotFound(appid);
  return d.record;
}

StatusOr<std::vector<SecretRecord>> CouchStore::ListSecrets(const std::string& appid) {
  KMS_ASSIGN_OR_RETURN(std::vector<json::object> docs,
                       AllDocsWithPrefix(couch::SecretDocPrefix(appid), true));
  std::vector<SecretRecord> out;
  for (const json::object& doc : docs) {
    KMS_ASSIGN_OR_RETURN(couch::SecretDoc d, couch::ParseSecret(doc));
    if (d.purging || d.record.appid != appid) continue;
    out.push_back(std::move(d.record));
  }
  std::sort(out.begin(), out.end(), [](const SecretRecord& a, const SecretRecord& b) {
    if (a.create_time_ms != b.create_time_ms) return a.create_time_ms < b.create_time_ms;
    return a.name < b.name;
  });
  return out;
}

Status CouchStore::ModifySecret(const std::string& appid, const std::string& name,
                                const std::function<Status(couch::SecretDoc&)>& change) {
  const std::string id = couch::SecretDocId(appid, name);
  for (int attempt = 0; attempt < options_.conflict_retries; ++attempt) {
    if (attempt > 0) BackOff(attempt);
    KMS_ASSIGN_OR_RETURN(json::object doc, GetSecretDoc(appid, name));
    KMS_ASSIGN_OR_RETURN(couch::SecretDoc d, couch::ParseSecret(doc));
    if (d.purging) return SecretNotFound(appid);
    KMS_RETURN_IF_ERROR(change(d));
    couch::PutSecret(d, doc);  // keeps _rev: the write fails if anyone wrote in between
    Status s = PutDoc(id, doc);
    if (s.code() == Code::kAborted) continue;
    if (s.code() == Code::kNotFound) return SecretNotFound(appid);
    return s;
  }
  return Status::Aborted("secret of " + appid + ": not changed after " +
                         std::to_string(options_.conflict_retries) + " conflicting attempts");
}

Status CouchStore::SetSecretDescription(const std::string& appid, const std::string& name,
                                        const std::string& description) {
  return ModifySecret(appid, name, [&](couch::SecretDoc& d) -> Status {
    if (d.record.pending_deletion()) {
      return Status::FailedPrecondition("secret is pending deletion");
    }
    d.record.description = description;
    return Status::Ok();
  });
}

Status CouchStore::AddSecretVersion(const std::string& appid, const std::string& name,
                                    const SecretVersionRecord& version) {
  couch::SecretDoc written;
  KMS_RETURN_IF_ERROR(ModifySecret(appid, name, [&](couch::SecretDoc& d) -> Status {
    if (d.record.pending_deletion()) {
      return Status::FailedPrecondition("secret is pending deletion");
    }
    if (version.version_id != d.record.latest_version + 1) {
      return Status::Aborted("secret version " + std::to_string(version.version_id) +
                             " is not next; the latest is " +
                             std::to_string(d.record.latest_version));
    }
    // The inline version is about to be replaced: make sure its copy exists first.
    json::object copy;
    couch::PutSecretVersion(d.record, d.latest, copy);
    Status s = PutDoc(couch::SecretVersionDocId(d.record.uid, d.latest.version_id), copy);
    if (!s.ok() && s.code() != Code::kAborted) return s;  // kAborted: the copy exists
    d.latest = version;
    d.record.latest_version = version.version_id;
    written = d;
    return Status::Ok();
  }));
  json::object copy;
  couch::PutSecretVersion(written.record, written.latest, copy);
  Status s = PutDoc(couch::SecretVersionDocId(written.record.uid, version.version_id), copy);
  if (!s.ok() && s.code() != Code::kAborted) {
    // Harmless: the metadata holds the value, and the next version writes the copy.
    log::Warn("store.couchdb.secret_version_copy_failed", {{"status", s.ToString()}});
  }
  return Status::Ok();
}

StatusOr<SecretVersionRecord> CouchStore::GetSecretVersion(const std::string& appid,
                                                           const std::string& name,
                                                           int64_t version_id) {
  KMS_ASSIGN_OR_RETURN(json::object doc, GetSecretDoc(appid, name));
  KMS_ASSIGN_OR_RETURN(couch::SecretDoc d, couch::ParseSecret(doc));
  if (d.purging) return SecretNotFound(appid);
  if (version_id == 0 || version_id == d.record.latest_version) return d.latest;
  if (version_id < 1 || version_id > d.record.latest_version) {
    return Status::NotFound("secret version not found");
  }
  auto vdoc = GetDoc(couch::SecretVersionDocId(d.record.uid, version_id));
  if (!vdoc.ok()) {
    if (vdoc.status().code() == Code::kNotFound) {
      return Status::NotFound("secret version not found");
    }
    return vdoc.status();
  }
  return couch::ParseSecretVersion(*vdoc);
}

StatusOr<std::vector<SecretVersionRecord>> CouchStore::ListSecretVersions(const std::string& appid,
                                                                          const std::string& name) {
  KMS_ASSIGN_OR_RETURN(json::object doc, GetSecretDoc(appid, name));
  KMS_ASSIGN_OR_RETURN(couch::SecretDoc d, couch::ParseSecret(doc));
  if (d.purging) return SecretNotFound(appid);
  KMS_ASSIGN_OR_RETURN(std::vector<json::object> docs,
                       AllDocsWithPrefix(couch::SecretVersionDocPrefix(d.record.uid), true));
  std::vector<SecretVersionRecord> out;
  for (const json::object& vdoc : docs) {
    KMS_ASSIGN_OR_RETURN(SecretVersionRecord v, couch::ParseSecretVersion(vdoc));
    // Copies of versions added after the metadata was read are left out; the current one
    // comes from the metadata itself.
    if (v.version_id >= d.record.latest_version) continue;
    out.push_back(std::move(v));
  }
  out.push_back(d.latest);
  std::sort(out.begin(), out.end(), [](const SecretVersionRecord& a, const SecretVersionRecord& b) {
    return a.version_id < b.version_id;
  });
  return out;
}

Status CouchStore::ScheduleSecretDeletion(const std::string& appid, const std::string& name,
                                          int64_t delete_time_ms, int64_t planned_delete_time_ms) {
  if (planned_delete_time_ms <= 0) {
    return Status::InvalidArgument("planned deletion time must be positive");
  }
  return ModifySecret(appid, name, [&](couch::SecretDoc& d) -> Status {
    d.record.delete_time_ms = delete_time_ms;
    d.record.planned_delete_time_ms = planned_delete_time_ms;
    return Status::Ok();
  });
}

Status CouchStore::RestoreSecret(const std::string& appid, const std::string& name) {
  return ModifySecret(appid, name, [&](couch::SecretDoc& d) -> Status {
    d.record.delete_time_ms = 0;
    d.record.planned_delete_time_ms = 0;
    return Status::Ok();
  });
}

StatusOr<bool> CouchStore::PurgeSecret(const std::string& appid, const std::string& name,
                                       int64_t due_at_ms) {
  const std::string id = couch::SecretDocId(appid, name);
  // 1. Mark it purging, which hides it and stops every other change.
  json::object doc;
  couch::SecretDoc d;
  bool marked = false;
  for (int attempt = 0; attempt < options_.conflict_retries && !marked; ++attempt) {
    if (attempt > 0) BackOff(attempt);
    auto got = GetDoc(id);
    if (!got.ok()) {
      if (got.status().code() == Code::kNotFound) return false;
      return got.status();
    }
    doc = std::move(got).value();
    KMS_ASSIGN_OR_RETURN(d, couch::ParseSecret(doc));
    if (d.purging) break;
    if (due_at_ms > 0 &&
        (!d.record.pending_deletion() || d.record.planned_delete_time_ms > due_at_ms)) {
      return false;
    }
    d.purging = true;
    // A purge cut short must be found and finished by the deletion sweeper.
    if (!d.record.pending_deletion()) {
      d.record.delete_time_ms = 1;
      d.record.planned_delete_time_ms = 1;
    }
    couch::PutSecret(d, doc);
    Status s = PutDoc(id, doc);
    if (s.code() == Code::kAborted) continue;
    if (s.code() == Code::kNotFound) return false;
    KMS_RETURN_IF_ERROR(s);
    marked = true;
    doc = {};
  }
  if (!d.purging) {
    return Status::Aborted("secret of " + appid + ": not deleted after " +
                           std::to_string(options_.conflict_retries) + " conflicting attempts");
  }
  // 2. Every version copy, all pages.
  const std::string versions = couch::SecretVersionDocPrefix(d.record.uid);
  for (int round = 0; round < options_.conflict_retries; ++round) {
    KMS_ASSIGN_OR_RETURN(std::vector<json::object> rows, AllDocsWithPrefix(versions, false));
    if (rows.empty()) break;
    KMS_RETURN_IF_ERROR(BulkDelete(rows));
  }
  // 3. The metadata, whatever its revision now (nothing changes a purging secret but purges).
  for (int attempt = 0; attempt < options_.conflict_retries; ++attempt) {
    if (attempt > 0) BackOff(attempt);
    auto got = GetDoc(id);
    if (!got.ok()) {
      if (got.status().code() == Code::kNotFound) return true;  // another purger finished
      return got.status();
    }
    const json::value* rev = RevOf(*got);
    if (rev == nullptr) return Status::Internal("couchdb doc without _rev");
    KMS_ASSIGN_OR_RETURN(Reply reply, Call("DELETE", db_path_ + "/" + UrlEncode(id) +
                                                         "?rev=" + UrlEncode(rev->get_string())));
    if (IsSuccess(reply.status) || reply.status == 404) return true;
    if (reply.status != 409) return Unexpected("delete " + id, reply);
  }
  return Status::Aborted("secret of " + appid + ": metadata not deleted after " +
                         std::to_string(options_.conflict_retries) + " conflicting attempts");
}

StatusOr<bool> CouchStore::DeleteSecret(const std::string& appid, const std::string& name) {
  return PurgeSecret(appid, name, 0);
}

StatusOr<bool> CouchStore::DeleteSecretIfDue(const std::string& appid, const std::string& name,
                                             int64_t now_ms) {
  if (now_ms <= 0) return Status::InvalidArgument("now must be positive");
  return PurgeSecret(appid, name, now_ms);
}

StatusOr<std::vector<SecretRecord>> CouchStore::ListSecretsDueForDeletion(int64_t now_ms,
                                                                          int limit) {
  // Mango over the primary index's id range: the server filters, so only due secrets travel.
  const std::string prefix(couch::kSecretPrefix);
  json::object query = {
      {"selector",
       {{"_id", {{"$gt", prefix}, {"$lt", prefix + "\xEF\xBF\xB0"}}},
        {"plannedDeleteTime", {{"$gt", 0}, {"$lte", now_ms}}}}},
      {"limit", std::max(1, limit)},
  };
  json::value body(std::move(query));
  KMS_ASSIGN_OR_RETURN(Reply reply, Call("POST", db_path_ + "/_find", &body));
  if (reply.status != 200) return Unexpected("find due secrets", reply);
  const json::value* docs =
      reply.body.is_object() ? reply.body.as_object().if_contains("docs") : nullptr;
  if (docs == nullptr || !docs->is_array()) return Status::Internal("couchdb _find: no docs");
  std::vector<SecretRecord> out;
  for (const json::value& v : docs->as_array()) {
    if (!v.is_object()) return Status::Internal("couchdb _find: doc is not an object");
    KMS_ASSIGN_OR_RETURN(couch::SecretDoc d, couch::ParseSecret(v.as_object()));
    out.push_back(std::move(d.record));
  }
  std::sort(out.begin(), out.end(), [](const SecretRecord& a, const SecretRecord& b) {
    return a.planned_delete_time_ms < b.planned_delete_time_ms;
  });
  return out;
}

}  // namespace kms::store
