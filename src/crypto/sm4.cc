#include "crypto/sm4.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <climits>
#include <string>

#include "crypto/ossl_ptr.h"

namespace kms::crypto {
namespace {

enum class Mode { kCtr, kCbc };

const EVP_CIPHER* Cipher(Mode mode) {
  static EVP_CIPHER* const kCtr = EVP_CIPHER_fetch(nullptr, "SM4-CTR", nullptr);
  static EVP_CIPHER* const kCbc = EVP_CIPHER_fetch(nullptr, "SM4-CBC", nullptr);
  return mode == Mode::kCtr ? kCtr : kCbc;
}

Status CheckKeyIv(ByteView key, ByteView iv) {
  if (key.size() != kSm4KeySize) {
    return Status::InvalidArgument("SM4 key must be 16 bytes, got " + std::to_string(key.size()));
  }
  if (iv.size() != kSm4BlockSize) {
    return Status::InvalidArgument("SM4 IV must be 16 bytes, got " + std::to_string(iv.size()));
  }
  return Status::Ok();
}

// Runs one whole SM4 operation into `out`, which must have room for in.size() + 16 bytes.
// Returns the number of bytes written, or -1 on any failure (including bad CBC padding).
long Run(Mode mode, bool encrypt, ByteView key, ByteView iv, ByteView in, uint8_t* out) {
  const EVP_CIPHER* cipher = Cipher(mode);
  if (cipher == nullptr || in.size() > INT_MAX - kSm4BlockSize) return -1;
  OsslPtr<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
  if (ctx == nullptr ||
      EVP_CipherInit_ex2(ctx.get(), cipher, key.data(), iv.data(), encrypt ? 1 : 0, nullptr) != 1) {
    return -1;
  }
  int len1 = 0;
  int len2 = 0;
  if (!in.empty() &&
      EVP_CipherUpdate(ctx.get(), out, &len1, in.data(), static_cast<int>(in.size())) != 1) {
    return -1;
  }
  if (EVP_CipherFinal_ex(ctx.get(), out + len1, &len2) != 1) return -1;
  return static_cast<long>(len1) + len2;
}

}  // namespace

StatusOr<Bytes> Sm4CtrEncrypt(ByteView key, ByteView iv, ByteView plaintext) {
  KMS_RETURN_IF_ERROR(CheckKeyIv(key, iv));
  Bytes out(plaintext.size() + kSm4BlockSize);
  long n = Run(Mode::kCtr, true, key, iv, plaintext, out.data());
  if (n != static_cast<long>(plaintext.size())) return Status::Internal("SM4-CTR failed");
  out.resize(static_cast<size_t>(n));
  return out;
}

StatusOr<SecretBytes> Sm4CtrDecrypt(ByteView key, ByteView iv, ByteView ciphertext) {
  KMS_RETURN_IF_ERROR(CheckKeyIv(key, iv));
  SecretBytes out(ciphertext.size() + kSm4BlockSize);
  long n = Run(Mode::kCtr, false, key, iv, ciphertext, out.data());
  if (n != static_cast<long>(ciphertext.size())) return Status::Internal("SM4-CTR failed");
  out.Truncate(static_cast<size_t>(n));
  return out;
}

StatusOr<Bytes> Sm4CbcEncrypt(ByteView key, ByteView iv, ByteView plaintext) {
  KMS_RETURN_IF_ERROR(CheckKeyIv(key, iv));
  const size_t expected = (plaintext.size() / kSm4BlockSize + 1) * kSm4BlockSize;
  Bytes out(plaintext.size() + kSm4BlockSize);
  long n = Run(Mode::kCbc, true, key, iv, plaintext, out.data());
  if (n != static_cast<long>(expected)) return Status::Internal("SM4-CBC failed");
  out.resize(expected);
  return out;
}

StatusOr<SecretBytes> Sm4CbcDecrypt(ByteView key, ByteView iv, ByteView ciphertext) {
  KMS_RETURN_IF_ERROR(CheckKeyIv(key, iv));
  if (ciphertext.empty() || ciphertext.size() % kSm4BlockSize != 0) {
    return Status::DataLoss("SM4-CBC ciphertext must be a positive multiple of 16 bytes");
  }
  SecretBytes out(ciphertext.size() + kSm4BlockSize);
  long n = Run(Mode::kCbc, false, key, iv, ciphertext, out.data());
  if (n < 0) return Status::DataLoss("SM4-CBC decryption failed");
  out.Truncate(static_cast<size_t>(n));
  return out;
}

}  // namespace kms::crypto
