#pragma once
// The sealed-blob format the TEE backends share (sim, gramine); only where the sealing key
// comes from differs. Layout (little-endian):
//   0  8  magic "EHSMSEAL"
//   8  2  version (1)
//  10  1  policy (SealPolicy)
//  11  1  reserved (0)
//  12 16  key id (random; the backend derives the sealing key from it)
//  28 12  IV
//  40 16  GCM tag
//  56  n  AES-256-GCM ciphertext
// The GCM AAD is bytes [0, 28) followed by the caller's aad.

#include <functional>

#include "common/bytes.h"
#include "common/secret_bytes.h"
#include "common/status.h"
#include "tee/tee_platform.h"

namespace kms::tee {

// The backend's 32-byte AES key for `policy` and the blob's 16-byte `key_id`.
using SealingKeyFn = std::function<StatusOr<SecretBytes>(SealPolicy policy, ByteView key_id)>;

StatusOr<Bytes> SealBlob(const SealingKeyFn& key, ByteView plaintext, ByteView aad,
                         SealPolicy policy);
// kDataLoss when `sealed` is not such a blob, or does not authenticate under the key the
// backend derives (`mismatch` is then the message).
StatusOr<SecretBytes> UnsealBlob(const SealingKeyFn& key, ByteView sealed, ByteView aad,
                                 std::string_view mismatch);

}  // namespace kms::tee
