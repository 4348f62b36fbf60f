#pragma once
// Opens the store the configuration names, and waits for one that is not reachable yet.

#include <functional>
#include <memory>
#include <string_view>

#include "common/status.h"
#include "server/config.h"
#include "store/couch_options.h"
#include "store/store.h"

namespace kms::server {

// One attempt. kUnavailable when the store's server cannot be reached (retrying may succeed);
// any other error will not go away by waiting (bad options, wrong credentials).
StatusOr<std::unique_ptr<store::Store>> OpenStore(const KmsConfig& config);

// The CouchDB settings of `config` (credentials included: do not log the result).
store::CouchOptions CouchOptionsFromConfig(const KmsConfig& config);

// Runs `attempt` until it returns anything but kUnavailable or `timeout_ms` has passed,
// waiting between attempts with exponential backoff (250 ms doubling up to 5 s) and logging
// every failure (event store.unavailable, warn) so that an operator sees what start-up waits
// for. Returns the attempt's last status; after the timeout, kUnavailable saying how long it
// waited. If the calling thread blocks SIGTERM and SIGINT (as ehsm-kms's main thread does),
// one of them arriving during a wait ends it with kAborted instead of being held back until
// the timeout.
Status RetryWhileUnavailable(std::string_view what, int64_t timeout_ms,
                             const std::function<Status()>& attempt);

}  // namespace kms::server
