#pragma once
// The wrapped form of key material under the domain key, as stored in the database.
//
// Layout (version 1, little-endian):
//   0   4  magic "EHKB"
//   4   1  version (1)
//   5   1  algorithm (1 = AES-256-GCM under the domain key)
//   6   2  reserved (0)
//   8   8  domain key id (DomainKey::id())
//  16  12  IV (random per wrap)
//  28  16  GCM tag
//  44   n  ciphertext of the key material
// GCM associated data = bytes [0, 16) followed by the encoded BlobBinding, so a blob moved to
// another key id, owner, keyspec, usage or origin (for instance by editing a database row)
// fails to unwrap instead of becoming a different kind of key. See docs/blob-format.md.

#include <optional>
#include <string>

#include "common/bytes.h"
#include "common/secret_bytes.h"
#include "common/status.h"
#include "keys/domain_key.h"

namespace kms::keys {

// What a blob is bound to. For CMKs: the key's id, owner and enumeration names. Internal keys
// of a tenant (apikey protection, default secret key) use their own `usage` labels.
struct BlobBinding {
  std::string keyid;
  std::string creator;
  std::string keyspec;
  std::string origin;
  std::string usage;
};

inline constexpr size_t kBlobHeaderSize = 44;

StatusOr<Bytes> WrapKeyMaterial(const DomainKey& dk, const BlobBinding& binding,
                                ByteView material);

// The domain key id recorded in a version-1 blob (bytes 8..15), or nullopt if `blob` is not one.
std::optional<DomainKey::Id> BlobDomainKeyId(ByteView blob);

// kDataLoss for a malformed blob, a blob of another domain key (named as such) or one whose
// binding or bytes were altered.
StatusOr<SecretBytes> UnwrapKeyMaterial(const DomainKey& dk, const BlobBinding& binding,
                                        ByteView blob);

}  // namespace kms::keys
