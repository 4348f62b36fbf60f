#include "store/sqlite_schema.h"

#include <string>

namespace kms::store::sqlite {
namespace {

// Columns are NOT NULL throughout: the records have no optional fields, and a NULL would come
// back as an empty value that no writer put there. keys.creator has no foreign key to tenants
// because the Store contract does not require a key's creator to be enrolled in the same store.
constexpr Migration kMigrations[] = {
    {1, "tenants and keys", R"sql(
CREATE TABLE tenants (
  appid               TEXT PRIMARY KEY NOT NULL,
  apikey_blob         BLOB NOT NULL,
  cmk_blob            BLOB NOT NULL,
  sm_default_cmk_blob BLOB NOT NULL,
  create_time         INTEGER NOT NULL
);
CREATE TABLE keys (
  keyid         TEXT PRIMARY KEY NOT NULL,
  creator       TEXT NOT NULL,
  keyspec       TEXT NOT NULL,
  origin        TEXT NOT NULL,
  keyusage      TEXT NOT NULL,
  key_blob      BLOB NOT NULL,
  creation_date INTEGER NOT NULL,
  expire_time   INTEGER NOT NULL,
  alias         TEXT NOT NULL,
  key_state     INTEGER NOT NULL,
  revision      INTEGER NOT NULL
);
-- ListKeys and DeleteAllKeys select by creator and ListKeys orders by (creation_date, keyid).
CREATE INDEX keys_by_creator ON keys (creator, creation_date, keyid);
)sql"},
    {2, "secrets and secret versions", R"sql(
-- A secret's (appid, name) is unique across live and pending-deletion secrets. `uid` names one
-- incarnation: versions hang off it, so a secret re-created under an old name starts empty even
-- if an interrupted purge had left versions behind. Times are ms; 0 means "not set".
CREATE TABLE secrets (
  uid                 TEXT PRIMARY KEY NOT NULL,
  appid               TEXT NOT NULL,
  name                TEXT NOT NULL,
  description         TEXT NOT NULL,
  encryption_keyid    TEXT NOT NULL,
  rotation_interval   TEXT NOT NULL,
  create_time         INTEGER NOT NULL,
  next_rotation_time  INTEGER NOT NULL,
  delete_time         INTEGER NOT NULL,
  planned_delete_time INTEGER NOT NULL,
  latest_version      INTEGER NOT NULL,
  UNIQUE (appid, name)
);
-- The deletion sweeper asks for pending secrets by planned time.
CREATE INDEX secrets_pending_deletion ON secrets (planned_delete_time)
  WHERE planned_delete_time > 0;
CREATE TABLE secret_versions (
  secret_uid  TEXT NOT NULL,
  version_id  INTEGER NOT NULL,
  value_blob  BLOB NOT NULL,
  create_time INTEGER NOT NULL,
  PRIMARY KEY (secret_uid, version_id)
) WITHOUT ROWID;
)sql"},
    {3, "deployment facts", R"sql(
-- Facts about the deployment as a whole, one row each. `domain_key_id` is the fingerprint
-- (dk_id) of the domain key every KMS of the deployment must hold; the first KMS records it.
CREATE TABLE deployment (
  name        TEXT PRIMARY KEY NOT NULL,
  value       TEXT NOT NULL,
  recorded_ms INTEGER NOT NULL
) WITHOUT ROWID;
)sql"},
    {4, "quote policies", R"sql(
-- Remote-attestation policies (UploadQuotePolicy). Looked up by (policy_id, appid) only.
CREATE TABLE quote_policies (
  policy_id   TEXT PRIMARY KEY NOT NULL,
  appid       TEXT NOT NULL,
  mr_enclave  TEXT NOT NULL,
  mr_signer   TEXT NOT NULL,
  create_time INTEGER NOT NULL
);
)sql"},
};

constexpr const char* kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INTEGER PRIMARY KEY NOT NULL,"
    " name TEXT NOT NULL,"
    " applied_ms INTEGER NOT NULL)";

Status CheckNotNewer(int version) {
  if (version > LatestSchemaVersion()) {
    return Status::FailedPrecondition(
        "database schema version " + std::to_string(version) +
        " is newer than this build supports (" + std::to_string(LatestSchemaVersion()) +
        "); run a newer ehsm-kms or restore a matching backup");
  }
  return Status::Ok();
}

}  // namespace

std::span<const Migration> Migrations() { return kMigrations; }

int LatestSchemaVersion() { return std::size(kMigrations); }

StatusOr<int> SchemaVersion(Db& db) {
  KMS_ASSIGN_OR_RETURN(Stmt exists,
                       db.Prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'table'"
                                  " AND name = 'schema_migrations'"));
  KMS_ASSIGN_OR_RETURN(bool row, exists.Step());
  if (!row || exists.ColumnInt64(0) == 0) return 0;
  KMS_ASSIGN_OR_RETURN(Stmt max,
                       db.Prepare("SELECT coalesce(max(version), 0) FROM schema_migrations"));
  KMS_ASSIGN_OR_RETURN(row, max.Step());
  if (!row) return Status::Internal("schema version query returned no row");
  return static_cast<int>(max.ColumnInt64(0));
}

Status Migrate(Db& db, int64_t now_ms) {
  // Cheap check outside any transaction so a too-new database is refused without taking the
  // write lock; it is repeated inside each transaction against a concurrent upgrader.
  KMS_ASSIGN_OR_RETURN(int version, SchemaVersion(db));
  KMS_RETURN_IF_ERROR(CheckNotNewer(version));

  for (const Migration& m : kMigrations) {
    KMS_ASSIGN_OR_RETURN(Txn txn, Txn::Begin(db));
    KMS_RETURN_IF_ERROR(db.Exec(kCreateMigrationsTable));
    KMS_ASSIGN_OR_RETURN(version, SchemaVersion(db));
    KMS_RETURN_IF_ERROR(CheckNotNewer(version));
    if (version >= m.version) continue;  // applied earlier, maybe by another process
    if (version != m.version - 1) {
      return Status::Internal("schema version " + std::to_string(version) +
                              " cannot be migrated to " + std::to_string(m.version));
    }
    Status applied = db.Exec(m.sql);
    if (!applied.ok()) {
      return Status(applied.code(), "migration " + std::to_string(m.version) + " (" + m.name +
                                        ") failed: " + applied.message());
    }
    KMS_ASSIGN_OR_RETURN(Stmt record,
                         db.Prepare("INSERT INTO schema_migrations (version, name, applied_ms)"
                                    " VALUES (?1, ?2, ?3)"));
    KMS_RETURN_IF_ERROR(record.BindInt64(1, m.version));
    KMS_RETURN_IF_ERROR(record.BindText(2, m.name));
    KMS_RETURN_IF_ERROR(record.BindInt64(3, now_ms));
    KMS_RETURN_IF_ERROR(record.Run());
    KMS_RETURN_IF_ERROR(txn.Commit());
  }
  return Status::Ok();
}

}  // namespace kms::store::sqlite
