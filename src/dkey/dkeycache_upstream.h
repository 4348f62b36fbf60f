#pragma once
// Where ehsm-dkeycache obtains the domain key: the dkeyservers of --dkeyserver. This is the one
// place the binary chooses its upstream (the test binary links a scripted one instead,
// dkey/testing/test_upstream.h).

#include <memory>

#include "attest/dcap_verifier.h"
#include "dkey/dk_upstream.h"
#include "dkey/dkeycache_config.h"
#include "dkey/policy.h"
#include "tee/tee_platform.h"

namespace kms::dkey {

// The upstream over attested TLS to `config.dkeyservers`, checking each against the policy's
// [[dkeyserver]] section, their real quotes against `collateral` (null: none). `platform` and
// `policy` outlive it.
std::unique_ptr<DkUpstream> NewDkeyServerUpstream(
    const DkeyCacheConfig& config, tee::TeePlatform& platform, const Policy& policy,
    std::shared_ptr<const attest::CollateralSource> collateral);

}  // namespace kms::dkey
