#pragma once
// SM2 keys (GB/T 32918): signatures with SM3 and the distinguishing ID "1234567812345678", and
// public-key encryption in OpenSSL's DER format (SEQUENCE{x, y, SM3 hash, ciphertext}).
// Immutable after construction; all const methods are thread-safe.
//
// PEM: public SPKI "PUBLIC KEY", private PKCS#8 "PRIVATE KEY".

#include <memory>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/secret_bytes.h"
#include "common/status.h"
#include "crypto/ossl_ptr.h"

namespace kms::crypto {

class Sm2Key {
 public:
  static constexpr std::string_view kDefaultId = "1234567812345678";

  static StatusOr<std::unique_ptr<Sm2Key>> Generate();
  // See ParseKeyPem; the key must be SM2, else kInvalidArgument.
  static StatusOr<std::unique_ptr<Sm2Key>> FromPem(std::string_view pem);

  bool has_private() const { return has_private_; }

  StatusOr<std::string> PublicPem() const;
  StatusOr<SecretBytes> PrivatePem() const;  // kFailedPrecondition without a private key
  StatusOr<SecretBytes> KeyPairPem() const;  // public PEM then private PEM

  // Signs SM3(Z || message), Z from kDefaultId and the public key. DER SEQUENCE{r, s}.
  StatusOr<Bytes> Sign(ByteView message) const;
  // false for any signature that does not verify, malformed DER included.
  StatusOr<bool> Verify(ByteView message, ByteView signature) const;

  // e = SM3(Z || message), the value an SM2 signature actually signs (GB/T 32918.2 §6.1).
  StatusOr<Bytes> MessageDigest(ByteView message) const;
  // Sign/Verify over a caller-computed e (32 bytes, else kInvalidArgument), so that
  // SignDigest(MessageDigest(m)) equals a signature of m.
  StatusOr<Bytes> SignDigest(ByteView e) const;
  StatusOr<bool> VerifyDigest(ByteView e, ByteView signature) const;

  // `plaintext` must be non-empty (kInvalidArgument).
  StatusOr<Bytes> Encrypt(ByteView plaintext) const;
  // kDataLoss for any ciphertext that does not decrypt (malformed or hash mismatch).
  StatusOr<SecretBytes> Decrypt(ByteView ciphertext) const;

  const EVP_PKEY& pkey() const { return *pkey_; }

 private:
  Sm2Key(OsslPtr<EVP_PKEY> pkey, bool has_private)
      : pkey_(std::move(pkey)), has_private_(has_private) {}
  StatusOr<OsslPtr<EVP_MD_CTX>> DigestCtx(bool sign) const;

  OsslPtr<EVP_PKEY> pkey_;
  bool has_private_;
};

}  // namespace kms::crypto
