#include "server/store_factory.h"

#include "store/sqlite_store.h"

namespace kms::server {

StatusOr<std::unique_ptr<store::Store>> OpenStore(const KmsConfig& c) {
  if (c.store == "sqlite") {
    KMS_ASSIGN_OR_RETURN(auto s, store::SqliteStore::Open(c.sqlite_path));
    return std::unique_ptr<store::Store>(std::move(s));
  }
  return Status::InvalidArgument("store " + c.store + " is not available in this build");
}

}  // namespace kms::server
