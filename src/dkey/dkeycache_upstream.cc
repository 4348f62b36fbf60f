#include "dkey/dkeycache_upstream.h"

namespace kms::dkey {
namespace {

// Until the attested channel to the dkeyservers is in the build: every attempt is unavailable,
// so the dkeycache serves from its sealed copy (when it has one) and keeps retrying.
class NoChannelUpstream final : public DkUpstream {
 public:
  explicit NoChannelUpstream(std::string sources) : sources_(std::move(sources)) {}
  StatusOr<FetchedDomainKey> Fetch() override {
    return Status::Unavailable(Describe() +
                               ": the attested channel to dkeyservers is not in this build");
  }
  std::string Describe() const override { return "dkeyserver " + sources_; }

 private:
  const std::string sources_;
};

}  // namespace

std::unique_ptr<DkUpstream> NewDkeyServerUpstream(const DkeyCacheConfig& config,
                                                  tee::SimPlatform& platform,
                                                  const Policy& policy) {
  (void)platform;
  (void)policy;
  return std::make_unique<NoChannelUpstream>(config.dkeyserver);
}

}  // namespace kms::dkey
