#pragma once
// Encryption of a released secret to a recipient's public key, for attestation-gated key
// release (docs/attestation.md, "Attestation-gated key release"). The algorithm follows from
// the key:
//
//   RSA-3072  "RSA-OAEP-SHA256": RSA-OAEP with SHA-256 and MGF1-SHA-256, empty label; the
//             plaintext is at most 318 bytes.
//   EC P-256  "ECDH-P256-HKDF-SHA256-AES256GCM": a fresh P-256 key pair E per call;
//             Z = ECDH(E, R) (the 32-byte x coordinate); K = HKDF-SHA256(ikm Z, empty salt,
//             info "ehsm-kms recipient v1" || SPKI(E) || SPKI(R), 32 bytes); AES-256-GCM under
//             K with a random 12-byte IV and no AAD. ciphertext = IV || ct || 16-byte tag, and
//             SPKI(E) travels as `ephemeral_public_key`.
//
// SPKI is the DER SubjectPublicKeyInfo. Thread-safe.

#include <openssl/evp.h>

#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/secret_bytes.h"
#include "common/status.h"

namespace kms::crypto {

inline constexpr std::string_view kRecipientRsaOaep = "RSA-OAEP-SHA256";
inline constexpr std::string_view kRecipientEcdhAesGcm = "ECDH-P256-HKDF-SHA256-AES256GCM";
inline constexpr size_t kRecipientRsaMaxPlaintext = 384 - 66;

struct RecipientCiphertext {
  std::string algorithm;  // kRecipientRsaOaep or kRecipientEcdhAesGcm
  Bytes ciphertext;
  Bytes ephemeral_public_key;  // SPKI DER of E; empty for RSA
};

// kInvalidArgument when `public_key_der` is not one SPKI DER of an RSA-3072 or P-256 key, or
// the plaintext is too long for RSA (the message says so and suggests a P-256 key).
Status CheckRecipientKey(ByteView public_key_der);
StatusOr<RecipientCiphertext> EncryptToRecipient(ByteView public_key_der, ByteView plaintext);

// The recipient's side, with its private key. kDataLoss when the ciphertext does not open.
StatusOr<SecretBytes> DecryptAsRecipient(EVP_PKEY& private_key, const RecipientCiphertext& c);

}  // namespace kms::crypto
