#include "tee/platform_factory.h"

namespace kms::tee {

StatusOr<std::unique_ptr<TeePlatform>> OpenPlatform(PlatformSpec spec) {
  if (spec.tee == "sim") {
    KMS_ASSIGN_OR_RETURN(auto p, SimPlatform::Open(std::move(spec.sim)));
    return std::unique_ptr<TeePlatform>(std::move(p));
  }
  if (spec.tee == "gramine") {
    KMS_ASSIGN_OR_RETURN(auto p, GraminePlatform::Open(std::move(spec.gramine)));
    return std::unique_ptr<TeePlatform>(std::move(p));
  }
  return Status::InvalidArgument("tee must be " + std::string(kTeeNames) + ", got \"" + spec.tee +
                                 "\"");
}

}  // namespace kms::tee
