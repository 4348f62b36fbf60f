#pragma once
// PEM encoding and decoding of asymmetric keys (EVP_PKEY), shared by RsaKey, EcKey and Sm2Key.
// Thread-safe free functions; `key` is only read.
//
// Stored key material is the public PEM immediately followed by the private PEM (see the key
// classes for which structures each type uses); ParseKeyPem reads that back.

#include <string>
#include <string_view>

#include "common/secret_bytes.h"
#include "common/status.h"
#include "crypto/ossl_ptr.h"

namespace kms::crypto {

enum class PemStructure {
  kTypeSpecific,          // "RSA PUBLIC KEY" / "RSA PRIVATE KEY" (PKCS#1), "EC PRIVATE KEY" (SEC1)
  kSubjectPublicKeyInfo,  // "PUBLIC KEY"
  kPrivateKeyInfo,        // "PRIVATE KEY" (unencrypted PKCS#8)
};

StatusOr<std::string> EncodePublicKeyPem(const EVP_PKEY& key, PemStructure structure);
// kFailedPrecondition if `key` has no private part.
StatusOr<SecretBytes> EncodePrivateKeyPem(const EVP_PKEY& key, PemStructure structure);

// `public_pem` immediately followed by `private_pem`.
SecretBytes JoinPem(std::string_view public_pem, const SecretBytes& private_pem);

struct ParsedKey {
  OsslPtr<EVP_PKEY> pkey;
  bool has_private = false;
};

// Accepts one public key block, one private key block, or a public block followed by the
// matching private block (whitespace around blocks only). Recognised labels: "PUBLIC KEY",
// "RSA PUBLIC KEY", "PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY". Anything else, a
// second block of the same kind, or a public key that does not match the private key gives
// kInvalidArgument. The caller checks the key type.
StatusOr<ParsedKey> ParseKeyPem(std::string_view pem);

}  // namespace kms::crypto
