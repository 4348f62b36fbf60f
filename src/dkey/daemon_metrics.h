#pragma once
// The series the domain-key daemons show on their health port's /metrics: build info,
// readiness and the domain key they hold (loaded, and the first 8 hex digits of its
// fingerprint as a label of an info series). Listed in docs/operations.md, "Metrics".

#include <functional>
#include <string>
#include <string_view>

#include "common/metrics.h"
#include "common/status.h"

namespace kms::dkey {

// `dk_id` returns the held key's fingerprint (empty while none); `ready` what /readyz says.
// Both run at scrape time and must be quick and thread-safe.
void RegisterDaemonMetrics(metrics::Registry& registry, std::string_view daemon,
                           std::function<std::string()> dk_id, std::function<Status()> ready);

}  // namespace kms::dkey
