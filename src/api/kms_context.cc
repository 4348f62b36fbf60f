#include "api/kms_context.h"

#include <algorithm>
#include <thread>

namespace kms::api {

size_t KmsContext::RsaKeygenConcurrency(const ServiceOptions& o) {
  if (o.rsa_keygen_concurrency > 0) return o.rsa_keygen_concurrency;
  int cores = static_cast<int>(std::thread::hardware_concurrency());
  return static_cast<size_t>(std::max(1, cores - 1));
}

StatusOr<std::shared_ptr<const store::TenantRecord>> KmsContext::GetTenant(
    const std::string& appid) {
  if (auto hit = tenants_.Get(appid)) return hit;
  KMS_ASSIGN_OR_RETURN(store::TenantRecord t, store_.GetTenant(appid));
  auto shared = std::make_shared<const store::TenantRecord>(std::move(t));
  tenants_.Put(appid, shared);
  return shared;
}

StatusOr<std::shared_ptr<const store::KeyRecord>> KmsContext::GetKey(const std::string& keyid) {
  const bool cached = options_.key_cache_ttl_ms > 0;
  if (cached) {
    if (auto hit = keys_.Get(keyid)) return hit;
  }
  KMS_ASSIGN_OR_RETURN(store::KeyRecord k, store_.GetKey(keyid));
  auto shared = std::make_shared<const store::KeyRecord>(std::move(k));
  if (cached) keys_.Put(keyid, shared);
  return shared;
}

}  // namespace kms::api
