#include "keys/symmetric_cipher.h"

#include <cstring>

#include "crypto/random.h"
#include "crypto/sm4.h"

namespace kms::keys {
namespace {

Status DecryptionFailed() { return Status::DataLoss("decryption failed"); }

}  // namespace

StatusOr<std::unique_ptr<SymmetricCipher>> SymmetricCipher::New(KeySpec spec,
                                                                 SecretBytes material) {
  size_t want = SymmetricKeySize(spec);
  if (want == 0) return Status::InvalidArgument("not a symmetric keyspec");
  if (material.size() != want) {
    return Status::DataLoss("key material has " + std::to_string(material.size()) +
                            " bytes, keyspec needs " + std::to_string(want));
  }
  std::unique_ptr<crypto::AesGcm> gcm;
  if (spec != KeySpec::kSm4Ctr && spec != KeySpec::kSm4Cbc) {
    KMS_ASSIGN_OR_RETURN(gcm, crypto::AesGcm::New(material.view()));
  }
  return std::unique_ptr<SymmetricCipher>(
      new SymmetricCipher(spec, std::move(material), std::move(gcm)));
}

StatusOr<Bytes> SymmetricCipher::Encrypt(ByteView plaintext, ByteView aad) const {
  if (gcm_) {
    constexpr size_t kIv = crypto::AesGcm::kIvSize, kTag = crypto::AesGcm::kTagSize;
    Bytes out(plaintext.size() + kIv + kTag);
    uint8_t* iv = out.data() + plaintext.size();
    KMS_RETURN_IF_ERROR(crypto::RandomNonce({iv, kIv}));
    KMS_RETURN_IF_ERROR(gcm_->Encrypt(ByteView(iv, kIv), plaintext, aad,
                                      std::span<uint8_t>(out.data(), plaintext.size()),
                                      std::span<uint8_t, kTag>(iv + kIv, kTag)));
    return out;
  }
  uint8_t iv[crypto::kSm4BlockSize];
  KMS_RETURN_IF_ERROR(crypto::RandomNonce(iv));
  StatusOr<Bytes> body = spec_ == KeySpec::kSm4Ctr
                             ? crypto::Sm4CtrEncrypt(material_.view(), iv, plaintext)
                             : crypto::Sm4CbcEncrypt(material_.view(), iv, plaintext);
  if (!body.ok()) return body.status();
  Bytes out = std::move(body).value();
  out.insert(out.end(), iv, iv + sizeof(iv));
  return out;
}

StatusOr<SecretBytes> SymmetricCipher::Decrypt(ByteView ciphertext, ByteView aad) const {
  if (gcm_) {
    constexpr size_t kIv = crypto::AesGcm::kIvSize, kTag = crypto::AesGcm::kTagSize;
    if (ciphertext.size() <= kIv + kTag) return DecryptionFailed();
    size_t n = ciphertext.size() - kIv - kTag;
    SecretBytes out(n);
    Status s = gcm_->Decrypt(ciphertext.subspan(n, kIv), ciphertext.first(n), aad,
                             ciphertext.subspan(n + kIv, kTag), out.span());
    if (!s.ok()) return DecryptionFailed();
    return out;
  }
  constexpr size_t kIv = crypto::kSm4BlockSize;
  if (ciphertext.size() <= kIv) return DecryptionFailed();
  size_t n = ciphertext.size() - kIv;
  ByteView iv = ciphertext.subspan(n, kIv);
  StatusOr<SecretBytes> out = spec_ == KeySpec::kSm4Ctr
                                  ? crypto::Sm4CtrDecrypt(material_.view(), iv, ciphertext.first(n))
                                  : crypto::Sm4CbcDecrypt(material_.view(), iv, ciphertext.first(n));
  if (!out.ok()) return DecryptionFailed();
  return out;
}

}  // namespace kms::keys
