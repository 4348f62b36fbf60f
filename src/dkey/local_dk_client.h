#pragma once
// LocalDkClient: ehsm-kms's side of the node-local protocol (local_protocol.h): a DkUpstream
// that obtains the domain key from the node's ehsm-dkeycache over its Unix socket. It proves
// its identity with a local report and checks the dkeycache's report against the policy's
// [[dkeycache]] section before taking the key.
//
// Thread-compatible (one Fetch at a time), as DkUpstream says.

#include <memory>
#include <string>

#include "dkey/dk_upstream.h"
#include "dkey/policy.h"
#include "tee/tee_platform.h"

namespace kms::dkey {

struct LocalDkClientOptions {
  std::string socket_path;
  int timeout_ms = 5000;  // for the whole exchange
};

// `platform` and `policy` must outlive the client.
std::unique_ptr<DkUpstream> NewLocalDkClient(const LocalDkClientOptions& options,
                                             tee::TeePlatform& platform, const Policy& policy);

}  // namespace kms::dkey
