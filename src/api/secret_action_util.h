#pragma once
// Limits and helpers shared by the secret manager's actions.

#include <cstdint>
#include <optional>
#include <string_view>

#include "api/action.h"
#include "common/status.h"

namespace kms::api {

// In UTF-16 code units, as the upstream validator counts.
inline constexpr int64_t kMaxSecretNameLength = 64;
inline constexpr int64_t kMaxSecretDataLength = 4096;
inline constexpr int64_t kMaxSecretDescriptionLength = 4096;

// A store failure the client cannot fix: logged, answered as 500 (503-like for kUnavailable).
Reply StoreFailure(const ActionRequest& r, const Status& status);

// An audit record for a secret action. Names are identifiers, not values, so they are logged;
// secret values never are.
void AuditSecret(std::string_view action, const ActionRequest& r, std::string_view name,
                 std::string_view outcome, std::optional<int64_t> version_id = std::nullopt);

}  // namespace kms::api
