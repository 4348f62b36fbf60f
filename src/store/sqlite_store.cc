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

// Column order matches ReadSecret().
#define KMS_SECRET_COLUMNS                                                           \
  "uid, appid, name, description, encryption_keyid, rotation_interval, create_time," \
  " next_rotation_time, delete_time, planned_delete_time, latest_version"

namespace {

SecretRecord ReadSecret(const Stmt& s) {
  SecretRecord r;
  r.uid = s.ColumnText(0);
  r.appid = s.ColumnText(1);
  r.name = s.ColumnText(2);
  r.description = s.ColumnText(3);
  r.encryption_keyid = s.ColumnText(4);
  r.rotation_interval = s.ColumnText(5);
  r.create_time_ms = s.ColumnInt64(6);
  r.next_rotation_time_ms = s.ColumnInt64(7);
  r.delete_time_ms = s.ColumnInt64(8);
  r.planned_delete_time_ms = s.ColumnInt64(9);
  r.latest_version = s.ColumnInt64(10);
  return r;
}

// Steps `s` to the end, turning each row into a record with `read`.
template <typename Read>
auto ReadRows(Stmt& s, Read read) -> StatusOr<std::vector<decltype(read(s))>> {
  std::vector<decltype(read(s))> out;
  for (;;) {
    KMS_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) return out;
    out.push_back(read(s));
  }
}

SecretVersionRecord ReadVersionWithLatest(const Stmt& s) {
  SecretVersionRecord v;
  v.version_id = s.ColumnInt64(0);
  v.value_blob = s.ColumnBlob(1);
  v.create_time_ms = s.ColumnInt64(2);
  v.current = v.version_id == s.ColumnInt64(3);
  return v;
}

Status SecretNotFound(const std::string& appid) {
  // The name stays out of messages: callers choose it, and it may be sensitive.
  return Status::NotFound("secret of " + appid + " not found");
}

// Reads (uid, planned_delete_time, latest_version) of a secret on `db`.
struct SecretHead {
  std::string uid;
  int64_t planned_delete_time_ms = 0;
  int64_t latest_version = 0;
};
StatusOr<SecretHead> ReadSecretHead(Db& db, const std::string& appid, const std::string& name) {
  KMS_ASSIGN_OR_RETURN(Stmt s, db.Prepare("SELECT uid, planned_delete_time, latest_version"
                                          " FROM secrets WHERE appid = ?1 AND name = ?2"));
  KMS_RETURN_IF_ERROR(s.BindText(1, appid));
  KMS_RETURN_IF_ERROR(s.BindText(2, name));
  KMS_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return SecretNotFound(appid);
  return SecretHead{s.ColumnText(0), s.ColumnInt64(1), s.ColumnInt64(2)};
}

Status InsertVersion(Db& db, const std::string& uid, const SecretVersionRecord& v,
                     int64_t version_id) {
  KMS_ASSIGN_OR_RETURN(Stmt s, db.Prepare("INSERT INTO secret_versions (secret_uid, version_id,"
                                          " value_blob, create_time) VALUES (?1, ?2, ?3, ?4)"));
  KMS_RETURN_IF_ERROR(s.BindText(1, uid));
  KMS_RETURN_IF_ERROR(s.BindInt64(2, version_id));
  KMS_RETURN_IF_ERROR(s.BindBlob(3, v.value_blob));
  KMS_RETURN_IF_ERROR(s.BindInt64(4, v.create_time_ms));
  Status status = s.Run();
  if (!status.ok() && sqlite::IsDuplicate(s.last_rc())) {
    return Status::Aborted("secret version " + std::to_string(version_id) + " already exists");
  }
  return status;
}

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

// Reads the schema table through a reader connection: it touches the file (a lost or
// unreadable one fails here) but only its first page.
Status SqliteStore::Ping() {
  ReaderLease db = AcquireReader();
  KMS_ASSIGN_OR_RETURN(Stmt s, db->Prepare("SELECT count(*) FROM sqlite_schema"));
  KMS_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return Status::Internal("sqlite ping returned no row");
  return Status::Ok();
}

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

// --- quote policies

Status SqliteStore::CreateQuotePolicy(const QuotePolicyRecord& p) {
  return committer_->Write([&](Db& db) -> Status {
    KMS_ASSIGN_OR_RETURN(Stmt s, db.Prepare("INSERT INTO quote_policies (policy_id, appid,"
                                            " mr_enclave, mr_signer, create_time)"
                                            " VALUES (?1, ?2, ?3, ?4, ?5)"));
    KMS_RETURN_IF_ERROR(s.BindText(1, p.policy_id));
    KMS_RETURN_IF_ERROR(s.BindText(2, p.appid));
    KMS_RETURN_IF_ERROR(s.BindText(3, p.mr_enclave));
    KMS_RETURN_IF_ERROR(s.BindText(4, p.mr_signer));
    KMS_RETURN_IF_ERROR(s.BindInt64(5, p.create_time_ms));
    return RunInsert(s, "quote policy " + p.policy_id);
  });
}

StatusOr<QuotePolicyRecord> SqliteStore::GetQuotePolicy(const std::string& appid,
                                                        const std::string& policy_id) {
  ReaderLease db = AcquireReader();
  KMS_ASSIGN_OR_RETURN(Stmt s, db->Prepare("SELECT policy_id, appid, mr_enclave, mr_signer,"
                                           " create_time FROM quote_policies"
                                           " WHERE policy_id = ?1 AND appid = ?2"));
  KMS_RETURN_IF_ERROR(s.BindText(1, policy_id));
  KMS_RETURN_IF_ERROR(s.BindText(2, appid));
  KMS_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return Status::NotFound("quote policy " + policy_id + " not found");
  QuotePolicyRecord p;
  p.policy_id = s.ColumnText(0);
  p.appid = s.ColumnText(1);
  p.mr_enclave = s.ColumnText(2);
  p.mr_signer = s.ColumnText(3);
  p.create_time_ms = s.ColumnInt64(4);
  return p;
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
  return ReadRows(s, ReadKey);
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

StatusOr<std::vector<Bytes>> SqliteStore::SampleWrappedBlobs(int limit) {
  ReaderLease db = AcquireReader();
  std::vector<Bytes> out;
  for (std::string_view sql : {"SELECT cmk_blob FROM tenants LIMIT ?1",
                               "SELECT key_blob FROM keys WHERE length(key_blob) > 0 LIMIT ?1"}) {
    KMS_ASSIGN_OR_RETURN(Stmt s, db->Prepare(sql));
    KMS_RETURN_IF_ERROR(s.BindInt64(1, limit));
    KMS_ASSIGN_OR_RETURN(std::vector<Bytes> blobs,
                         ReadRows(s, [](const Stmt& row) { return row.ColumnBlob(0); }));
    for (Bytes& b : blobs) out.push_back(std::move(b));
  }
  return out;
}

// --- the deployment's domain-key fingerprint

namespace {
constexpr char kDomainKeyIdFact[] = "domain_key_id";
}  // namespace

StatusOr<std::string> SqliteStore::GetDomainKeyId() {
  ReaderLease db = AcquireReader();
  KMS_ASSIGN_OR_RETURN(Stmt s, db->Prepare("SELECT value FROM deployment WHERE name = ?1"));
  KMS_RETURN_IF_ERROR(s.BindText(1, kDomainKeyIdFact));
  KMS_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return Status::NotFound("no domain key id recorded in " + Describe());
  return s.ColumnText(0);
}

// INSERT OR IGNORE and the read back run in one write transaction: the first writer's row
// stays, and every caller learns which one that is.
StatusOr<std::string> SqliteStore::RecordDomainKeyId(const std::string& dk_id) {
  if (dk_id.empty()) return Status::InvalidArgument("domain key id is empty");
  std::string recorded;
  const int64_t now_ms = SystemClock::Instance().NowMs();
  Status written = committer_->Write([&](Db& db) -> Status {
    KMS_ASSIGN_OR_RETURN(Stmt insert,
                         db.Prepare("INSERT OR IGNORE INTO deployment (name, value, recorded_ms)"
                                    " VALUES (?1, ?2, ?3)"));
    KMS_RETURN_IF_ERROR(insert.BindText(1, kDomainKeyIdFact));
    KMS_RETURN_IF_ERROR(insert.BindText(2, dk_id));
    KMS_RETURN_IF_ERROR(insert.BindInt64(3, now_ms));
    KMS_RETURN_IF_ERROR(insert.Run());
    KMS_ASSIGN_OR_RETURN(Stmt read, db.Prepare("SELECT value FROM deployment WHERE name = ?1"));
    KMS_RETURN_IF_ERROR(read.BindText(1, kDomainKeyIdFact));
    KMS_ASSIGN_OR_RETURN(bool row, read.Step());
    if (!row) return Status::Internal("domain key id not readable after recording it");
    recorded = read.ColumnText(0);
    return Status::Ok();
  });
  if (!written.ok()) return written;
  return recorded;
}

// --- secrets

Status SqliteStore::CreateSecret(const SecretRecord& r, const SecretVersionRecord& first) {
  if (r.uid.empty()) return Status::InvalidArgument("secret uid is empty");
  return committer_->Write([&](Db& db) -> Status {
    KMS_ASSIGN_OR_RETURN(Stmt s, db.Prepare("INSERT INTO secrets (" KMS_SECRET_COLUMNS
                                            ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9,"
                                            " ?10, 1)"));
    KMS_RETURN_IF_ERROR(s.BindText(1, r.uid));
    KMS_RETURN_IF_ERROR(s.BindText(2, r.appid));
    KMS_RETURN_IF_ERROR(s.BindText(3, r.name));
    KMS_RETURN_IF_ERROR(s.BindText(4, r.description));
    KMS_RETURN_IF_ERROR(s.BindText(5, r.encryption_keyid));
    KMS_RETURN_IF_ERROR(s.BindText(6, r.rotation_interval));
    KMS_RETURN_IF_ERROR(s.BindInt64(7, r.create_time_ms));
    KMS_RETURN_IF_ERROR(s.BindInt64(8, r.next_rotation_time_ms));
    KMS_RETURN_IF_ERROR(s.BindInt64(9, r.delete_time_ms));
    KMS_RETURN_IF_ERROR(s.BindInt64(10, r.planned_delete_time_ms));
    KMS_RETURN_IF_ERROR(RunInsert(s, "secret of " + r.appid));
    return InsertVersion(db, r.uid, first, 1);
  });
}

StatusOr<SecretRecord> SqliteStore::GetSecret(const std::string& appid, const std::string& name) {
  ReaderLease db = AcquireReader();
  KMS_ASSIGN_OR_RETURN(Stmt s, db->Prepare("SELECT " KMS_SECRET_COLUMNS
                                           " FROM secrets WHERE appid = ?1 AND name = ?2"));
  KMS_RETURN_IF_ERROR(s.BindText(1, appid));
  KMS_RETURN_IF_ERROR(s.BindText(2, name));
  KMS_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return SecretNotFound(appid);
  return ReadSecret(s);
}

StatusOr<std::vector<SecretRecord>> SqliteStore::ListSecrets(const std::string& appid) {
  ReaderLease db = AcquireReader();
  KMS_ASSIGN_OR_RETURN(Stmt s,
                       db->Prepare("SELECT " KMS_SECRET_COLUMNS " FROM secrets WHERE appid = ?1"
                                   " ORDER BY create_time, name"));
  KMS_RETURN_IF_ERROR(s.BindText(1, appid));
  return ReadRows(s, ReadSecret);
}

Status SqliteStore::SetSecretDescription(const std::string& appid, const std::string& name,
                                         const std::string& description) {
  return committer_->Write([&](Db& db) -> Status {
    KMS_ASSIGN_OR_RETURN(SecretHead head, ReadSecretHead(db, appid, name));
    if (head.planned_delete_time_ms != 0) {
      return Status::FailedPrecondition("secret is pending deletion");
    }
    KMS_ASSIGN_OR_RETURN(Stmt s, db.Prepare("UPDATE secrets SET description = ?2 WHERE uid = ?1"));
    KMS_RETURN_IF_ERROR(s.BindText(1, head.uid));
    KMS_RETURN_IF_ERROR(s.BindText(2, description));
    return s.Run();
  });
}

Status SqliteStore::AddSecretVersion(const std::string& appid, const std::string& name,
                                     const SecretVersionRecord& v) {
  return committer_->Write([&](Db& db) -> Status {
    KMS_ASSIGN_OR_RETURN(SecretHead head, ReadSecretHead(db, appid, name));
    if (head.planned_delete_time_ms != 0) {
      return Status::FailedPrecondition("secret is pending deletion");
    }
    if (v.version_id != head.latest_version + 1) {
      return Status::Aborted("secret version " + std::to_string(v.version_id) +
                             " is not next; the latest is " + std::to_string(head.latest_version));
    }
    KMS_RETURN_IF_ERROR(InsertVersion(db, head.uid, v, v.version_id));
    KMS_ASSIGN_OR_RETURN(Stmt s,
                         db.Prepare("UPDATE secrets SET latest_version = ?2 WHERE uid = ?1"));
    KMS_RETURN_IF_ERROR(s.BindText(1, head.uid));
    KMS_RETURN_IF_ERROR(s.BindInt64(2, v.version_id));
    return s.Run();
  });
}

StatusOr<SecretVersionRecord> SqliteStore::GetSecretVersion(const std::string& appid,
                                                            const std::string& name,
                                                            int64_t version_id) {
  ReaderLease db = AcquireReader();
  // One statement, so the version and latest_version come from the same snapshot.
  KMS_ASSIGN_OR_RETURN(
      Stmt s, db->Prepare("SELECT v.version_id, v.value_blob, v.create_time, s.latest_version"
                          " FROM secrets s JOIN secret_versions v ON v.secret_uid = s.uid"
                          " WHERE s.appid = ?1 AND s.name = ?2 AND v.version_id ="
                          " (CASE WHEN ?3 = 0 THEN s.latest_version ELSE ?3 END)"));
  KMS_RETURN_IF_ERROR(s.BindText(1, appid));
  KMS_RETURN_IF_ERROR(s.BindText(2, name));
  KMS_RETURN_IF_ERROR(s.BindInt64(3, version_id));
  KMS_ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return Status::NotFound("secret version not found");
  return ReadVersionWithLatest(s);
}

StatusOr<std::vector<SecretVersionRecord>> SqliteStore::ListSecretVersions(
    const std::string& appid, const std::string& name) {
  ReaderLease db = AcquireReader();
  KMS_ASSIGN_OR_RETURN(
      Stmt s, db->Prepare("SELECT v.version_id, v.value_blob, v.create_time, s.latest_version"
                          " FROM secrets s JOIN secret_versions v ON v.secret_uid = s.uid"
                          " WHERE s.appid = ?1 AND s.name = ?2 ORDER BY v.version_id"));
  KMS_RETURN_IF_ERROR(s.BindText(1, appid));
  KMS_RETURN_IF_ERROR(s.BindText(2, name));
  KMS_ASSIGN_OR_RETURN(std::vector<SecretVersionRecord> out, ReadRows(s, ReadVersionWithLatest));
  // Every secret has its version 1, so no rows means no secret.
  if (out.empty()) return SecretNotFound(appid);
  return out;
}

Status SqliteStore::ScheduleSecretDeletion(const std::string& appid, const std::string& name,
                                           int64_t delete_time_ms, int64_t planned_delete_time_ms) {
  if (planned_delete_time_ms <= 0) {
    return Status::InvalidArgument("planned deletion time must be positive");
  }
  return committer_->Write([&](Db& db) -> Status {
    KMS_ASSIGN_OR_RETURN(Stmt s, db.Prepare("UPDATE secrets SET delete_time = ?3,"
                                            " planned_delete_time = ?4"
                                            " WHERE appid = ?1 AND name = ?2"));
    KMS_RETURN_IF_ERROR(s.BindText(1, appid));
    KMS_RETURN_IF_ERROR(s.BindText(2, name));
    KMS_RETURN_IF_ERROR(s.BindInt64(3, delete_time_ms));
    KMS_RETURN_IF_ERROR(s.BindInt64(4, planned_delete_time_ms));
    KMS_RETURN_IF_ERROR(s.Run());
    return db.Changes() == 0 ? SecretNotFound(appid) : Status::Ok();
  });
}

Status SqliteStore::RestoreSecret(const std::string& appid, const std::string& name) {
  return committer_->Write([&](Db& db) -> Status {
    KMS_ASSIGN_OR_RETURN(Stmt s, db.Prepare("UPDATE secrets SET delete_time = 0,"
                                            " planned_delete_time = 0"
                                            " WHERE appid = ?1 AND name = ?2"));
    KMS_RETURN_IF_ERROR(s.BindText(1, appid));
    KMS_RETURN_IF_ERROR(s.BindText(2, name));
    KMS_RETURN_IF_ERROR(s.Run());
    return db.Changes() == 0 ? SecretNotFound(appid) : Status::Ok();
  });
}

StatusOr<bool> SqliteStore::PurgeSecret(const std::string& appid, const std::string& name,
                                        int64_t due_at_ms) {
  bool removed = false;
  Status written = committer_->Write([&](Db& db) -> Status {
    removed = false;
    auto head = ReadSecretHead(db, appid, name);
    if (!head.ok()) {
      return head.status().code() == Code::kNotFound ? Status::Ok() : head.status();
    }
    if (due_at_ms > 0 &&
        (head->planned_delete_time_ms == 0 || head->planned_delete_time_ms > due_at_ms)) {
      return Status::Ok();
    }
    KMS_ASSIGN_OR_RETURN(Stmt v, db.Prepare("DELETE FROM secret_versions WHERE secret_uid = ?1"));
    KMS_RETURN_IF_ERROR(v.BindText(1, head->uid));
    KMS_RETURN_IF_ERROR(v.Run());
    KMS_ASSIGN_OR_RETURN(Stmt s, db.Prepare("DELETE FROM secrets WHERE uid = ?1"));
    KMS_RETURN_IF_ERROR(s.BindText(1, head->uid));
    KMS_RETURN_IF_ERROR(s.Run());
    removed = true;
    return Status::Ok();
  });
  if (!written.ok()) return written;
  return removed;
}

StatusOr<bool> SqliteStore::DeleteSecret(const std::string& appid, const std::string& name) {
  return PurgeSecret(appid, name, 0);
}

StatusOr<bool> SqliteStore::DeleteSecretIfDue(const std::string& appid, const std::string& name,
                                              int64_t now_ms) {
  if (now_ms <= 0) return Status::InvalidArgument("now must be positive");
  return PurgeSecret(appid, name, now_ms);
}

StatusOr<std::vector<SecretRecord>> SqliteStore::ListSecretsDueForDeletion(int64_t now_ms,
                                                                           int limit) {
  ReaderLease db = AcquireReader();
  KMS_ASSIGN_OR_RETURN(
      Stmt s, db->Prepare("SELECT " KMS_SECRET_COLUMNS " FROM secrets WHERE planned_delete_time > 0"
                          " AND planned_delete_time <= ?1"
                          " ORDER BY planned_delete_time, uid LIMIT ?2"));
  KMS_RETURN_IF_ERROR(s.BindInt64(1, now_ms));
  KMS_RETURN_IF_ERROR(s.BindInt64(2, std::max(1, limit)));
  return ReadRows(s, ReadSecret);
}

}  // namespace kms::store
