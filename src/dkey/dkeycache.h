#pragma once
// DkeyCache: one ehsm-dkeycache process, the node's holder of the domain key.
// - At start it unseals its sealed copy (<data_dir>/domain_key.sealed) when there is one, and is
//   ready from it at once: a restart while every dkeyserver is down still serves.
// - A background loop obtains the key from the upstream (the dkeyservers), retrying with capped
//   exponential backoff while none answers (one `dkeycache.fetch_retry` line per retry; it never
//   gives up), and checks it again every `revalidate_ms` once held.
// - A key whose fingerprint differs from the held one is refused and the held one kept
//   (`dkeycache.domain_key_mismatch`, both fingerprints).
// - A newly obtained key is sealed to the node (atomic write); when that fails the key is still
//   served from memory and the log says so (`dkeycache.seal_failed`).
// - The node's ehsm-kms processes get it over the Unix socket (LocalDkServer, [[kms]] only).
//
// Thread-safety: Start, Stop and destruction from one thread; the accessors from any.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "attest/dcap_verifier.h"
#include "common/status.h"
#include "dkey/dk_upstream.h"
#include "dkey/dkeycache_config.h"
#include "dkey/policy.h"
#include "tee/tee_platform.h"

namespace kms::dkey {

// Makes the upstream once the platform is open (the attested channel quotes with it).
// `collateral` is the source config.collateral names (null: none).
using DkUpstreamFactory = std::function<std::unique_ptr<DkUpstream>(
    const DkeyCacheConfig& config, tee::TeePlatform& platform, const Policy& policy,
    std::shared_ptr<const attest::CollateralSource> collateral)>;

class DkeyCache {
 public:
  // Creates the data dir (0700), opens the platform, loads the sealed copy, opens the socket
  // and the health port, and starts the fetch loop. Fails (nothing left running) when the
  // socket or a port cannot be bound, the platform secret cannot be read or created, or the
  // collateral source (--pccs-url, --collateral-dir) cannot be made.
  static StatusOr<std::unique_ptr<DkeyCache>> Start(const DkeyCacheConfig& config, Policy policy,
                                                    const DkUpstreamFactory& make_upstream);
  virtual ~DkeyCache() = default;

  virtual std::optional<uint16_t> health_port() const = 0;
  // OK while the key is held; otherwise the one-line reason /readyz gives.
  virtual Status Ready() const = 0;
  // The held key's fingerprint ("" while none).
  virtual std::string dk_id() const = 0;
  // Stops the loop and closes the socket and the port. Idempotent.
  virtual void Stop() = 0;
};

}  // namespace kms::dkey
