#include "store/sqlite_store.h"

#include <algorithm>
#include <utility>

#include "common/clock.h"
#include "store/sqlite_schema.h"

namespace kms::store {

using sqlite::Db;
using sqlite::Stmt;

// A macro so the statements below are single literals: the statement cache is keyed by SQL
// text, and a literal costs no allocation per call. Column order matches ReadKey().
#define KMS_KEY_COLUMNS                                                                      \
  "keyid, creator, keyspec, origin, keyusage, key_blob, creation_date, expire_time, alias," \
  " key_state, revision"

namespace {

KeyRecord ReadKey(const Stmt& s) {
  KeyRecord k;
  k.keyid = s.ColumnText(0);
  k.creator = s.ColumnText(1);
  k.keyspec = s.ColumnText(2);
  k.origin = s.ColumnText(3);
  k.keyusage = s.ColumnText(4);
  k.key_blob = s.ColumnBlob(5);
  k.creation_date_ms = s.ColumnInt64(6);
  k.expire_time_ms = s.ColumnInt64(7);
  k.alias = s.ColumnText(8);
  k.key_state = static_cast<int>(s.ColumnInt64(9));
  k.revision = s.ColumnInt64(10);
  return k;
}

// Binds every key column except keyid and revision to ?2..?10 (keyid is ?1 in every statement).
Status BindKeyFields(Stmt& s, const KeyRecord& k) {
  KMS_RETURN_IF_ERROR(s.BindText(2, k.creator));
  KMS_RETURN_IF_ERROR(s.BindText(3, k.keyspec));
  KMS_RETURN_IF_ERROR(s.BindText(4, k.origin));
  KMS_RETURN_IF_ERROR(s.BindText(5, k.keyusage));
  KMS_RETURN_IF_ERROR(s.BindBlob(6, k.key_blob));
  KMS_RETURN_IF_ERROR(s.BindInt64(7, k.creation_date_ms));
  KMS_RETURN_IF_ERROR(s.BindInt64(8, k.expire_time_ms));
  KMS_RETURN_IF_ERROR(s.BindText(9, k.alias));
  return s.BindInt64(10, k.key_state);
}

// Runs an INSERT, turning a primary-key collision into kAlreadyExists.
Status RunInsert(Stmt& s, const std::string& what) {
  Status status = s.Run();
  if (!status.ok() && sqlite::IsDuplicate(s.last_rc())) {
    return Status::AlreadyExists(what + " already exists");
  }
  return status;
}

}  // namespace

// A reader connection borrowed from the pool; returned on destruction.
class SqliteStore::ReaderLease {
 public:
  ReaderLease(SqliteStore* store, std::unique_ptr<Db> db) : store_(store), db_(std::move(db)) {}
  ReaderLease(ReaderLease&&) = default;
  ~ReaderLease() {
    if (db_ != nullptr) store_->ReleaseReader(std::move(db_));
  }
  Db& operator*() { return *db_; }
  Db* operator->() { return db_.get(); }

 private:
  SqliteStore* store_;
  std::unique_ptr<Db> db_;
};

StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path) {
  return Open(path, Options{});
}

StatusOr<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path,
                                                         const Options& options) {
  Db::Options writer_options{.read_only = false, .busy_timeout_ms = options.busy_timeout_ms};
  KMS_ASSIGN_OR_RETURN(std::unique_ptr<Db> writer, Db::Open(path, writer_options));
  KMS_RETURN_IF_ERROR(sqlite::Migrate(*writer, SystemClock::Instance().NowMs()));

  Db::Options reader_options{.read_only = true, .busy_timeout_ms = options.busy_timeout_ms};
  std::vector<std::unique_ptr<Db>> readers;
  for (int i = 0; i < std::max(1, options.reader_connections); ++i) {
    KMS_ASSIGN_OR_RETURN(std::unique_ptr<Db> reader, Db::Open(path, reader_options));
    readers.push_back(std::move(reader));
  }
  return std::unique_ptr<SqliteStore>(
      new SqliteStore(path, std::move(writer), std::move(readers), options.max_batch));
}

SqliteStore::SqliteStore(std::string path, std::unique_ptr<Db> writer,
                         std::vector<std::unique_ptr<Db>> readers, int max_batch)
    : path_(std::move(path)),
      writer_(std::move(writer)),
      committer_(std::make_unique<sqlite::GroupCommitter>(*writer_, max_batch)),
      idle_readers_(std::move(readers)) {}

// Readers are closed before the writer (members are destroyed in reverse order), so the last
// connection to close is the writer, which checkpoints the WAL into the main file.
SqliteStore::~SqliteStore() = default;

std::string SqliteStore::Describe() const { return "sqlite:" + path_; }

SqliteStore::ReaderLease SqliteStore::AcquireReader() {
  std::unique_lock lock(readers_mu_);
  readers_cv_.wait(lock, [&] { return !idle_readers_.empty(); });
  std::unique_ptr<Db> db = std::move(idle_readers_.back());
  idle_readers_.pop_back();
  return ReaderLease(this, std::move(db));
}

void SqliteStore::ReleaseReader(std::unique_ptr<Db> reader) {
  {
    std::lock_guard lock(readers_mu_);
    idle_readers_.push_back(std::move(reader));
  }
  readers_cv_.notify_one();
}

// --- tenants

Status SqliteStore::CreateTenant(const TenantRecord& t) {
  return committer_->Write([&](Db& db) -> Status {
    KMS_ASSIGN_OR_RETURN(Stmt s, db.Prepare("INSERT INTO tenants (appid, apikey_blob, cmk_blob,"
                                            " sm_default_cmk_blob, create_time)"
                                            " VALUES (?1, ?2, ?3, ?4, ?5)"));
    KMS_RETURN_IF_ERROR(s.BindText(1, t.appid));
    KMS_RETURN_IF_ERROR(s.BindBlob(2, t.apikey_blob));
    KMS_RETURN_IF_ERROR(s.BindBlob(3, t.cmk_blob));
    KMS_RETURN_IF_ERROR(s.BindBlob(4, t.sm_default_cmk_blob));
    KMS_RETURN_IF_ERROR(s.BindInt64(5, t.create_time_ms));
    return RunInsert(s, "tenant " + t.appid);
  });
}

StatusOr<TenantRecord> SqliteStore::GetTenant(const std::string& appid) {
  ReaderLease db = AcquireReader();
  KMS_ASSIGN_OR_RETURN(Stmt s, db->Prepare("SELECT appid, apikey_blob, cmk_blob,"
                                           " sm_default_cmk_blob, create_time"
                                           " FROM tenants WHERE appid = ?1"));
  KMS_RETURN_IF_ERROR(s.BindText(1, appid));
  KMS_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return Status::NotFound("tenant " + appid + " not found");
  TenantRecord t;
  t.appid = s.ColumnText(0);
  t.apikey_blob = s.ColumnBlob(1);
  t.cmk_blob = s.ColumnBlob(2);
  t.sm_default_cmk_blob = s.ColumnBlob(3);
  t.create_time_ms = s.ColumnInt64(4);
  return t;
}

// --- keys

Status SqliteStore::CreateKey(const KeyRecord& k) {
  return committer_->Write([&](Db& db) -> Status {
    KMS_ASSIGN_OR_RETURN(Stmt s, db.Prepare("INSERT INTO keys (" KMS_KEY_COLUMNS
                                            ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
                                            " ?10, 1)"));
    KMS_RETURN_IF_ERROR(s.BindText(1, k.keyid));
    KMS_RETURN_IF_ERROR(BindKeyFields(s, k));
    return RunInsert(s, "key " + k.keyid);
  });
}

StatusOr<KeyRecord> SqliteStore::GetKey(const std::string& keyid) {
  ReaderLease db = AcquireReader();
  KMS_ASSIGN_OR_RETURN(Stmt s, db->Prepare("SELECT " KMS_KEY_COLUMNS
                                           " FROM keys WHERE keyid = ?1"));
  KMS_RETURN_IF_ERROR(s.BindText(1, keyid));
  KMS_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return Status::NotFound("key " + keyid + " not found");
  return ReadKey(s);
}

StatusOr<std::vector<KeyRecord>> SqliteStore::ListKeys(const std::string& creator) {
  ReaderLease db = AcquireReader();
  KMS_ASSIGN_OR_RETURN(Stmt s, db->Prepare("SELECT " KMS_KEY_COLUMNS
                                           " FROM keys WHERE creator = ?1"
                                           " ORDER BY creation_date, keyid"));
  KMS_RETURN_IF_ERROR(s.BindText(1, creator));
  std::vector<KeyRecord> keys;
  for (;;) {
    KMS_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    keys.push_back(ReadKey(s));
  }
  return keys;
}

StatusOr<int64_t> SqliteStore::UpdateKey(const KeyRecord& k) {
  Status written = committer_->Write([&](Db& db) -> Status {
    KMS_ASSIGN_OR_RETURN(
        Stmt s, db.Prepare("UPDATE keys SET creator = ?2, keyspec = ?3, origin = ?4,"
                           " keyusage = ?5, key_blob = ?6, creation_date = ?7,"
                           " expire_time = ?8, alias = ?9, key_state = ?10,"
                           " revision = revision + 1 WHERE keyid = ?1 AND revision = ?11"));
    KMS_RETURN_IF_ERROR(s.BindText(1, k.keyid));
    KMS_RETURN_IF_ERROR(BindKeyFields(s, k));
    KMS_RETURN_IF_ERROR(s.BindInt64(11, k.revision));
    KMS_RETURN_IF_ERROR(s.Run());
    if (db.Changes() == 1) return Status::Ok();
    // Nothing matched: tell a lost race from a vanished key.
    KMS_ASSIGN_OR_RETURN(Stmt q, db.Prepare("SELECT revision FROM keys WHERE keyid = ?1"));
    KMS_RETURN_IF_ERROR(q.BindText(1, k.keyid));
    KMS_ASSIGN_OR_RETURN(bool row, q.Step());
    if (!row) return Status::NotFound("key " + k.keyid + " not found");
    return Status::Aborted("key " + k.keyid + " changed concurrently (revision " +
                           std::to_string(k.revision) + " is now " +
                           std::to_string(q.ColumnInt64(0)) + ")");
  });
  if (!written.ok()) return written;
  return k.revision + 1;
}

Status SqliteStore::SetKeyState(const std::string& keyid, const std::string& creator,
                                int key_state) {
  return committer_->Write([&](Db& db) -> Status {
    // The revision moves too, so an UpdateKey built from an older read cannot silently undo
    // this change.
    KMS_ASSIGN_OR_RETURN(Stmt s, db.Prepare("UPDATE keys SET key_state = ?3,"
                                            " revision = revision + 1"
                                            " WHERE keyid = ?1 AND creator = ?2"));
    KMS_RETURN_IF_ERROR(s.BindText(1, keyid));
    KMS_RETURN_IF_ERROR(s.BindText(2, creator));
    KMS_RETURN_IF_ERROR(s.BindInt64(3, key_state));
    KMS_RETURN_IF_ERROR(s.Run());
    if (db.Changes() == 0) return Status::NotFound("key " + keyid + " not found");
    return Status::Ok();
  });
}

StatusOr<bool> SqliteStore::DeleteKey(const std::string& keyid, const std::string& creator) {
  bool existed = false;
  Status written = committer_->Write([&](Db& db) -> Status {
    KMS_ASSIGN_OR_RETURN(Stmt s,
                         db.Prepare("DELETE FROM keys WHERE keyid = ?1 AND creator = ?2"));
    KMS_RETURN_IF_ERROR(s.BindText(1, keyid));
    KMS_RETURN_IF_ERROR(s.BindText(2, creator));
    KMS_RETURN_IF_ERROR(s.Run());
    existed = db.Changes() > 0;
    return Status::Ok();
  });
  if (!written.ok()) return written;
  return existed;
}

StatusOr<int64_t> SqliteStore::DeleteAllKeys(const std::string& creator) {
  int64_t deleted = 0;
  Status written = committer_->Write([&](Db& db) -> Status {
    KMS_ASSIGN_OR_RETURN(Stmt s, db.Prepare("DELETE FROM keys WHERE creator = ?1"));
    KMS_RETURN_IF_ERROR(s.BindText(1, creator));
    KMS_RETURN_IF_ERROR(s.Run());
    deleted = db.Changes();
    return Status::Ok();
  });
  if (!written.ok()) return written;
  return deleted;
}

StatusOr<int64_t> SqliteStore::CountWrappedObjects() {
  ReaderLease db = AcquireReader();
  KMS_ASSIGN_OR_RETURN(Stmt s, db->Prepare("SELECT (SELECT count(*) FROM keys) +"
                                           " (SELECT count(*) FROM tenants)"));
  KMS_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return Status::Internal("count query returned no row");
  return s.ColumnInt64(0);
}

}  // namespace kms::store
