#pragma once
// RSA keys (2048/3072/4096 bits, e = 65537): PKCS#1 v1.5 and OAEP encryption, PKCS#1 v1.5 and
// PSS signatures. Immutable after construction; all const methods are thread-safe.
//
// PEM: public "RSA PUBLIC KEY" (PKCS#1), private "RSA PRIVATE KEY" (PKCS#1). FromPem also reads
// SPKI "PUBLIC KEY" and PKCS#8 "PRIVATE KEY".

#include <memory>
#include <string>
#include <string_view>

#include "common/bytes.h"
#include "common/secret_bytes.h"
#include "common/status.h"
#include "crypto/digest.h"
#include "crypto/ossl_ptr.h"

namespace kms::crypto {

enum class RsaEncryptPadding {
  kPkcs1,       // RSAES-PKCS1-v1_5; plaintext at most k - 11 bytes
  kOaepSha256,  // RSAES-OAEP, SHA-256 and MGF1-SHA-256, empty label; at most k - 66 bytes
};

enum class RsaSignPadding {
  kPkcs1,  // RSASSA-PKCS1-v1_5 (DigestInfo)
  kPss,    // RSASSA-PSS, MGF1 with the signing digest, salt length = digest length
};

class RsaKey {
 public:
  // `bits` must be 2048, 3072 or 4096, else kInvalidArgument.
  static StatusOr<std::unique_ptr<RsaKey>> Generate(int bits);
  // See ParseKeyPem; the key must be RSA with a 2048..4096-bit modulus, else kInvalidArgument.
  // A public-only PEM gives a key that can only Encrypt and Verify.
  static StatusOr<std::unique_ptr<RsaKey>> FromPem(std::string_view pem);

  bool has_private() const { return has_private_; }
  int bits() const;
  // Modulus size k in bytes: the ciphertext and signature length.
  size_t size() const;
  size_t MaxPlaintextSize(RsaEncryptPadding padding) const;

  StatusOr<std::string> PublicPem() const;
  StatusOr<SecretBytes> PrivatePem() const;  // kFailedPrecondition without a private key
  // Public PEM immediately followed by private PEM: the stored key material format.
  StatusOr<SecretBytes> KeyPairPem() const;

  // kInvalidArgument if `plaintext` is longer than MaxPlaintextSize.
  StatusOr<Bytes> Encrypt(RsaEncryptPadding padding, ByteView plaintext) const;
  // Every failure (wrong length, bad padding) is the same kDataLoss status with the same message,
  // so callers cannot become a padding oracle by reporting which check failed.
  StatusOr<SecretBytes> Decrypt(RsaEncryptPadding padding, ByteView ciphertext) const;

  // Signs Digest(alg, input) (kRaw) or `input`, which must be digest-sized (kDigest).
  // kInvalidArgument for a wrong digest size or for SM3, which OpenSSL 3.0 refuses with RSA.
  StatusOr<Bytes> Sign(RsaSignPadding padding, DigestAlg alg, MessageType type,
                       ByteView input) const;
  // false if `signature` (exactly size() bytes) does not verify; errors as for Sign, and
  // kInvalidArgument for a signature of the wrong length.
  StatusOr<bool> Verify(RsaSignPadding padding, DigestAlg alg, MessageType type, ByteView input,
                        ByteView signature) const;

  const EVP_PKEY& pkey() const { return *pkey_; }

 private:
  RsaKey(OsslPtr<EVP_PKEY> pkey, bool has_private)
      : pkey_(std::move(pkey)), has_private_(has_private) {}
  StatusOr<OsslPtr<EVP_PKEY_CTX>> SignatureCtx(RsaSignPadding padding, DigestAlg alg,
                                               bool sign) const;

  OsslPtr<EVP_PKEY> pkey_;
  bool has_private_;
};

}  // namespace kms::crypto
