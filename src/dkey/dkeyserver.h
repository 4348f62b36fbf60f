#pragma once
// DkeyServer: one ehsm-dkeyserver process. It holds the deployment's domain key, sealed in its
// data dir:
// - a data dir with a sealed key: the key is unsealed (with or without --init); if it does not
//   unseal, the server stays not ready saying why, and never replaces the file;
// - no sealed key and --init: a fresh key is made, sealed and written before anything else;
// - no sealed key, no --init: not ready, "no domain key: start with --init or --peer" (with
//   --peer: obtaining the key from that dkeyserver needs the attested channel, which this build
//   does not have yet, and the reason says so).
//
// The domain-key port is bound (so deployments can wire it), but the attested-TLS protocol that
// will serve the key to allowed peers is not implemented yet: every connection is logged
// (event dkeyserver.connection_refused) and closed without a byte sent. The key never leaves
// the process in this build.
//
// Thread-safety: Start, Stop and destruction from one thread; Ready and the accessors from any.

#include <cstdint>
#include <memory>
#include <optional>

#include "common/status.h"
#include "dkey/dkeyserver_config.h"
#include "dkey/policy.h"

namespace kms::dkey {

class DkeyServer {
 public:
  // Creates the data dir (mode 0700), opens the platform, obtains the domain key as above and
  // binds both ports. Fails (nothing left running) when a port cannot be bound, the platform
  // secret cannot be read or created, or a new key cannot be written.
  static StatusOr<std::unique_ptr<DkeyServer>> Start(const DkeyServerConfig& config,
                                                     Policy policy);
  virtual ~DkeyServer() = default;

  virtual uint16_t port() const = 0;
  // The health port, when one was asked for.
  virtual std::optional<uint16_t> health_port() const = 0;
  // OK while the domain key is held; otherwise the one-line reason /readyz gives.
  virtual Status Ready() const = 0;
  // Closes both ports. Idempotent.
  virtual void Stop() = 0;
};

}  // namespace kms::dkey
