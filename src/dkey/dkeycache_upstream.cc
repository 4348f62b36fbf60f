#include "dkey/dkeycache_upstream.h"

#include "dkey/ra_tls_upstream.h"

namespace kms::dkey {
namespace {

// The upstream could not be made (the platform's sim root is unreadable, say): every attempt
// reports why, so the cache keeps serving a sealed copy it holds and says what is wrong.
class BrokenUpstream final : public DkUpstream {
 public:
  BrokenUpstream(std::string sources, Status why)
      : sources_(std::move(sources)), why_(std::move(why)) {}
  StatusOr<FetchedDomainKey> Fetch() override {
    return Status(why_.code(), Describe() + ": " + std::string(why_.message()));
  }
  std::string Describe() const override { return "dkeyserver " + sources_; }

 private:
  const std::string sources_;
  const Status why_;
};

}  // namespace

std::unique_ptr<DkUpstream> NewDkeyServerUpstream(
    const DkeyCacheConfig& config, tee::TeePlatform& platform, const Policy& policy,
    std::shared_ptr<const attest::CollateralSource> collateral) {
  auto made = RaTlsUpstream::New(
      {.sources = config.dkeyservers, .role = Role::kDkeyCache, .collateral = std::move(collateral)},
      platform, policy);
  if (made.ok()) return std::move(made).value();
  return std::make_unique<BrokenUpstream>(config.dkeyserver, made.status());
}

}  // namespace kms::dkey
