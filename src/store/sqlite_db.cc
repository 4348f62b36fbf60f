#include "store/sqlite_db.h"

#include <string>
#include <utility>

namespace kms::store::sqlite {

Status FromSqlite(int rc, sqlite3* db, std::string_view what) {
  std::string message(what);
  message += ": ";
  // sqlite3_errmsg describes the most recent failure on the connection, which is the one we are
  // reporting; without a connection only the generic text of the code is available.
  message += db != nullptr ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  message += " (sqlite code " + std::to_string(rc) + ")";
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PROTOCOL:
      return Status::Unavailable(std::move(message));
    default:
      return Status::Internal(std::move(message));
  }
}

// --- Stmt

Stmt::~Stmt() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

Status Stmt::BindText(int index, std::string_view value) {
  int rc = sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT,
                               SQLITE_UTF8);
  return rc == SQLITE_OK ? Status::Ok() : FromSqlite(rc, db_, "bind");
}

Status Stmt::BindBlob(int index, ByteView value) {
  // sqlite binds NULL when the pointer is null, whatever the length; an empty vector has a null
  // data() and must still read back as an empty blob.
  static const uint8_t kEmpty = 0;
  const void* data = value.empty() ? &kEmpty : value.data();
  int rc = sqlite3_bind_blob64(stmt_, index, data, value.size(), SQLITE_TRANSIENT);
  return rc == SQLITE_OK ? Status::Ok() : FromSqlite(rc, db_, "bind");
}

Status Stmt::BindInt64(int index, int64_t value) {
  int rc = sqlite3_bind_int64(stmt_, index, value);
  return rc == SQLITE_OK ? Status::Ok() : FromSqlite(rc, db_, "bind");
}

StatusOr<bool> Stmt::Step() {
  last_rc_ = sqlite3_step(stmt_);
  if (last_rc_ == SQLITE_ROW) return true;
  if (last_rc_ == SQLITE_DONE) return false;
  return FromSqlite(last_rc_, db_, "step");
}

Status Stmt::Run() {
  for (;;) {
    KMS_ASSIGN_OR_RETURN(bool row, Step());
    if (!row) return Status::Ok();
  }
}

std::string Stmt::ColumnText(int index) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, index));
  if (text == nullptr) return {};
  return std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt_, index)));
}

Bytes Stmt::ColumnBlob(int index) const {
  const auto* data = static_cast<const uint8_t*>(sqlite3_column_blob(stmt_, index));
  // Read the size after the pointer: sqlite may convert the value's representation on access.
  int size = sqlite3_column_bytes(stmt_, index);
  if (data == nullptr || size <= 0) return {};
  return Bytes(data, data + size);
}

int64_t Stmt::ColumnInt64(int index) const { return sqlite3_column_int64(stmt_, index); }

// --- Db

StatusOr<std::unique_ptr<Db>> Db::Open(const std::string& path, const Options& options) {
  if (sqlite3_threadsafe() == 0) {
    return Status::Internal("sqlite was built without thread support");
  }
  sqlite3* raw = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  if (!options.read_only) flags |= SQLITE_OPEN_CREATE;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  if (rc != SQLITE_OK) {
    Status status = FromSqlite(rc, raw, "open " + path);
    sqlite3_close_v2(raw);  // sqlite allocates a handle even on failure
    return status;
  }
  std::unique_ptr<Db> db(new Db(raw));
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, options.busy_timeout_ms);
  KMS_RETURN_IF_ERROR(db->Exec("PRAGMA foreign_keys=ON"));
  if (options.read_only) {
    KMS_RETURN_IF_ERROR(db->Exec("PRAGMA query_only=ON"));
    // 8 MiB instead of 2: holds every interior B-tree page of a million keys, so a point read
    // costs two leaf-page reads instead of re-reading the upper levels (measured in
    // docs/performance.md).
    KMS_RETURN_IF_ERROR(db->Exec("PRAGMA cache_size=-8192"));
  } else {
    // WAL lets readers proceed while a write commits; FULL syncs the WAL on every commit, so an
    // acknowledged write survives a power loss and not only a process crash.
    KMS_ASSIGN_OR_RETURN(Stmt wal, db->Prepare("PRAGMA journal_mode=WAL"));
    KMS_ASSIGN_OR_RETURN(bool row, wal.Step());
    if (!row || wal.ColumnText(0) != "wal") {
      return Status::Unavailable("open " + path + ": cannot switch the database to WAL mode");
    }
  }
  // synchronous is per connection; readers never commit, but set it everywhere so no
  // connection can weaken durability by accident.
  KMS_RETURN_IF_ERROR(db->Exec("PRAGMA synchronous=FULL"));
  return db;
}

Db::~Db() {
  for (auto& [sql, stmt] : cache_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

Status Db::Exec(const char* sql) {
  char* error = nullptr;
  int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &error);
  if (rc == SQLITE_OK) return Status::Ok();
  std::string message = error != nullptr ? error : sqlite3_errstr(rc);
  sqlite3_free(error);
  Status status = FromSqlite(rc, nullptr, "exec");
  return Status(status.code(), "exec: " + message + " (sqlite code " + std::to_string(rc) + ")");
}

StatusOr<Stmt> Db::Prepare(std::string_view sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return Stmt(db_, it->second);
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
  if (rc != SQLITE_OK) return FromSqlite(rc, db_, "prepare");
  cache_.emplace(sql, stmt);
  return Stmt(db_, stmt);
}

// --- Txn

StatusOr<Txn> Txn::Begin(Db& db) {
  KMS_ASSIGN_OR_RETURN(Stmt begin, db.Prepare("BEGIN IMMEDIATE"));
  KMS_RETURN_IF_ERROR(begin.Run());
  return Txn(&db);
}

Txn::~Txn() {
  if (db_ != nullptr && db_->InTransaction()) {
    // Nothing useful can be done if rollback fails; sqlite then rolls back on close.
    (void)db_->Exec("ROLLBACK");
  }
}

Status Txn::Commit() {
  Db* db = db_;
  KMS_ASSIGN_OR_RETURN(Stmt commit, db->Prepare("COMMIT"));
  Status status = commit.Run();
  if (status.ok()) db_ = nullptr;  // on failure the destructor rolls back
  return status;
}

}  // namespace kms::store::sqlite
