#include "crypto/aes_gcm.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <algorithm>
#include <climits>
#include <mutex>
#include <string>
#include <vector>

#include "crypto/ctx_pool.h"
#include "crypto/ossl_ptr.h"

namespace kms::crypto {
namespace {

// EVP_*Update take an int length, so longer inputs go through in chunks.
constexpr size_t kMaxChunk = size_t{1} << 30;

// Implicit fetches (EVP_aes_256_gcm()) cost ~0.3 µs per call in OpenSSL 3.0; fetch once.
const EVP_CIPHER* CipherFor(size_t key_size) {
  static EVP_CIPHER* const k128 = EVP_CIPHER_fetch(nullptr, "AES-128-GCM", nullptr);
  static EVP_CIPHER* const k192 = EVP_CIPHER_fetch(nullptr, "AES-192-GCM", nullptr);
  static EVP_CIPHER* const k256 = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  switch (key_size) {
    case 16: return k128;
    case 24: return k192;
    case 32: return k256;
    default: return nullptr;
  }
}

bool Update(EVP_CIPHER_CTX* ctx, bool encrypt, ByteView in, uint8_t* out) {
  while (!in.empty()) {
    size_t n = std::min(in.size(), kMaxChunk);
    int len = 0;
    int ok = encrypt ? EVP_EncryptUpdate(ctx, out, &len, in.data(), static_cast<int>(n))
                     : EVP_DecryptUpdate(ctx, out, &len, in.data(), static_cast<int>(n));
    if (ok != 1 || (out != nullptr && static_cast<size_t>(len) != n)) return false;
    in = in.subspan(n);
    if (out != nullptr) out += n;
  }
  return true;
}

}  // namespace

struct AesGcm::CtxPool : crypto::CtxPool<EVP_CIPHER_CTX> {};

StatusOr<std::unique_ptr<AesGcm>> AesGcm::New(ByteView key) {
  if (key.size() != 16 && key.size() != 24 && key.size() != 32) {
    return Status::InvalidArgument("AES-GCM key must be 16, 24 or 32 bytes, got " +
                                   std::to_string(key.size()));
  }
  if (CipherFor(key.size()) == nullptr) return Status::Internal("AES-GCM cipher unavailable");
  return std::unique_ptr<AesGcm>(new AesGcm(SecretBytes(key), std::make_unique<CtxPool>()));
}

AesGcm::AesGcm(SecretBytes key, std::unique_ptr<CtxPool> pool)
    : key_(std::move(key)), pool_(std::move(pool)) {}

AesGcm::~AesGcm() = default;

Status AesGcm::Encrypt(ByteView iv, ByteView plaintext, ByteView aad,
                       std::span<uint8_t> ciphertext, std::span<uint8_t, kTagSize> tag) const {
  if (iv.size() != kIvSize) {
    return Status::InvalidArgument("AES-GCM IV must be 12 bytes, got " + std::to_string(iv.size()));
  }
  if (ciphertext.size() != plaintext.size()) {
    return Status::InvalidArgument("ciphertext buffer is " + std::to_string(ciphertext.size()) +
                                   " bytes, expected " + std::to_string(plaintext.size()));
  }
  CtxPool::Lease pooled(*pool_);
  auto& ctx = pooled.ctx();
  if (ctx == nullptr) {
    ctx.reset(EVP_CIPHER_CTX_new());
    if (ctx == nullptr ||
        EVP_EncryptInit_ex2(ctx.get(), CipherFor(key_.size()), key_.data(), iv.data(), nullptr) !=
            1) {
      pooled.Discard();
      return Status::Internal("AES-GCM init failed");
    }
  } else if (EVP_EncryptInit_ex2(ctx.get(), nullptr, nullptr, iv.data(), nullptr) != 1) {
    pooled.Discard();
    return Status::Internal("AES-GCM init failed");
  }
  // GCM's Final writes nothing, but OpenSSL's contract wants an output buffer.
  uint8_t tag_scratch[kTagSize];
  int len = 0;
  if (!Update(ctx.get(), true, aad, nullptr) ||
      !Update(ctx.get(), true, plaintext, ciphertext.data()) ||
      EVP_EncryptFinal_ex(ctx.get(), tag_scratch, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kTagSize, tag.data()) != 1) {
    pooled.Discard();
    OPENSSL_cleanse(ciphertext.data(), ciphertext.size());
    return Status::Internal("AES-GCM encryption failed");
  }
  return Status::Ok();
}

Status AesGcm::Decrypt(ByteView iv, ByteView ciphertext, ByteView aad, ByteView tag,
                       std::span<uint8_t> plaintext) const {
  if (iv.size() != kIvSize) {
    return Status::InvalidArgument("AES-GCM IV must be 12 bytes, got " + std::to_string(iv.size()));
  }
  if (tag.size() != kTagSize) {
    return Status::InvalidArgument("AES-GCM tag must be 16 bytes, got " +
                                   std::to_string(tag.size()));
  }
  if (plaintext.size() != ciphertext.size()) {
    return Status::InvalidArgument("plaintext buffer is " + std::to_string(plaintext.size()) +
                                   " bytes, expected " + std::to_string(ciphertext.size()));
  }
  CtxPool::Lease pooled(*pool_);
  auto& ctx = pooled.ctx();
  if (ctx == nullptr) {
    ctx.reset(EVP_CIPHER_CTX_new());
    if (ctx == nullptr ||
        EVP_DecryptInit_ex2(ctx.get(), CipherFor(key_.size()), key_.data(), iv.data(), nullptr) !=
            1) {
      pooled.Discard();
      return Status::Internal("AES-GCM init failed");
    }
  } else if (EVP_DecryptInit_ex2(ctx.get(), nullptr, nullptr, iv.data(), nullptr) != 1) {
    pooled.Discard();
    return Status::Internal("AES-GCM init failed");
  }
  // The tag must be set before Final; this copy exists because the ctrl takes a non-const pointer.
  uint8_t tag_copy[kTagSize];
  std::copy(tag.begin(), tag.end(), tag_copy);
  uint8_t tag_scratch[kTagSize];
  int len = 0;
  if (!Update(ctx.get(), false, aad, nullptr) ||
      !Update(ctx.get(), false, ciphertext, plaintext.data()) ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kTagSize, tag_copy) != 1) {
    pooled.Discard();
    OPENSSL_cleanse(plaintext.data(), plaintext.size());
    return Status::Internal("AES-GCM decryption failed");
  }
  if (EVP_DecryptFinal_ex(ctx.get(), tag_scratch, &len) != 1) {
    // A context that failed authentication is re-initialised with a fresh IV on next use.
    OPENSSL_cleanse(plaintext.data(), plaintext.size());
    return Status::DataLoss("AES-GCM authentication failed");
  }
  return Status::Ok();
}

}  // namespace kms::crypto
