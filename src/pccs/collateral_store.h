#pragma once
// CollateralStore: where ehsm-pccs keeps the collateral it serves, one item per (kind, key).
// Backends: SQLite (sqlite_collateral_store.h, the default, <data-dir>/pccs.db) and CouchDB
// (couch_collateral_store.h, one document in a database of its own).
//
// The store does not verify anything: callers put only items VerifyItem accepted. It does
// enforce the one ordering rule, so that no path (import, fetch-through, refresh) can go
// backwards: an item replaces the held one of the same kind and key only when it was issued
// later.
//
// Thread-safe.

#include <span>
#include <vector>

#include "common/status.h"
#include "pccs/collateral_item.h"

namespace kms::pccs {

enum class PutOutcome {
  kStored,    // nothing was held under its kind and key
  kReplaced,  // it was issued after the held one, which it replaced
  kUnchanged, // the held one has the same issue date and bytes
  kKeptHeld,  // the held one was issued later (or at the same time with other bytes): kept
};

// "stored", "replaced", "unchanged", "kept newer held item".
std::string_view PutOutcomeName(PutOutcome o);

// The ordering rule, for backends: what putting `item` does when `held` (null: nothing) is
// held under its kind and key. kStored and kReplaced mean `item` is to be written.
PutOutcome OrderAgainstHeld(const CollateralItem* held, const CollateralItem& item);

class CollateralStore {
 public:
  virtual ~CollateralStore() = default;

  // Puts all of `items` in one transaction (all or nothing), applying the ordering rule to
  // each; returns one outcome per item, in order. When two of `items` share a kind and key, the
  // later-issued wins as if they were put one after the other. kUnavailable when the backend
  // cannot be written.
  virtual StatusOr<std::vector<PutOutcome>> PutAll(std::span<const CollateralItem> items) = 0;

  // Every held item, ordered by kind and key.
  virtual StatusOr<std::vector<CollateralItem>> List() const = 0;

  // A number that changes whenever a write to the store is committed, by this object or by
  // another process (`ehsm-pccs import` into the data dir of a running server).
  virtual StatusOr<int64_t> Version() const = 0;
};

}  // namespace kms::pccs
