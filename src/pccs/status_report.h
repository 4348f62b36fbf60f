#pragma once
// The text of `ehsm-pccs status`: one line per held item with its validity window, and a
// warning for each item that expires within kExpiryWarning (or has expired).

#include <cstdint>
#include <string>
#include <vector>

#include "pccs/collateral_item.h"

namespace kms::pccs {

inline constexpr int64_t kExpiryWarning = 7 * 24 * 3600;

struct StatusReport {
  std::string text;
  int warnings = 0;  // items expired or expiring within kExpiryWarning of `now`
};

// `items` as held, at Unix time `now`.
StatusReport MakeStatusReport(const std::vector<CollateralItem>& items, int64_t now);

// "2025-07-19T10:41:18Z".
std::string FormatUtc(int64_t unix_seconds);

}  // namespace kms::pccs
