#include "server/collateral_source_factory.h"

#include "attest/collateral_dir.h"
#include "attest/pccs_client.h"
#include "common/log.h"

namespace kms::server {

StatusOr<std::unique_ptr<attest::CollateralSource>> MakeCollateralSource(const KmsConfig& c) {
  if (!c.pccs_url.empty()) {
    attest::PccsClientOptions o;
    o.url = c.pccs_url;
    o.http.ca_file = c.pccs_ca_file;
    o.http.insecure = c.pccs_insecure;
    if (c.pccs_insecure) {
      log::Warn("kms.pccs_tls_unverified", {{"pccs_url", c.pccs_url}});
    }
    KMS_ASSIGN_OR_RETURN(std::unique_ptr<attest::PccsClient> client,
                         attest::PccsClient::New(std::move(o)));
    return std::unique_ptr<attest::CollateralSource>(std::move(client));
  }
  if (!c.collateral_dir.empty()) {
    KMS_ASSIGN_OR_RETURN(auto dir, attest::CollateralDirectory::Load(c.collateral_dir));
    log::Info("kms.collateral_dir",
              {{"dir", c.collateral_dir}, {"bundles", static_cast<int64_t>(dir->bundles().size())}});
    return std::unique_ptr<attest::CollateralSource>(
        std::make_unique<attest::DirectoryCollateral>(std::move(dir)));
  }
  return std::unique_ptr<attest::CollateralSource>();
}

}  // namespace kms::server
