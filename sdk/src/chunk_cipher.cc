#include "chunk_cipher.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <string.h>

namespace kms::client::internal {

Result<ChunkCipher> ChunkCipher::New(const SecretBytes& key) {
  if (key.size() != 32) return Error::InvalidArgument("data key must be 32 bytes");
  CipherCtxPtr enc(EVP_CIPHER_CTX_new());
  CipherCtxPtr dec(EVP_CIPHER_CTX_new());
  if (!enc || !dec ||
      EVP_EncryptInit_ex(enc.get(), EVP_aes_256_gcm(), nullptr, key.data(), nullptr) != 1 ||
      EVP_DecryptInit_ex(dec.get(), EVP_aes_256_gcm(), nullptr, key.data(), nullptr) != 1) {
    return Error::Local("AES-256-GCM initialisation failed");
  }
  return ChunkCipher(std::move(enc), std::move(dec));
}

Result<void> ChunkCipher::Seal(ByteView nonce, ByteView aad, ByteView plaintext, Bytes& out) {
  EVP_CIPHER_CTX* c = enc_.get();
  int len = 0;
  size_t base = out.size();
  out.resize(base + plaintext.size() + kGcmTagSize);
  if (nonce.size() != kGcmNonceSize ||
      EVP_EncryptInit_ex(c, nullptr, nullptr, nullptr, nonce.data()) != 1 ||
      EVP_EncryptUpdate(c, nullptr, &len, aad.data(), static_cast<int>(aad.size())) != 1 ||
      (!plaintext.empty() &&
       EVP_EncryptUpdate(c, out.data() + base, &len, plaintext.data(),
                         static_cast<int>(plaintext.size())) != 1) ||
      EVP_EncryptFinal_ex(c, out.data() + base + plaintext.size(), &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, kGcmTagSize,
                          out.data() + base + plaintext.size()) != 1) {
    out.resize(base);
    return Error::Local("AES-256-GCM encryption failed");
  }
  return {};
}

Result<void> ChunkCipher::Open(ByteView nonce, ByteView aad, ByteView record, Bytes& out) {
  if (record.size() < kGcmTagSize) return Error::Local("chunk shorter than its tag");
  EVP_CIPHER_CTX* c = dec_.get();
  size_t ct_len = record.size() - kGcmTagSize;
  size_t base = out.size();
  out.resize(base + ct_len);
  int len = 0;
  // The tag buffer must be writable for EVP_CIPHER_CTX_ctrl.
  uint8_t tag[kGcmTagSize];
  memcpy(tag, record.data() + ct_len, kGcmTagSize);
  bool ok = nonce.size() == kGcmNonceSize &&
            EVP_DecryptInit_ex(c, nullptr, nullptr, nullptr, nonce.data()) == 1 &&
            EVP_DecryptUpdate(c, nullptr, &len, aad.data(), static_cast<int>(aad.size())) == 1 &&
            (ct_len == 0 || EVP_DecryptUpdate(c, out.data() + base, &len, record.data(),
                                              static_cast<int>(ct_len)) == 1) &&
            EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, kGcmTagSize, tag) == 1 &&
            EVP_DecryptFinal_ex(c, out.data() + base + ct_len, &len) == 1;
  if (!ok) {
    // Unauthenticated plaintext must not survive.
    explicit_bzero(out.data() + base, ct_len);
    out.resize(base);
    return Error::Local("chunk failed authentication");
  }
  return {};
}

Bytes Sha256(ByteView data) {
  Bytes out(32);
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr);
  return out;
}

Result<void> RandomBytes(std::span<uint8_t> out) {
  if (RAND_bytes(out.data(), static_cast<int>(out.size())) != 1) {
    return Error::Local("the random generator failed");
  }
  return {};
}

}  // namespace kms::client::internal
