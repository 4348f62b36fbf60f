#pragma once
// CMK resolution, as every action taking a keyid does it (eHSM API §3.0): the key must exist
// ("keyid error"), belong to the caller ("appid error"), be enabled ("keyid is disabled") and
// not be past its expiry ("keyid expire").

#include <memory>
#include <string>

#include "api/kms_context.h"
#include "keys/key_vault.h"

namespace kms::api {

struct ResolvedKey {
  std::shared_ptr<const store::KeyRecord> record;
  keys::KeyRef ref;  // borrows record->key_blob: keep `record` alive while using `ref`
};

// Errors are kInvalidArgument with the exact upstream message; store failures pass through.
StatusOr<ResolvedKey> ResolveCmk(KmsContext& ctx, const std::string& appid,
                                 const std::string& keyid);

// The vault's view of a stored record (kDataLoss if its enumeration names are unknown).
StatusOr<keys::KeyRef> ToKeyRef(const store::KeyRecord& record);

}  // namespace kms::api
