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
      db_path_("/" + UrlEncode(options_.database)) {}

std::string CouchStore::Describe() const {
  return "couchdb:" + http_->base_url() + "/" + options_.database;
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

StatusOr<int64_t> CouchStore::CountPrefix(std::string_view prefix) {
  const std::string end = std::string(prefix) + "\xEF\xBF\xB0";  // U+FFF0 sorts after any id
  int64_t count = 0;
  std::string next(prefix);
  // Each page asks for one row more than it counts; that row's id starts the next page
  // (inclusive), which stays correct even if documents are deleted between pages.
  while (true) {
    std::string path = db_path_ + "/_all_docs?limit=" + std::to_string(options_.page_size + 1) +
                       "&startkey=" + JsonParam(next) + "&endkey=" + JsonParam(end);
    KMS_ASSIGN_OR_RETURN(Reply reply, Call("GET", path));
    if (reply.status != 200) return Unexpected("list documents", reply);
    const json::value* rows =
        reply.body.is_object() ? reply.body.as_object().if_contains("rows") : nullptr;
    if (rows == nullptr || !rows->is_array()) return Status::Internal("couchdb _all_docs: no rows");
    const json::array& list = rows->as_array();
    if (static_cast<int>(list.size()) <= options_.page_size) {
      return count + static_cast<int64_t>(list.size());
    }
    count += options_.page_size;
    const json::value& last = list[options_.page_size];
    const json::value* id = last.is_object() ? last.as_object().if_contains("id") : nullptr;
    if (id == nullptr || !id->is_string()) return Status::Internal("couchdb _all_docs: row id");
    if (id->get_string() == next) return Status::Internal("couchdb _all_docs: no progress");
    next = std::string(id->get_string());
  }
}

StatusOr<int64_t> CouchStore::CountWrappedObjects() {
  KMS_ASSIGN_OR_RETURN(int64_t keys, CountPrefix(couch::kKeyPrefix));
  KMS_ASSIGN_OR_RETURN(int64_t tenants, CountPrefix(couch::kTenantPrefix));
  return keys + tenants;
}

}  // namespace kms::store
