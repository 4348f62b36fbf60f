#include "api/cmk_resolver.h"

namespace kms::api {

StatusOr<keys::KeyRef> ToKeyRef(const store::KeyRecord& r) {
  auto spec = keys::ParseKeySpec(r.keyspec);
  auto origin = keys::ParseOrigin(r.origin);
  auto usage = keys::ParseKeyUsage(r.keyusage);
  if (!spec || !origin || !usage) {
    return Status::DataLoss("stored key " + r.keyid + " has unknown keyspec/origin/usage");
  }
  return keys::KeyRef{
      .binding = {r.keyid, r.creator, r.keyspec, r.origin, r.keyusage},
      .spec = *spec,
      .origin = *origin,
      .usage = *usage,
      .blob = ByteView(r.key_blob),
  };
}

StatusOr<ResolvedKey> ResolveCmk(KmsContext& ctx, const std::string& appid,
                                 const std::string& keyid) {
  auto record = ctx.GetKey(keyid);
  if (!record.ok()) {
    if (record.status().code() == Code::kNotFound) return Status::InvalidArgument("keyid error");
    return record.status();
  }
  const store::KeyRecord& r = **record;
  if (r.creator != appid) return Status::InvalidArgument("appid error");
  if (r.key_state == 0) return Status::InvalidArgument("keyid is disabled");
  if (ctx.clock().NowMs() > r.expire_time_ms) return Status::InvalidArgument("keyid expire");
  KMS_ASSIGN_OR_RETURN(keys::KeyRef ref, ToKeyRef(r));
  return ResolvedKey{std::move(record).value(), ref};
}

}  // namespace kms::api
