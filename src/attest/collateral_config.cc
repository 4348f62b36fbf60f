#include "attest/collateral_config.h"

#include "attest/collateral_dir.h"
#include "attest/pccs_client.h"
#include "common/config_binder.h"
#include "common/log.h"

namespace kms::attest {

void AddCollateralFlags(config::Binder& b, CollateralConfig& c) {
  b.Add("pccs_url", c.pccs_url,
        "PCCS (v4 API) to fetch DCAP collateral from, e.g. https://pccs:8081");
  b.Add("pccs_ca_file", c.pccs_ca_file, "CAs trusted for the PCCS's TLS certificate (PEM)");
  b.AddFlag("pccs_insecure", c.pccs_insecure,
            "do not verify the PCCS's TLS certificate (Intel's signatures still are)");
  b.Add("collateral_dir", c.collateral_dir,
        "directory of DCAP collateral files (*.json, one per TEE and FMSPC) instead of a PCCS");
}

Status CheckCollateral(const CollateralConfig& c) {
  if (!c.pccs_url.empty() && !c.collateral_dir.empty()) {
    return Status::InvalidArgument("give pccs_url or collateral_dir, not both");
  }
  if ((!c.pccs_ca_file.empty() || c.pccs_insecure) && c.pccs_url.empty()) {
    return Status::InvalidArgument("pccs_ca_file and pccs_insecure need pccs_url");
  }
  return Status::Ok();
}

std::string CollateralSummary(const CollateralConfig& c) {
  return "pccs_url=" + (c.pccs_url.empty() ? std::string("-") : c.pccs_url) +
         (c.pccs_insecure ? " pccs_insecure=true" : "") +
         " collateral_dir=" + (c.collateral_dir.empty() ? std::string("-") : c.collateral_dir);
}

StatusOr<std::unique_ptr<CollateralSource>> MakeCollateralSource(const CollateralConfig& c,
                                                                 std::string_view component) {
  const std::string prefix(component);
  if (!c.pccs_url.empty()) {
    PccsClientOptions o;
    o.url = c.pccs_url;
    o.http.ca_file = c.pccs_ca_file;
    o.http.insecure = c.pccs_insecure;
    if (c.pccs_insecure) log::Warn(prefix + ".pccs_tls_unverified", {{"pccs_url", c.pccs_url}});
    KMS_ASSIGN_OR_RETURN(std::unique_ptr<PccsClient> client, PccsClient::New(std::move(o)));
    return std::unique_ptr<CollateralSource>(std::move(client));
  }
  if (!c.collateral_dir.empty()) {
    KMS_ASSIGN_OR_RETURN(auto dir, CollateralDirectory::Load(c.collateral_dir));
    log::Info(prefix + ".collateral_dir",
              {{"dir", c.collateral_dir}, {"bundles", static_cast<int64_t>(dir->bundles().size())}});
    return std::unique_ptr<CollateralSource>(std::make_unique<DirectoryCollateral>(std::move(dir)));
  }
  return std::unique_ptr<CollateralSource>();
}

}  // namespace kms::attest
