#include "keys/import_session.h"

#include <algorithm>

namespace kms::keys {
namespace {

constexpr std::string_view kMagic = "EHIS";
constexpr uint8_t kVersion = 1;
constexpr size_t kHeaderSize = 5;
constexpr size_t kFixedPayload = kImportTokenIdSize + 8 + 4;

BlobBinding SessionBinding(const BlobBinding& b) {
  BlobBinding s = b;
  s.usage = "import-session:" + b.usage;
  return s;
}

void PutBe(SecretBytes& out, size_t at, uint64_t v, size_t n) {
  for (size_t i = 0; i < n; ++i) out.data()[at + i] = static_cast<uint8_t>(v >> (8 * (n - 1 - i)));
}

uint64_t GetBe(ByteView in, size_t at, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = (v << 8) | in[at + i];
  return v;
}

}  // namespace

bool IsImportSessionBlob(ByteView blob) {
  return blob.size() >= kHeaderSize && std::equal(kMagic.begin(), kMagic.end(), blob.begin());
}

std::optional<DomainKey::Id> StoredBlobDomainKeyId(ByteView blob) {
  return BlobDomainKeyId(IsImportSessionBlob(blob) ? blob.subspan(kHeaderSize) : blob);
}

StatusOr<Bytes> SealImportSession(const DomainKey& dk, const BlobBinding& key_binding,
                                  const ImportSession& session) {
  SecretBytes payload(kFixedPayload + session.key_pair_pem.size());
  std::copy(session.token_id.begin(), session.token_id.end(), payload.data());
  PutBe(payload, kImportTokenIdSize, static_cast<uint64_t>(session.expires_ms), 8);
  PutBe(payload, kImportTokenIdSize + 8, static_cast<uint32_t>(session.wrapping_spec), 4);
  std::copy(session.key_pair_pem.view().begin(), session.key_pair_pem.view().end(),
            payload.data() + kFixedPayload);
  KMS_ASSIGN_OR_RETURN(Bytes wrapped,
                       WrapKeyMaterial(dk, SessionBinding(key_binding), payload.view()));
  Bytes out = ToBytes(kMagic);
  out.push_back(kVersion);
  out.insert(out.end(), wrapped.begin(), wrapped.end());
  return out;
}

StatusOr<ImportSession> OpenImportSession(const DomainKey& dk, const BlobBinding& key_binding,
                                          ByteView blob) {
  if (!IsImportSessionBlob(blob) || blob[4] != kVersion) {
    return Status::DataLoss("not an import session blob");
  }
  KMS_ASSIGN_OR_RETURN(SecretBytes payload, UnwrapKeyMaterial(dk, SessionBinding(key_binding),
                                                              blob.subspan(kHeaderSize)));
  if (payload.size() <= kFixedPayload) return Status::DataLoss("import session too short");
  ImportSession s;
  ByteView p = payload.view();
  std::copy_n(p.begin(), kImportTokenIdSize, s.token_id.begin());
  s.expires_ms = static_cast<int64_t>(GetBe(p, kImportTokenIdSize, 8));
  s.wrapping_spec = static_cast<KeySpec>(GetBe(p, kImportTokenIdSize + 8, 4));
  if (!IsRsa(s.wrapping_spec)) return Status::DataLoss("import session has a bad wrapping spec");
  s.key_pair_pem = SecretBytes(p.subspan(kFixedPayload));
  return s;
}

}  // namespace kms::keys
