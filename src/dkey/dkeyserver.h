#pragma once
// DkeyServer: one ehsm-dkeyserver process. It holds the deployment's domain key, sealed in its
// data dir:
// - a data dir with a sealed key: the key is unsealed (with or without --init); if it does not
//   unseal, the server stays not ready saying why, and never replaces the file;
// - no sealed key and --init: a fresh key is made, sealed and written before anything else;
// - no sealed key, no --init: not ready, "no domain key: start with --init or --peer"; with
//   --peer (a replica) it obtains the key from that dkeyserver over the attested channel,
//   retrying with backoff (not ready, with the last failure, meanwhile), seals its own copy and
//   serves it. A replica that holds a key checks once that its peer serves the same one and logs
//   dkeyserver.domain_key_mismatch, keeping its own, when it does not.
//
// The domain-key port serves the key over the attested channel (dkey/dk_service.h) to
// dkeycaches and replicas whose evidence and identity the policy allows.
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
