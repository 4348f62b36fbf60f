#pragma once
// LocalDkServer: ehsm-dkeycache's side of the node-local protocol (local_protocol.h) on a Unix
// socket. For each connection: HELLO with a fresh nonce, read the client's REQUEST, verify its
// local report, check the identity against the policy's [[kms]] section, then GRANT the domain
// key that `source` holds or REFUSE with the reason. Every step is one log line with the
// peer's SO_PEERCRED uid and pid and, once verified, its identity (never the key).
//
// Bounded: frames of at most local::kMaxFrameBody bytes, `timeout_ms` per connection whatever
// the peer does, `workers` connections served at once (more wait in the kernel's backlog, up
// to `max_queued` accepted ones; beyond that they are closed). A peer that sends garbage or
// stalls holds one worker for at most `timeout_ms`.
//
// Thread-safety: Start and destruction from one thread; `source` is called from the workers,
// concurrently.

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "common/secret_bytes.h"
#include "common/status.h"
#include "dkey/policy.h"
#include "tee/tee_platform.h"

namespace kms::dkey {

struct LocalDkServerOptions {
  std::string socket_path;
  int socket_mode = 0660;
  int timeout_ms = 2000;
  int workers = 4;
  int max_queued = 64;
};

class LocalDkServer {
 public:
  // The key to grant, or the reason there is none (sent to the client and logged).
  using DkSource = std::function<StatusOr<SecretBytes>()>;

  // `platform` and `policy` must outlive the server. Fails when the socket cannot be created.
  static StatusOr<std::unique_ptr<LocalDkServer>> Start(const LocalDkServerOptions& options,
                                                       tee::TeePlatform& platform,
                                                       const Policy& policy, DkSource source);
  virtual ~LocalDkServer() = default;  // stops, joins, removes the socket file
};

}  // namespace kms::dkey
