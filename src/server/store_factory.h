#pragma once
// Opens the store the configuration names.

#include <memory>

#include "common/status.h"
#include "server/config.h"
#include "store/store.h"

namespace kms::server {

StatusOr<std::unique_ptr<store::Store>> OpenStore(const KmsConfig& config);

}  // namespace kms::server
