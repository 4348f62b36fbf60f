#include "pccs/couch_collateral_store.h"

#include <boost/json.hpp>
#include <charconv>
#include <chrono>
#include <map>
#include <random>
#include <thread>

#include "common/log.h"
#include "store/couch_doc.h"

namespace kms::pccs {
namespace json = boost::json;
namespace {

constexpr int64_t kFormat = 1;

bool IsSuccess(long status) { return status == 200 || status == 201 || status == 202; }

// An item as the document keeps it: the item, and when it was written.
struct Entry {
  CollateralItem item;
  int64_t stored_ms = 0;
};
// Ordered as List promises: kind name, then key.
using Entries = std::map<std::pair<std::string, std::string>, Entry>;

StatusOr<std::string> StringField(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr || !v->is_string()) {
    return Status::DataLoss("collateral document: item field " + std::string(name) +
                            " is missing or not a string");
  }
  return std::string(v->get_string());
}

StatusOr<int64_t> IntField(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr || !v->is_int64()) {
    return Status::DataLoss("collateral document: item field " + std::string(name) +
                            " is missing or not an integer");
  }
  return v->get_int64();
}

StatusOr<Entry> ParseEntry(const json::value& v) {
  if (!v.is_object()) return Status::DataLoss("collateral document: an item is not an object");
  const json::object& o = v.get_object();
  KMS_ASSIGN_OR_RETURN(std::string kind_name, StringField(o, "kind"));
  std::optional<ItemKind> kind = KindFromName(kind_name);
  if (!kind) return Status::DataLoss("collateral document: item of unknown kind " + kind_name);
  Entry e;
  e.item.kind = *kind;
  KMS_ASSIGN_OR_RETURN(e.item.key, StringField(o, "key"));
  KMS_ASSIGN_OR_RETURN(e.item.issuer_chain, StringField(o, "issuer_chain"));
  KMS_ASSIGN_OR_RETURN(std::string body64, StringField(o, "body"));
  KMS_ASSIGN_OR_RETURN(Bytes body, store::couch::Base64Decode(body64));
  e.item.body.assign(AsChars(body));
  KMS_ASSIGN_OR_RETURN(std::string sig64, StringField(o, "signature"));
  KMS_ASSIGN_OR_RETURN(e.item.signature, store::couch::Base64Decode(sig64));
  KMS_ASSIGN_OR_RETURN(e.item.issue_date, IntField(o, "issue_date"));
  KMS_ASSIGN_OR_RETURN(e.item.next_update, IntField(o, "next_update"));
  KMS_ASSIGN_OR_RETURN(e.item.source, StringField(o, "source"));
  KMS_ASSIGN_OR_RETURN(e.stored_ms, IntField(o, "stored_ms"));
  return e;
}

json::object EntryJson(const Entry& e) {
  json::object o;
  o["kind"] = KindName(e.item.kind);
  o["key"] = e.item.key;
  o["issuer_chain"] = e.item.issuer_chain;
  o["body"] = store::couch::Base64Encode(AsBytes(e.item.body));
  o["signature"] = store::couch::Base64Encode(e.item.signature);
  o["issue_date"] = e.item.issue_date;
  o["next_update"] = e.item.next_update;
  o["source"] = e.item.source;
  o["stored_ms"] = e.stored_ms;
  return o;
}

// The number before the dash of a revision "N-<hash>".
StatusOr<int64_t> RevisionNumber(std::string_view rev) {
  int64_t n = 0;
  auto [end, ec] = std::from_chars(rev.data(), rev.data() + rev.size(), n);
  if (ec != std::errc() || end == rev.data() || end == rev.data() + rev.size() || *end != '-' ||
      n < 1) {
    return Status::DataLoss("collateral document: malformed revision " + std::string(rev));
  }
  return n;
}

void BackOff(int attempt) {
  thread_local std::minstd_rand rng(std::random_device{}());
  std::uniform_int_distribution<int> dist(0, (1 << std::min(attempt, 5)) * 1000);
  std::this_thread::sleep_for(std::chrono::microseconds(dist(rng)));
}

}  // namespace

struct CouchCollateralStore::Held {
  json::object doc;  // as read, with `_rev` and any fields a newer version added
  Entries entries;
  bool exists = false;  // false: no document yet (doc is empty, and the write creates it)
};

StatusOr<std::unique_ptr<CouchCollateralStore>> CouchCollateralStore::Open(
    store::CouchOptions options, const Clock* clock) {
  KMS_RETURN_IF_ERROR(store::NormalizeCouchOptions(options));
  if (options.conflict_retries < 1) {
    return Status::InvalidArgument("couchdb conflict_retries must be >= 1");
  }
  KMS_ASSIGN_OR_RETURN(std::unique_ptr<store::CouchHttp> http, store::CouchHttp::New(options));
  const Clock& c = clock != nullptr ? *clock : SystemClock::Instance();
  auto store = std::unique_ptr<CouchCollateralStore>(
      new CouchCollateralStore(std::move(options), std::move(http), c));
  KMS_RETURN_IF_ERROR(store->EnsureDatabase());
  // Reading once refuses a document this version cannot write back, before anything runs.
  KMS_RETURN_IF_ERROR(store->Read().status());
  log::Info("pccs.store.couchdb", {{"store", store->Describe()}});
  return store;
}

CouchCollateralStore::CouchCollateralStore(store::CouchOptions options,
                                           std::unique_ptr<store::CouchHttp> http,
                                           const Clock& clock)
    : options_(std::move(options)),
      http_(std::move(http)),
      db_path_(store::UrlEncode(options_.database)),
      clock_(clock) {
  db_path_.insert(db_path_.begin(), '/');
  doc_path_ = db_path_ + "/" + store::UrlEncode(kCollateralDocId);
}

std::string CouchCollateralStore::Describe() const {
  return "couchdb:" + http_->base_url() + "/" + options_.database;
}

Status CouchCollateralStore::Unexpected(std::string_view what,
                                        const store::HttpResponse& r) const {
  std::string msg = "couchdb " + std::string(what) + " on " + Describe() + ": HTTP " +
                    std::to_string(r.status);
  if (r.status >= 500) return Status::Unavailable(std::move(msg));
  if (r.status == 401 || r.status == 403) {
    return Status::Unavailable(msg + "; check --couchdb-user and --couchdb-password");
  }
  return Status::Internal(std::move(msg));
}

Status CouchCollateralStore::EnsureDatabase() {
  KMS_ASSIGN_OR_RETURN(store::HttpResponse info, http_->Request("GET", db_path_));
  if (info.status == 200) return Status::Ok();
  if (info.status != 404) return Unexpected("open database", info);
  KMS_ASSIGN_OR_RETURN(store::HttpResponse created, http_->Request("PUT", db_path_));
  // 412: another process created it in the meantime.
  if (!IsSuccess(created.status) && created.status != 412) {
    return Unexpected("create database", created);
  }
  return Status::Ok();
}

StatusOr<CouchCollateralStore::Held> CouchCollateralStore::Read() const {
  KMS_ASSIGN_OR_RETURN(store::HttpResponse r, http_->Request("GET", doc_path_));
  Held held;
  if (r.status == 404) return held;  // never written, or deleted: empty
  if (r.status != 200) return Unexpected("read of the collateral document", r);
  boost::system::error_code ec;
  json::value parsed = json::parse(r.body, ec);
  if (ec || !parsed.is_object()) {
    return Status::DataLoss("collateral document on " + Describe() + " is not a JSON object");
  }
  held.doc = std::move(parsed.get_object());
  held.exists = true;
  const json::value* format = held.doc.if_contains("format");
  if (format == nullptr || !format->is_int64()) {
    return Status::DataLoss("collateral document on " + Describe() + " has no format");
  }
  if (format->get_int64() > kFormat) {
    return Status::FailedPrecondition(
        "collateral document on " + Describe() + " has format " +
        std::to_string(format->get_int64()) + ", newer than this ehsm-pccs knows (" +
        std::to_string(kFormat) + ")");
  }
  const json::value* items = held.doc.if_contains("items");
  if (items == nullptr || !items->is_array()) {
    return Status::DataLoss("collateral document on " + Describe() + " has no items array");
  }
  for (const json::value& v : items->get_array()) {
    KMS_ASSIGN_OR_RETURN(Entry e, ParseEntry(v));
    auto id = std::make_pair(std::string(KindName(e.item.kind)), e.item.key);
    if (!held.entries.emplace(std::move(id), std::move(e)).second) {
      return Status::DataLoss("collateral document on " + Describe() + " repeats an item");
    }
  }
  return held;
}

StatusOr<std::vector<PutOutcome>> CouchCollateralStore::PutAll(
    std::span<const CollateralItem> items) {
  for (int attempt = 0; attempt < options_.conflict_retries; ++attempt) {
    if (attempt > 0) BackOff(attempt);
    KMS_ASSIGN_OR_RETURN(Held held, Read());
    // The rule, item after item, against what is held plus the earlier items of the batch.
    std::vector<PutOutcome> outcomes;
    outcomes.reserve(items.size());
    bool changed = false;
    const int64_t now_ms = clock_.NowMs();
    for (const CollateralItem& item : items) {
      auto id = std::make_pair(std::string(KindName(item.kind)), item.key);
      auto it = held.entries.find(id);
      PutOutcome o = OrderAgainstHeld(it == held.entries.end() ? nullptr : &it->second.item, item);
      outcomes.push_back(o);
      if (o != PutOutcome::kStored && o != PutOutcome::kReplaced) continue;
      held.entries[std::move(id)] = Entry{item, now_ms};
      changed = true;
    }
    if (!changed) return outcomes;  // nothing to commit, so no new revision either

    json::array list;
    list.reserve(held.entries.size());
    for (const auto& [id, e] : held.entries) list.push_back(EntryJson(e));
    held.doc["_id"] = kCollateralDocId;
    held.doc["format"] = kFormat;
    held.doc["items"] = std::move(list);
    std::string text = json::serialize(held.doc);
    if (text.size() > kMaxCollateralDocBytes) {
      return Status::InvalidArgument(
          "collateral document on " + Describe() + " would be " + std::to_string(text.size()) +
          " bytes, more than the bound of " + std::to_string(kMaxCollateralDocBytes) +
          "; nothing was stored");
    }
    // With `_rev` of what was read (or none, creating it): CouchDB refuses it with 409 if
    // anyone wrote in between.
    KMS_ASSIGN_OR_RETURN(store::HttpResponse r, http_->Request("PUT", doc_path_, &text));
    if (IsSuccess(r.status)) return outcomes;
    if (r.status != 409) return Unexpected("write of the collateral document", r);
  }
  return Status::Aborted("collateral document on " + Describe() + ": still changed by others after " +
                         std::to_string(options_.conflict_retries) + " attempts");
}

StatusOr<std::vector<CollateralItem>> CouchCollateralStore::List() const {
  KMS_ASSIGN_OR_RETURN(Held held, Read());
  std::vector<CollateralItem> out;
  out.reserve(held.entries.size());
  for (auto& [id, e] : held.entries) out.push_back(std::move(e.item));
  return out;
}

// From _all_docs, whose row carries the revision without the (large) document.
StatusOr<int64_t> CouchCollateralStore::Version() const {
  const std::string key = json::serialize(json::value(json::string(kCollateralDocId)));
  KMS_ASSIGN_OR_RETURN(store::HttpResponse r,
                       http_->Request("GET", db_path_ + "/_all_docs?key=" + store::UrlEncode(key)));
  if (r.status != 200) return Unexpected("revision of the collateral document", r);
  boost::system::error_code ec;
  json::value parsed = json::parse(r.body, ec);
  const json::value* rows = ec || !parsed.is_object() ? nullptr
                                                      : parsed.get_object().if_contains("rows");
  if (rows == nullptr || !rows->is_array()) {
    return Status::DataLoss("couchdb _all_docs on " + Describe() + ": no rows");
  }
  for (const json::value& row : rows->get_array()) {
    if (!row.is_object()) continue;
    const json::value* value = row.get_object().if_contains("value");
    if (value == nullptr || !value->is_object()) continue;  // {"key":..,"error":"not_found"}
    const json::value* rev = value->get_object().if_contains("rev");
    if (rev == nullptr || !rev->is_string()) continue;
    return RevisionNumber(rev->get_string());
  }
  return 0;
}

}  // namespace kms::pccs
