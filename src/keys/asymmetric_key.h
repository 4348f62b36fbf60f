#pragma once
// AsymmetricKey: one RSA, EC or SM2 CMK's key pair behind the eHSM operations, with the
// eHSM rules for paddings, digests and message types (spec: eHSM API §3.6–§3.8):
//   RSA  encrypt: EH_RSA_PKCS1 / EH_RSA_PKCS1_OAEP (SHA-256, MGF1-SHA-256, empty label)
//        sign:    EH_RSA_PKCS1 / EH_RSA_PKCS1_PSS (salt = digest length); SHA-2 digests only
//   EC   sign only: ECDSA with any digest mode; padding ignored
//   SM2  encrypt: OpenSSL's DER format; sign: ID 1234567812345678 with SM3, whatever
//        digest_mode says; EH_DIGEST input is e = SM3(Z || M); padding ignored
// Key material is the stored format: public PEM immediately followed by private PEM.
//
// Immutable and thread-safe after construction. Errors: kInvalidArgument for a client mistake
// (message says what is wrong); kDataLoss, one message, for every decryption failure.

#include <memory>
#include <string>
#include <variant>

#include "common/bytes.h"
#include "common/secret_bytes.h"
#include "common/status.h"
#include "crypto/ec.h"
#include "crypto/rsa.h"
#include "crypto/sm2.h"
#include "keys/key_spec.h"

namespace kms::keys {

struct SignParams {
  DigestMode digest = DigestMode::kSha256;
  PaddingMode padding = PaddingMode::kNone;
  MessageType type = MessageType::kRaw;
};

// RSA-*, EC-* and SM2.
bool IsAsymmetric(KeySpec spec);

class AsymmetricKey {
 public:
  // A fresh key pair. Slow for RSA (RSA-4096 can take seconds): callers bound concurrency.
  static StatusOr<std::unique_ptr<AsymmetricKey>> Generate(KeySpec spec);
  // Parses stored material; kDataLoss if it is not a key pair of `spec`.
  static StatusOr<std::unique_ptr<AsymmetricKey>> FromMaterial(KeySpec spec,
                                                               const SecretBytes& pem);

  KeySpec spec() const { return spec_; }
  StatusOr<SecretBytes> KeyPairPem() const;
  // RSA: PKCS#1 "RSA PUBLIC KEY"; EC and SM2: SubjectPublicKeyInfo "PUBLIC KEY".
  StatusOr<std::string> PublicPem() const;

  // RSA and SM2 only (the caller checks the keyspec). kInvalidArgument for an unsupported
  // padding or a plaintext longer than the padding allows (the message gives the limit).
  StatusOr<Bytes> Encrypt(PaddingMode padding, ByteView plaintext) const;
  StatusOr<SecretBytes> Decrypt(PaddingMode padding, ByteView ciphertext) const;
  // Largest plaintext Encrypt accepts (RSA: k-11 PKCS#1, k-66 OAEP-SHA-256).
  size_t MaxPlaintextSize(PaddingMode padding) const;

  // kInvalidArgument for an unsupported padding/digest or an EH_DIGEST input of the wrong size.
  StatusOr<Bytes> Sign(const SignParams& params, ByteView input) const;
  // false for a well-formed signature that does not verify and for an EH_DIGEST input of the
  // wrong size (as upstream); kInvalidArgument for unsupported parameters and for an RSA
  // signature whose length is not the modulus size.
  StatusOr<bool> Verify(const SignParams& params, ByteView input, ByteView signature) const;

 private:
  using Key = std::variant<std::unique_ptr<crypto::RsaKey>, std::unique_ptr<crypto::EcKey>,
                           std::unique_ptr<crypto::Sm2Key>>;
  AsymmetricKey(KeySpec spec, Key key) : spec_(spec), key_(std::move(key)) {}

  KeySpec spec_;
  Key key_;
};

}  // namespace kms::keys
