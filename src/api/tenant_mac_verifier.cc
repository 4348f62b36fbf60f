#include "api/tenant_mac_verifier.h"

namespace kms::api {

StatusOr<bool> TenantMacVerifier::Verify(const std::string& appid,
                                         std::string_view signing_string,
                                         std::string_view sign) {
  KMS_ASSIGN_OR_RETURN(auto tenant, ctx_.GetTenant(appid));
  return ctx_.vault().VerifyRequestMac(appid, tenant->cmk_blob, tenant->apikey_blob,
                                       signing_string, sign);
}

}  // namespace kms::api
