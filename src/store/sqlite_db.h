#pragma once
// A thin RAII layer over the sqlite3 C API: Db (one connection with a prepared-statement cache),
// Stmt (a borrowed cached statement, reset when it goes out of scope) and Txn (rolls back unless
// committed). No exceptions; every failure is a kms::Status carrying sqlite's own message.
//
// Thread-safety: none of these types is thread-safe. A Db is used by one thread at a time (the
// owner serialises access); connections are opened in multi-thread mode (SQLITE_OPEN_NOMUTEX),
// so sqlite itself adds no per-call locking.
//
// Error mapping (see FromSqlite): busy/locked after the busy timeout, disk full, I/O errors and
// a file that cannot be opened are kUnavailable (an operator can fix them and a retry may
// succeed); a constraint violation is kAlreadyExists only where a caller maps it so, everything
// else is kInternal. Messages never contain bound values.

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "common/bytes.h"
#include "common/status.h"

namespace kms::store::sqlite {

// Converts a non-OK sqlite result code into a Status: "<what>: <sqlite message>". `db` may be
// null (then only the code's generic text is used).
Status FromSqlite(int rc, sqlite3* db, std::string_view what);

// True for SQLITE_CONSTRAINT and its extended codes.
inline bool IsConstraint(int rc) { return (rc & 0xff) == SQLITE_CONSTRAINT; }
// True when an insert collided with an existing primary key or unique value.
inline bool IsDuplicate(int rc) {
  return rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE;
}

class Db;

// A prepared statement borrowed from a Db's cache. Resets itself and clears its bindings on
// destruction so the next user starts clean. Move-only; must not outlive its Db.
class Stmt {
 public:
  Stmt(Stmt&& other) noexcept : db_(other.db_), stmt_(other.stmt_) { other.stmt_ = nullptr; }
  Stmt& operator=(Stmt&&) = delete;
  Stmt(const Stmt&) = delete;
  ~Stmt();

  // Parameters are 1-based, as in sqlite. Values are copied (SQLITE_TRANSIENT).
  Status BindText(int index, std::string_view value);
  // An empty blob is stored as a zero-length BLOB, not NULL.
  Status BindBlob(int index, ByteView value);
  Status BindInt64(int index, int64_t value);

  // Advances: true when a row is available, false when the statement is done.
  StatusOr<bool> Step();
  // Steps to completion, for statements that return no rows. The raw result code is kept in
  // last_rc() so callers can recognise a constraint violation.
  Status Run();
  int last_rc() const { return last_rc_; }

  // Column accessors for the current row; 0-based, as in sqlite.
  std::string ColumnText(int index) const;
  Bytes ColumnBlob(int index) const;
  int64_t ColumnInt64(int index) const;

 private:
  friend class Db;
  Stmt(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}

  sqlite3* db_;
  sqlite3_stmt* stmt_;
  int last_rc_ = SQLITE_OK;
};

// One sqlite connection. Prepared statements are cached by their SQL text for the life of the
// connection, so each distinct statement is compiled once.
class Db {
 public:
  struct Options {
    bool read_only = false;     // query_only: the connection refuses writes
    int busy_timeout_ms = 5000; // how long a locked database is retried before kUnavailable
  };

  // Opens (creating if needed, unless read_only) the database at `path` and applies the
  // per-connection settings: extended result codes, busy timeout, foreign keys, and for a
  // writable connection WAL mode with synchronous=FULL.
  static StatusOr<std::unique_ptr<Db>> Open(const std::string& path, const Options& options);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // Runs one or more SQL statements that return no rows (schema changes, pragmas).
  Status Exec(const char* sql);
  // Returns the cached statement for `sql`, preparing it on first use. The returned Stmt must be
  // destroyed before the same SQL is prepared again from this Db.
  StatusOr<Stmt> Prepare(std::string_view sql);
  // Rows changed by the last INSERT/UPDATE/DELETE on this connection.
  int64_t Changes() const { return sqlite3_changes64(db_); }
  // False while a transaction is open (sqlite rolls back by itself after some errors).
  bool InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }
  sqlite3* raw() const { return db_; }

 private:
  explicit Db(sqlite3* db) : db_(db) {}

  sqlite3* db_;
  // Transparent hashing lets Prepare() look up a string_view without building a std::string.
  struct SqlHash {
    using is_transparent = void;
    size_t operator()(std::string_view sql) const { return std::hash<std::string_view>{}(sql); }
  };
  std::unordered_map<std::string, sqlite3_stmt*, SqlHash, std::equal_to<>> cache_;
};

// A transaction on a Db. Begin() takes the write lock at once (BEGIN IMMEDIATE) so a
// read-then-write sequence cannot fail half way with SQLITE_BUSY. Destruction without a
// successful Commit() rolls back.
class Txn {
 public:
  static StatusOr<Txn> Begin(Db& db);
  Txn(Txn&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  Txn& operator=(Txn&&) = delete;
  Txn(const Txn&) = delete;
  ~Txn();

  // Commits; on failure the transaction is rolled back and the error returned. The changes are
  // durable when this returns OK on a connection with synchronous=FULL.
  Status Commit();

 private:
  explicit Txn(Db* db) : db_(db) {}
  Db* db_;  // null once committed or rolled back
};

}  // namespace kms::store::sqlite
