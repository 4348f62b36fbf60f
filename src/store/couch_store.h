#pragma once
// Store over CouchDB's HTTP API (Apache CouchDB 3.x; also pouchdb-server, which tests use).
// Only documents, _bulk_docs, _all_docs ranges, _find and _index are used, in an ordinary
// non-partitioned database; document layout in store/couch_doc.h.
//
// Contract (beyond store.h):
// - Thread-safe; every method blocks for at most a few request timeouts
//   (CouchOptions::request_timeout), so call it from worker threads, not from an event loop.
// - No caching: a change made through one CouchStore (or process) is seen by every other one
//   on its next call.
// - kUnavailable when the server cannot be reached or answers 5xx; the store needs no restart
//   and works again once the server is back. A write that failed with kUnavailable may or may
//   not have been applied (a retried CreateKey then reports kAlreadyExists).
// - Durable: a write is acknowledged by CouchDB only after it is committed to disk (CouchDB 3
//   has no delayed commits), and only then does a mutating call return OK.
// - Conflicts: UpdateKey never overwrites a newer revision (kAborted); SetKeyState and
//   DeleteKey re-read and retry up to CouchOptions::conflict_retries times, then kAborted.
// - Describe() and error messages show the URL without credentials.

#include <boost/json.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "store/couch_doc.h"
#include "store/couch_http.h"
#include "store/couch_options.h"
#include "store/store.h"

namespace kms::store {

class CouchStore final : public Store {
 public:
  // Connects, creates the database and the indexes the queries need if missing. kUnavailable
  // when the server cannot be reached, kInvalidArgument for bad options, kInternal when the
  // server refuses (e.g. wrong credentials).
  static StatusOr<std::unique_ptr<CouchStore>> Open(CouchOptions options);

  std::string Describe() const override;
  Status Ping() override;

  Status CreateTenant(const TenantRecord& tenant) override;
  StatusOr<TenantRecord> GetTenant(const std::string& appid) override;

  Status CreateKey(const KeyRecord& key) override;
  StatusOr<KeyRecord> GetKey(const std::string& keyid) override;
  StatusOr<std::vector<KeyRecord>> ListKeys(const std::string& creator) override;
  StatusOr<int64_t> UpdateKey(const KeyRecord& key) override;
  Status SetKeyState(const std::string& keyid, const std::string& creator, int key_state) override;
  StatusOr<bool> DeleteKey(const std::string& keyid, const std::string& creator) override;
  StatusOr<int64_t> DeleteAllKeys(const std::string& creator) override;
  Status CreateQuotePolicy(const QuotePolicyRecord& policy) override;
  StatusOr<QuotePolicyRecord> GetQuotePolicy(const std::string& appid,
                                             const std::string& policy_id) override;
  StatusOr<int64_t> CountWrappedObjects() override;
  StatusOr<std::vector<Bytes>> SampleWrappedBlobs(int limit) override;
  StatusOr<std::string> GetDomainKeyId() override;
  StatusOr<std::string> RecordDomainKeyId(const std::string& dk_id) override;

  Status CreateSecret(const SecretRecord& secret, const SecretVersionRecord& first) override;
  StatusOr<SecretRecord> GetSecret(const std::string& appid, const std::string& name) override;
  StatusOr<std::vector<SecretRecord>> ListSecrets(const std::string& appid) override;
  Status SetSecretDescription(const std::string& appid, const std::string& name,
                              const std::string& description) override;
  Status AddSecretVersion(const std::string& appid, const std::string& name,
                          const SecretVersionRecord& version) override;
  StatusOr<SecretVersionRecord> GetSecretVersion(const std::string& appid, const std::string& name,
                                                 int64_t version_id) override;
  StatusOr<std::vector<SecretVersionRecord>> ListSecretVersions(const std::string& appid,
                                                                const std::string& name) override;
  Status ScheduleSecretDeletion(const std::string& appid, const std::string& name,
                                int64_t delete_time_ms, int64_t planned_delete_time_ms) override;
  Status RestoreSecret(const std::string& appid, const std::string& name) override;
  StatusOr<bool> DeleteSecret(const std::string& appid, const std::string& name) override;
  StatusOr<std::vector<SecretRecord>> ListSecretsDueForDeletion(int64_t now_ms, int limit) override;
  StatusOr<bool> DeleteSecretIfDue(const std::string& appid, const std::string& name,
                                   int64_t now_ms) override;

  // Deletes the whole database (tests and tooling). Returns OK if it did not exist.
  Status DropDatabase();

 private:
  CouchStore(CouchOptions options, std::unique_ptr<CouchHttp> http);

  struct Reply {
    long status = 0;
    boost::json::value body;  // null when the body was empty or not JSON
  };
  StatusOr<Reply> Call(std::string_view method, const std::string& path,
                       const boost::json::value* body = nullptr);
  // Maps a status the caller did not expect to kUnavailable (5xx) or kInternal.
  Status Unexpected(std::string_view what, const Reply& reply) const;

  Status EnsureDatabase();
  // GET of one document: the object, or kNotFound.
  StatusOr<boost::json::object> GetDoc(const std::string& id);
  // Conditional PUT: 201/202 -> OK, 409 -> kAborted, 404 -> kNotFound.
  Status PutDoc(const std::string& id, const boost::json::object& doc);
  // Ids and _revs of `creator`'s keys with keyid > `after`, one page, in keyid order.
  StatusOr<std::vector<boost::json::object>> FindKeys(const std::string& creator,
                                                      const std::string& after, bool ids_only);
  // Calls `fn` with each _all_docs row whose id starts with `prefix`, page by page.
  Status ForEachRowWithPrefix(std::string_view prefix, bool include_docs,
                              const std::function<Status(const boost::json::object&)>& fn);
  StatusOr<int64_t> CountPrefix(std::string_view prefix);
  // Every row of _all_docs whose id starts with `prefix`, all pages: the documents when
  // `include_docs`, else {"_id", "_rev"} objects.
  StatusOr<std::vector<boost::json::object>> AllDocsWithPrefix(std::string_view prefix,
                                                               bool include_docs);
  // Deletes the documents ({"_id", "_rev"} objects); one already gone counts as deleted.
  Status BulkDelete(const std::vector<boost::json::object>& docs);
  // The secret's metadata document (purging ones included), or kNotFound.
  StatusOr<boost::json::object> GetSecretDoc(const std::string& appid, const std::string& name);
  // Re-reads the secret metadata and applies `change` (which may refuse with an error) with a
  // conditional write, retrying on conflicts. Purging secrets are kNotFound.
  Status ModifySecret(const std::string& appid, const std::string& name,
                      const std::function<Status(couch::SecretDoc&)>& change);
  // Marks the secret purging, removes its versions, then its metadata. `due_at_ms` > 0: only a
  // secret pending deletion with a planned time <= due_at_ms (or already purging).
  StatusOr<bool> PurgeSecret(const std::string& appid, const std::string& name, int64_t due_at_ms);
  void BackOff(int attempt) const;

  CouchOptions options_;
  std::unique_ptr<CouchHttp> http_;
  std::string db_path_;  // "/<encoded database>"
};

}  // namespace kms::store
