#pragma once
// TenantMacVerifier: checks a request signature against the tenant's apikey, which only the
// vault can unwrap. The apikey never leaves the vault call.

#include "api/kms_context.h"
#include "api/request_auth.h"

namespace kms::api {

class TenantMacVerifier final : public RequestMacVerifier {
 public:
  explicit TenantMacVerifier(KmsContext& ctx) : ctx_(ctx) {}
  // kNotFound for an unknown appid; store errors pass through.
  StatusOr<bool> Verify(const std::string& appid, std::string_view signing_string,
                        std::string_view sign) override;

 private:
  KmsContext& ctx_;
};

}  // namespace kms::api
