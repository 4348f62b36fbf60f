// The test binary's upstream (ehsm-dkeycache-test-upstream): the same daemon as ehsm-dkeycache
// with the dkeyservers replaced by a FileUpstream, for tests that run the daemon as a process.
// Never installed.

#include <cstdlib>

#include "dkey/dkeycache_upstream.h"
#include "dkey/testing/test_upstream.h"

namespace kms::dkey {

std::unique_ptr<DkUpstream> NewDkeyServerUpstream(
    const DkeyCacheConfig& config, tee::TeePlatform& platform, const Policy& policy,
    std::shared_ptr<const attest::CollateralSource> collateral) {
  (void)platform;
  (void)policy;
  (void)collateral;
  const char* file = std::getenv(testing::kTestUpstreamEnv);
  return std::make_unique<testing::FileUpstream>(file ? file
                                                      : config.data_dir + "/test-upstream");
}

}  // namespace kms::dkey
