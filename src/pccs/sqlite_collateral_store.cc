#include "pccs/sqlite_collateral_store.h"

namespace kms::pccs {
namespace {

using store::sqlite::Db;
using store::sqlite::Stmt;
using store::sqlite::Txn;

constexpr int kSchemaVersion = 1;

constexpr const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS collateral (
  kind         TEXT NOT NULL,
  key          TEXT NOT NULL,
  issuer_chain TEXT NOT NULL,
  body         BLOB NOT NULL,
  signature    BLOB NOT NULL,
  issue_date   INTEGER NOT NULL,
  next_update  INTEGER NOT NULL,
  source       TEXT NOT NULL,
  stored_ms    INTEGER NOT NULL,
  PRIMARY KEY (kind, key)
);
PRAGMA user_version = 1;
)sql";

StatusOr<int64_t> UserVersion(Db& db) {
  KMS_ASSIGN_OR_RETURN(Stmt s, db.Prepare("PRAGMA user_version"));
  KMS_ASSIGN_OR_RETURN(bool row, s.Step());
  return row ? s.ColumnInt64(0) : 0;
}

}  // namespace

StatusOr<std::unique_ptr<SqliteCollateralStore>> SqliteCollateralStore::Open(
    const std::string& path, const Clock* clock) {
  KMS_ASSIGN_OR_RETURN(std::unique_ptr<Db> db, Db::Open(path, Db::Options{}));
  KMS_ASSIGN_OR_RETURN(int64_t version, UserVersion(*db));
  if (version > kSchemaVersion) {
    return Status::FailedPrecondition(path + ": schema version " + std::to_string(version) +
                                      " is newer than this ehsm-pccs knows (" +
                                      std::to_string(kSchemaVersion) + ")");
  }
  if (version < kSchemaVersion) {
    KMS_ASSIGN_OR_RETURN(Txn txn, Txn::Begin(*db));
    KMS_RETURN_IF_ERROR(db->Exec(kSchema));
    KMS_RETURN_IF_ERROR(txn.Commit());
  }
  const Clock& c = clock != nullptr ? *clock : SystemClock::Instance();
  return std::unique_ptr<SqliteCollateralStore>(new SqliteCollateralStore(std::move(db), c));
}

StatusOr<PutOutcome> SqliteCollateralStore::PutOne(const CollateralItem& item) {
  const std::string kind(KindName(item.kind));
  PutOutcome outcome = PutOutcome::kStored;
  {
    KMS_ASSIGN_OR_RETURN(
        Stmt s, db_->Prepare("SELECT issue_date, body FROM collateral WHERE kind=?1 AND key=?2"));
    KMS_RETURN_IF_ERROR(s.BindText(1, kind));
    KMS_RETURN_IF_ERROR(s.BindText(2, item.key));
    KMS_ASSIGN_OR_RETURN(bool found, s.Step());
    if (found) {
      CollateralItem held;  // what the rule looks at
      held.issue_date = s.ColumnInt64(0);
      held.body.assign(AsChars(s.ColumnBlob(1)));
      outcome = OrderAgainstHeld(&held, item);
      if (outcome != PutOutcome::kReplaced) return outcome;
    }
  }
  KMS_ASSIGN_OR_RETURN(
      Stmt w, db_->Prepare("INSERT OR REPLACE INTO collateral (kind, key, issuer_chain, body, "
                           "signature, issue_date, next_update, source, stored_ms) "
                           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"));
  KMS_RETURN_IF_ERROR(w.BindText(1, kind));
  KMS_RETURN_IF_ERROR(w.BindText(2, item.key));
  KMS_RETURN_IF_ERROR(w.BindText(3, item.issuer_chain));
  KMS_RETURN_IF_ERROR(w.BindBlob(4, AsBytes(item.body)));
  KMS_RETURN_IF_ERROR(w.BindBlob(5, item.signature));
  KMS_RETURN_IF_ERROR(w.BindInt64(6, item.issue_date));
  KMS_RETURN_IF_ERROR(w.BindInt64(7, item.next_update));
  KMS_RETURN_IF_ERROR(w.BindText(8, item.source));
  KMS_RETURN_IF_ERROR(w.BindInt64(9, clock_.NowMs()));
  KMS_RETURN_IF_ERROR(w.Run());
  return outcome;
}

StatusOr<std::vector<PutOutcome>> SqliteCollateralStore::PutAll(
    std::span<const CollateralItem> items) {
  std::lock_guard<std::mutex> lock(mu_);
  KMS_ASSIGN_OR_RETURN(Txn txn, Txn::Begin(*db_));
  std::vector<PutOutcome> outcomes;
  outcomes.reserve(items.size());
  for (const CollateralItem& item : items) {
    KMS_ASSIGN_OR_RETURN(PutOutcome o, PutOne(item));
    outcomes.push_back(o);
  }
  KMS_RETURN_IF_ERROR(txn.Commit());
  ++own_commits_;
  return outcomes;
}

StatusOr<int64_t> SqliteCollateralStore::Version() const {
  std::lock_guard<std::mutex> lock(mu_);
  KMS_ASSIGN_OR_RETURN(Stmt s, db_->Prepare("PRAGMA data_version"));
  KMS_ASSIGN_OR_RETURN(bool row, s.Step());
  return (row ? s.ColumnInt64(0) : 0) + own_commits_;
}

StatusOr<std::vector<CollateralItem>> SqliteCollateralStore::List() const {
  std::lock_guard<std::mutex> lock(mu_);
  KMS_ASSIGN_OR_RETURN(
      Stmt s, db_->Prepare("SELECT kind, key, issuer_chain, body, signature, issue_date, "
                           "next_update, source FROM collateral ORDER BY kind, key"));
  std::vector<CollateralItem> out;
  while (true) {
    KMS_ASSIGN_OR_RETURN(bool row, s.Step());
    if (!row) break;
    std::optional<ItemKind> kind = KindFromName(s.ColumnText(0));
    if (!kind) return Status::Internal("collateral row of unknown kind " + s.ColumnText(0));
    CollateralItem item;
    item.kind = *kind;
    item.key = s.ColumnText(1);
    item.issuer_chain = s.ColumnText(2);
    Bytes body = s.ColumnBlob(3);
    item.body.assign(AsChars(body));
    item.signature = s.ColumnBlob(4);
    item.issue_date = s.ColumnInt64(5);
    item.next_update = s.ColumnInt64(6);
    item.source = s.ColumnText(7);
    out.push_back(std::move(item));
  }
  return out;
}

}  // namespace kms::pccs
