#pragma once
// CollateralStore in one SQLite file (WAL, synchronous=FULL, through store/sqlite_db.h).
//
// Schema (user_version 1):
//   collateral(kind TEXT, key TEXT, issuer_chain TEXT, body BLOB, signature BLOB,
//              issue_date INTEGER, next_update INTEGER, source TEXT, stored_ms INTEGER,
//              PRIMARY KEY (kind, key))
// `body` holds the signed bytes exactly as received; dates are Unix seconds.
//
// Thread-safe: one connection behind a mutex (writes are rare: imports and refreshes).

#include <memory>
#include <mutex>
#include <string>

#include "common/clock.h"
#include "pccs/collateral_store.h"
#include "store/sqlite_db.h"

namespace kms::pccs {

class SqliteCollateralStore final : public CollateralStore {
 public:
  // Opens (creating it and its schema if needed) the database at `path`. kUnavailable when
  // the file cannot be opened; kFailedPrecondition when it was written by a newer schema.
  // `clock` (borrowed; null = system) stamps stored_ms.
  static StatusOr<std::unique_ptr<SqliteCollateralStore>> Open(const std::string& path,
                                                               const Clock* clock = nullptr);

  StatusOr<std::vector<PutOutcome>> PutAll(std::span<const CollateralItem> items) override;
  StatusOr<std::vector<CollateralItem>> List() const override;
  // sqlite's data_version (other connections' commits) plus this connection's commits.
  StatusOr<int64_t> Version() const override;

 private:
  SqliteCollateralStore(std::unique_ptr<store::sqlite::Db> db, const Clock& clock)
      : db_(std::move(db)), clock_(clock) {}
  StatusOr<PutOutcome> PutOne(const CollateralItem& item);

  mutable std::mutex mu_;
  std::unique_ptr<store::sqlite::Db> db_;  // guarded by mu_
  int64_t own_commits_ = 0;                 // guarded by mu_
  const Clock& clock_;
};

}  // namespace kms::pccs
