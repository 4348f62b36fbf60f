#include "crypto/hmac.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "crypto/ctx_pool.h"
#include "crypto/ossl_ptr.h"

namespace kms::crypto {
namespace {

// Fetched once: an implicit fetch per call would dominate the cost of short messages.
EVP_MAC* HmacAlg() {
  static EVP_MAC* const mac = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
  return mac;
}

EVP_MD* Sha256Alg() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

}  // namespace

StatusOr<Sha256Digest> HmacSha256(ByteView key, ByteView message) {
  if (HmacAlg() == nullptr) return Status::Internal("HMAC unavailable");
  OsslPtr<EVP_MAC_CTX> ctx(EVP_MAC_CTX_new(HmacAlg()));
  if (ctx == nullptr) return Status::Internal("EVP_MAC_CTX_new failed");
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end(),
  };
  // OpenSSL treats a null key as "no key"; an empty HMAC key is legal, so pass a real pointer.
  static const uint8_t kEmpty = 0;
  const uint8_t* key_ptr = key.empty() ? &kEmpty : key.data();
  Sha256Digest out;
  size_t out_len = 0;
  if (EVP_MAC_init(ctx.get(), key_ptr, key.size(), params) != 1 ||
      (!message.empty() && EVP_MAC_update(ctx.get(), message.data(), message.size()) != 1) ||
      EVP_MAC_final(ctx.get(), out.data(), &out_len, out.size()) != 1 || out_len != out.size()) {
    return Status::Internal("HMAC-SHA256 failed");
  }
  return out;
}

struct HmacSha256Key::State {
  OsslPtr<EVP_MAC_CTX> keyed;  // never updated; only duplicated into the pool
  // Duplicating a keyed context per call cost more than hashing a 1.4 KiB signing string;
  // a finished context restarts with the same key instead.
  CtxPool<EVP_MAC_CTX> idle;
};

HmacSha256Key::HmacSha256Key(std::unique_ptr<State> state) : state_(std::move(state)) {}
HmacSha256Key::~HmacSha256Key() = default;

StatusOr<std::unique_ptr<HmacSha256Key>> HmacSha256Key::New(ByteView key) {
  if (HmacAlg() == nullptr) return Status::Internal("HMAC unavailable");
  auto state = std::make_unique<State>();
  state->keyed.reset(EVP_MAC_CTX_new(HmacAlg()));
  if (state->keyed == nullptr) return Status::Internal("EVP_MAC_CTX_new failed");
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_end(),
  };
  static const uint8_t kEmpty = 0;
  if (EVP_MAC_init(state->keyed.get(), key.empty() ? &kEmpty : key.data(), key.size(), params) !=
      1) {
    return Status::Internal("HMAC-SHA256 key setup failed");
  }
  return std::unique_ptr<HmacSha256Key>(new HmacSha256Key(std::move(state)));
}

StatusOr<Sha256Digest> HmacSha256Key::Compute(ByteView message) const {
  CtxPool<EVP_MAC_CTX>::Lease lease(state_->idle);
  OsslPtr<EVP_MAC_CTX>& ctx = lease.ctx();
  bool ready;
  if (ctx == nullptr) {
    ctx.reset(EVP_MAC_CTX_dup(state_->keyed.get()));
    ready = ctx != nullptr;
  } else {
    ready = EVP_MAC_init(ctx.get(), nullptr, 0, nullptr) == 1;  // same key, fresh state
  }
  Sha256Digest out;
  size_t out_len = 0;
  if (!ready ||
      (!message.empty() && EVP_MAC_update(ctx.get(), message.data(), message.size()) != 1) ||
      EVP_MAC_final(ctx.get(), out.data(), &out_len, out.size()) != 1 || out_len != out.size()) {
    lease.Discard();
    return Status::Internal("HMAC-SHA256 failed");
  }
  return out;
}

StatusOr<Sha256Digest> Sha256(ByteView message) {
  if (Sha256Alg() == nullptr) return Status::Internal("SHA-256 unavailable");
  Sha256Digest out;
  unsigned int out_len = 0;
  if (EVP_Digest(message.data(), message.size(), out.data(), &out_len, Sha256Alg(), nullptr) != 1 ||
      out_len != out.size()) {
    return Status::Internal("SHA-256 failed");
  }
  return out;
}

bool ConstantTimeEquals(ByteView a, ByteView b) {
  if (a.size() != b.size()) return false;
  if (a.empty()) return true;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace kms::crypto
