#pragma once
// Putting collateral into a store: every item is verified (VerifyItem) first, and a batch
// goes in whole or not at all, so a bad or tampered item never replaces a good one and never
// leaves half an import behind. The store's ordering rule keeps a newer held item against an
// older one.

#include <openssl/x509.h>

#include <string>
#include <vector>

#include "pccs/collateral_store.h"

namespace kms::pccs {

struct ImportedItem {
  std::string source;       // file or URL
  std::string description;  // Describe(kind, key)
  PutOutcome outcome = PutOutcome::kStored;
  int64_t next_update = 0;
};

// Verifies `items` as of Unix time `at` against `anchor`, root CA CRLs first (the newest valid
// one among them, else the store's, checks the other items' chains), PCK CRLs before PCK
// certificates (those of the batch, else the store's, check their chains), then puts them in one
// transaction. kInvalidArgument listing every refused item, one per line as
// "<source>: <item>: <reason>", and nothing stored; a store error as the store gives it.
StatusOr<std::vector<ImportedItem>> VerifyAndStore(std::vector<CollateralItem> items,
                                                   CollateralStore& store, X509& anchor,
                                                   int64_t at);

// `ehsm-pccs import PATH`: the items of every file ImportPaths(path) names (collateral_files.h),
// verified and stored as one batch. A file that is none of the known forms fails the import
// like a refused item.
StatusOr<std::vector<ImportedItem>> ImportPath(const std::string& path, CollateralStore& store,
                                               X509& anchor, int64_t at);

}  // namespace kms::pccs
