#pragma once
// DkUpstream: where a daemon obtains the domain key (DK) from another daemon. Two kinds exist:
// over attested TLS from a dkeyserver (a dkeycache, a replica dkeyserver) and over the node's
// Unix socket from a dkeycache (a KMS in cluster mode). The callers own the retry policy
// (common/backoff.h); an upstream makes one bounded attempt per Fetch.
//
// Implementations are thread-compatible: one Fetch at a time.

#include <string>

#include "common/secret_bytes.h"
#include "common/status.h"

namespace kms::dkey {

struct FetchedDomainKey {
  SecretBytes dk;         // 32 bytes
  std::string dk_id;      // the fingerprint the granting side reported (hex, 16 digits)
  std::string served_by;  // which source granted it ("10.0.0.1:8888", a socket path), for logs
};

class DkUpstream {
 public:
  virtual ~DkUpstream() = default;

  // One attempt at each source in turn until one grants the DK; every network step has a
  // bounded timeout, so this returns in bounded time. Errors: kUnavailable when no source could
  // be reached or completed the exchange, kPermissionDenied when a reachable source refused us
  // or failed our check of its identity. The message names each source tried and why it failed.
  // The caller checks the fingerprint (DomainKey::IdHex of `dk`) against the one it holds.
  virtual StatusOr<FetchedDomainKey> Fetch() = 0;

  // The sources, for the start-up summary and logs ("dkeyserver 10.0.0.1:8888,10.0.0.2:8888").
  virtual std::string Describe() const = 0;
};

}  // namespace kms::dkey
