#include "crypto/siphash.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cstdlib>

#include "crypto/ossl_ptr.h"

namespace kms::crypto {
namespace {

const EVP_MAC* SipHashMac() {
  // Fetched once: EVP_MAC_fetch is a provider lookup, far costlier than the MAC itself.
  static EVP_MAC* mac = EVP_MAC_fetch(nullptr, "SIPHASH", nullptr);
  return mac;
}

}  // namespace

uint64_t SipHash24(const SipHashKey& key, ByteView message) {
  // One context per thread, re-keyed per call: SipHash's init only loads the key, while making
  // and freeing a context per call cost more than hashing a request's replay tuple.
  thread_local OsslPtr<EVP_MAC_CTX> ctx;
  if (ctx == nullptr) {
    const EVP_MAC* mac = SipHashMac();
    ctx.reset(mac ? EVP_MAC_CTX_new(const_cast<EVP_MAC*>(mac)) : nullptr);
  }
  size_t size = 8;
  unsigned int c_rounds = 2, d_rounds = 4;
  OSSL_PARAM params[] = {
      OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &size),
      OSSL_PARAM_construct_uint(OSSL_MAC_PARAM_C_ROUNDS, &c_rounds),
      OSSL_PARAM_construct_uint(OSSL_MAC_PARAM_D_ROUNDS, &d_rounds),
      OSSL_PARAM_construct_end(),
  };
  uint8_t out[8];
  size_t out_len = 0;
  if (!ctx || EVP_MAC_init(ctx.get(), key.data(), key.size(), params) != 1 ||
      EVP_MAC_update(ctx.get(), message.data(), message.size()) != 1 ||
      EVP_MAC_final(ctx.get(), out, &out_len, sizeof(out)) != 1 || out_len != 8) {
    // Only a broken OpenSSL installation gets here; continuing would disable replay checks.
    std::abort();
  }
  uint64_t h = 0;
  for (int i = 7; i >= 0; --i) h = (h << 8) | out[i];  // little-endian, as the reference
  return h;
}

}  // namespace kms::crypto
