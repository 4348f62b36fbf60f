#include "api/kms_context.h"

#include <algorithm>
#include <thread>

namespace kms::api {

size_t KmsContext::RsaKeygenConcurrency(const ServiceOptions& o) {
  if (o.rsa_keygen_concurrency > 0) return o.rsa_keygen_concurrency;
  int cores = static_cast<int>(std::thread::hardware_concurrency());
  return static_cast<size_t>(std::max(1, cores - 1));
}

thread_local KmsContext::ScopedPin::Pin KmsContext::pin_;

StatusOr<std::shared_ptr<const store::TenantRecord>> KmsContext::GetTenant(
    const std::string& appid) {
  if (const CachedRecords* pinned = Pinned(); pinned != nullptr && pinned->tenant->appid == appid) {
    return pinned->tenant;
  }
  if (auto hit = tenants_.Get(appid)) return hit;
  KMS_ASSIGN_OR_RETURN(store::TenantRecord t, store_.GetTenant(appid));
  auto shared = std::make_shared<const store::TenantRecord>(std::move(t));
  tenants_.Put(appid, shared);
  return shared;
}

StatusOr<std::shared_ptr<const store::KeyRecord>> KmsContext::GetKey(const std::string& keyid) {
  if (const CachedRecords* pinned = Pinned(); pinned != nullptr && pinned->key->keyid == keyid) {
    return pinned->key;
  }
  const bool cached = options_.key_cache_ttl_ms > 0;
  if (cached) {
    if (auto hit = keys_.Get(keyid)) return hit;
  }
  // Taken before the read: a DisableKey or DeleteKey that invalidates the key while we read
  // makes the Put below a no-op instead of caching the record it replaced.
  auto ticket = keys_.TicketFor(keyid);
  KMS_ASSIGN_OR_RETURN(store::KeyRecord k, store_.GetKey(keyid));
  auto shared = std::make_shared<const store::KeyRecord>(std::move(k));
  if (cached) keys_.Put(keyid, shared, ticket);
  return shared;
}

std::optional<KmsContext::CachedRecords> KmsContext::FindCached(const std::string& appid,
                                                                const std::string& keyid) {
  CachedRecords found{tenants_.Get(appid), nullptr};
  if (found.tenant == nullptr || options_.key_cache_ttl_ms <= 0) return std::nullopt;
  found.key = keys_.Get(keyid);
  if (found.key == nullptr) return std::nullopt;
  return found;
}

}  // namespace kms::api
