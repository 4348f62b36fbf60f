#pragma once
// ECDSA keys on P-224, P-256, secp256k1, P-384 and P-521. Immutable after construction; all
// const methods are thread-safe.
//
// PEM: public SPKI "PUBLIC KEY", private SEC1 "EC PRIVATE KEY" (FromPem also reads PKCS#8).
// Signatures are DER SEQUENCE{r, s}.

#include <memory>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/secret_bytes.h"
#include "common/status.h"
#include "crypto/digest.h"
#include "crypto/ossl_ptr.h"

namespace kms::crypto {

enum class EcCurve { kP224, kP256, kSecp256k1, kP384, kP521 };

class EcKey {
 public:
  static StatusOr<std::unique_ptr<EcKey>> Generate(EcCurve curve);
  // See ParseKeyPem; the key must be EC on one of the curves above (named, not explicit
  // parameters; SM2 keys belong to Sm2Key), else kInvalidArgument.
  static StatusOr<std::unique_ptr<EcKey>> FromPem(std::string_view pem);

  EcCurve curve() const { return curve_; }
  bool has_private() const { return has_private_; }

  StatusOr<std::string> PublicPem() const;
  StatusOr<SecretBytes> PrivatePem() const;  // kFailedPrecondition without a private key
  StatusOr<SecretBytes> KeyPairPem() const;  // public PEM then private PEM

  // ECDSA over Digest(alg, input) (kRaw) or over `input`, which must be digest-sized (kDigest,
  // else kInvalidArgument). Any DigestAlg works, SM3 included; the hash is computed here because
  // OpenSSL 3.0 only lets SHA-1/SHA-2/SHA-3 drive ECDSA itself.
  StatusOr<Bytes> Sign(DigestAlg alg, MessageType type, ByteView input) const;
  // false for any signature that does not verify, malformed DER included; errors as for Sign.
  StatusOr<bool> Verify(DigestAlg alg, MessageType type, ByteView input,
                        ByteView signature) const;

  const EVP_PKEY& pkey() const { return *pkey_; }

 private:
  EcKey(OsslPtr<EVP_PKEY> pkey, EcCurve curve, bool has_private)
      : pkey_(std::move(pkey)), curve_(curve), has_private_(has_private) {}

  OsslPtr<EVP_PKEY> pkey_;
  EcCurve curve_;
  bool has_private_;
};

}  // namespace kms::crypto
