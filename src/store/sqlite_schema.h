#pragma once
// The SQLite schema as an ordered list of migrations. A database records every migration applied
// to it in `schema_migrations(version, name, applied_ms)`; its schema version is the highest
// recorded version. New tables (import sessions, ...) are added by
// appending a migration, never by editing a released one.

#include <cstdint>
#include <span>

#include "common/status.h"
#include "store/sqlite_db.h"

namespace kms::store::sqlite {

struct Migration {
  int version;       // 1, 2, 3, ... with no gaps
  const char* name;  // recorded for operators
  const char* sql;   // one or more statements, run inside the migration's transaction
};

// Every migration this build knows, in order.
std::span<const Migration> Migrations();

// The newest schema version this build knows.
int LatestSchemaVersion();

// Highest applied version of the database on `db` (0 for an empty database).
StatusOr<int> SchemaVersion(Db& db);

// Brings the database on `db` (a writable connection) up to LatestSchemaVersion(), applying each
// missing migration in its own IMMEDIATE transaction, so a concurrent opener in another process
// applies nothing twice. Fails with kFailedPrecondition, before changing anything, when the
// database was written by a newer build (its version is above LatestSchemaVersion()).
Status Migrate(Db& db, int64_t now_ms);

}  // namespace kms::store::sqlite
