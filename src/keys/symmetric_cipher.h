#pragma once
// SymmetricCipher: Encrypt/Decrypt with a symmetric CMK in the eHSM ciphertext layouts that
// clients store in their files (spec: eHSM API §3.2), so they must never change:
//   AES-GCM-128/192/256: C || IV(12) || TAG(16), AAD authenticated when non-empty
//   SM4-CTR:             C || IV(16)   (no integrity; AAD ignored)
//   SM4-CBC:             PKCS#7-padded C || IV(16)   (no integrity; AAD ignored)
// IVs are random per call. Immutable and thread-safe.

#include <memory>

#include "common/bytes.h"
#include "common/secret_bytes.h"
#include "common/status.h"
#include "crypto/aes_gcm.h"
#include "keys/key_spec.h"

namespace kms::keys {

class SymmetricCipher {
 public:
  // `material` must have SymmetricKeySize(spec) bytes.
  static StatusOr<std::unique_ptr<SymmetricCipher>> New(KeySpec spec, SecretBytes material);

  StatusOr<Bytes> Encrypt(ByteView plaintext, ByteView aad) const;
  // Every failure (short input, bad tag, bad padding) is kDataLoss with one message, so callers
  // cannot tell which check failed.
  StatusOr<SecretBytes> Decrypt(ByteView ciphertext, ByteView aad) const;

  KeySpec spec() const { return spec_; }

 private:
  SymmetricCipher(KeySpec spec, SecretBytes material, std::unique_ptr<crypto::AesGcm> gcm)
      : spec_(spec), material_(std::move(material)), gcm_(std::move(gcm)) {}

  KeySpec spec_;
  SecretBytes material_;                // used for SM4
  std::unique_ptr<crypto::AesGcm> gcm_;  // set for AES-GCM
};

}  // namespace kms::keys
