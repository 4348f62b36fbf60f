#include "cbc_cipher.h"

#include <openssl/evp.h>

#include <cstring>

namespace kms::bigdl::internal {
namespace {

const EVP_CIPHER* CbcCipher(size_t key_size) {
  switch (key_size) {
    case 16:
      return EVP_aes_128_cbc();
    case 24:
      return EVP_aes_192_cbc();
    case 32:
      return EVP_aes_256_cbc();
    default:
      return nullptr;
  }
}

Result<client::internal::CipherCtxPtr> NewCtx(ByteView key, ByteView iv, bool encrypt) {
  const EVP_CIPHER* cipher = CbcCipher(key.size());
  if (cipher == nullptr) return Error::InvalidArgument("AES keys have 16, 24 or 32 bytes");
  if (iv.size() != kAesBlock) return Error::InvalidArgument("the IV must have 16 bytes");
  client::internal::CipherCtxPtr ctx(EVP_CIPHER_CTX_new());
  if (ctx == nullptr ||
      EVP_CipherInit_ex(ctx.get(), cipher, nullptr, key.data(), iv.data(), encrypt ? 1 : 0) != 1) {
    return Error::Local("AES-CBC initialisation failed");
  }
  // Encryption pads in EVP; decryption strips the padding itself, after the MAC check.
  if (!encrypt) EVP_CIPHER_CTX_set_padding(ctx.get(), 0);
  return ctx;
}

}  // namespace

Result<CbcEncryptor> CbcEncryptor::New(ByteView key, ByteView iv) {
  EHSM_ASSIGN_OR_RETURN(auto ctx, NewCtx(key, iv, true));
  return CbcEncryptor(std::move(ctx));
}

Result<void> CbcEncryptor::Update(ByteView plain, Bytes& out) {
  if (plain.empty()) return {};
  size_t base = out.size();
  out.resize(base + plain.size() + kAesBlock);
  int n = 0;
  if (EVP_EncryptUpdate(ctx_.get(), out.data() + base, &n, plain.data(),
                        static_cast<int>(plain.size())) != 1) {
    out.resize(base);
    return Error::Local("AES-CBC encryption failed");
  }
  out.resize(base + static_cast<size_t>(n));
  return {};
}

Result<void> CbcEncryptor::Final(Bytes& out) {
  size_t base = out.size();
  out.resize(base + kAesBlock);
  int n = 0;
  if (EVP_EncryptFinal_ex(ctx_.get(), out.data() + base, &n) != 1) {
    out.resize(base);
    return Error::Local("AES-CBC encryption failed");
  }
  out.resize(base + static_cast<size_t>(n));
  return {};
}

Result<CbcDecryptor> CbcDecryptor::New(ByteView key, ByteView iv) {
  EHSM_ASSIGN_OR_RETURN(auto ctx, NewCtx(key, iv, false));
  return CbcDecryptor(std::move(ctx));
}

Result<void> CbcDecryptor::Update(ByteView ct, Bytes& out) {
  if (ct.empty()) return {};
  ct_bytes_ += ct.size();
  // Layout in `out`: the previously held-back block, then this call's plaintext; the newest
  // block goes back into last_.
  size_t base = out.size();
  size_t held = have_last_ ? kAesBlock : 0;
  out.resize(base + held + ct.size() + kAesBlock);
  if (have_last_) std::memcpy(out.data() + base, last_, kAesBlock);
  int n = 0;
  if (EVP_DecryptUpdate(ctx_.get(), out.data() + base + held, &n, ct.data(),
                        static_cast<int>(ct.size())) != 1) {
    out.resize(base);
    return Error::Local("AES-CBC decryption failed");
  }
  size_t produced = held + static_cast<size_t>(n);
  if (produced >= kAesBlock) {
    std::memcpy(last_, out.data() + base + produced - kAesBlock, kAesBlock);
    have_last_ = true;
    produced -= kAesBlock;
  }
  out.resize(base + produced);
  return {};
}

size_t PaddingLength(ByteView block) {
  unsigned pad = block[kAesBlock - 1];
  // good stays 0xff only if 1 <= pad <= 16 and the last `pad` bytes all equal pad.
  unsigned good = 0u - static_cast<unsigned>((pad - 1u) < kAesBlock);
  for (unsigned i = 0; i < kAesBlock; ++i) {
    unsigned in_pad = 0u - static_cast<unsigned>((kAesBlock - 1 - i) < pad);  // i >= 16 - pad
    unsigned differs = 0u - static_cast<unsigned>(block[i] != pad);
    good &= ~(in_pad & differs);
  }
  return static_cast<size_t>(pad & good);
}

Result<void> CbcDecryptor::Final(Bytes& out) {
  if (ct_bytes_ == 0 || ct_bytes_ % kAesBlock != 0 || !have_last_) {
    return Error::Local("the ciphertext is not a whole number of AES blocks (truncated?)");
  }
  size_t pad = PaddingLength(ByteView(last_, kAesBlock));
  if (pad == 0) return Error::Local("invalid padding (wrong key, or the file was modified)");
  out.insert(out.end(), last_, last_ + kAesBlock - pad);
  std::memset(last_, 0, sizeof(last_));
  have_last_ = false;
  return {};
}

}  // namespace kms::bigdl::internal
