#pragma once
// A pending BYOK import, stored in place of the key material of an external CMK between
// GetParametersForImport and ImportKeyMaterial. It holds the RSA wrapping key pair and the id
// and expiry of the one token that may complete the import.
//
// A CMK's stored blob is therefore one of: empty (external key, nothing yet), an import
// session (starts with "EHIS"), or wrapped key material (keys/cmk_blob.h, starts with "EHKB").
//
// Layout: "EHIS" || version (1) || WrapKeyMaterial(dk, binding', payload), where binding' is
// the key's binding with usage "import-session:<usage>" (so a session can never be unwrapped
// as key material), and payload = token id (16) || expiry ms (8, big-endian) ||
// wrapping keyspec (4, big-endian) || RSA key pair PEM. Thread-safe free functions.

#include <cstdint>
#include <optional>

#include "common/bytes.h"
#include "common/secret_bytes.h"
#include "common/status.h"
#include "keys/cmk_blob.h"
#include "keys/domain_key.h"
#include "keys/import_token.h"
#include "keys/key_spec.h"

namespace kms::keys {

struct ImportSession {
  ImportTokenId token_id{};
  int64_t expires_ms = 0;
  KeySpec wrapping_spec = KeySpec::kRsa2048;
  SecretBytes key_pair_pem;
};

bool IsImportSessionBlob(ByteView blob);

// The domain key id recorded in a stored CMK blob: wrapped key material or an import session
// (which wraps its payload the same way). nullopt for an empty or unrecognised blob.
std::optional<DomainKey::Id> StoredBlobDomainKeyId(ByteView blob);

StatusOr<Bytes> SealImportSession(const DomainKey& dk, const BlobBinding& key_binding,
                                  const ImportSession& session);
// kDataLoss if the blob is not a session of this key under this domain key.
StatusOr<ImportSession> OpenImportSession(const DomainKey& dk, const BlobBinding& key_binding,
                                          ByteView blob);

}  // namespace kms::keys
