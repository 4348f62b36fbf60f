#include "crypto/hkdf.h"

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <string>

#include "crypto/ossl_ptr.h"

namespace kms::crypto {

StatusOr<SecretBytes> HkdfSha256(ByteView ikm, ByteView salt, ByteView info, size_t length) {
  constexpr size_t kMaxLength = 255 * 32;  // RFC 5869 §2.3
  if (length == 0 || length > kMaxLength) {
    return Status::InvalidArgument("HKDF-SHA256 length must be 1..8160, got " +
                                   std::to_string(length));
  }
  static EVP_KDF* const kdf = EVP_KDF_fetch(nullptr, "HKDF", nullptr);
  if (kdf == nullptr) return Status::Internal("HKDF unavailable");
  OsslPtr<EVP_KDF_CTX> ctx(EVP_KDF_CTX_new(kdf));
  if (ctx == nullptr) return Status::Internal("EVP_KDF_CTX_new failed");

  // OSSL_PARAM wants non-const pointers although the KDF only reads them. An empty key must
  // still be a non-null pointer, or OpenSSL reports "missing key".
  static uint8_t empty = 0;
  auto ptr = [](ByteView b) {
    return b.empty() ? static_cast<void*>(&empty) : const_cast<uint8_t*>(b.data());
  };
  char digest[] = "SHA256";
  OSSL_PARAM params[5];
  size_t n = 0;
  params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0);
  params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, ptr(ikm), ikm.size());
  // An absent salt means HashLen zero bytes (RFC 5869 §2.2), which HMAC treats like an empty key.
  if (!salt.empty()) {
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, ptr(salt), salt.size());
  }
  if (!info.empty()) {
    params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, ptr(info), info.size());
  }
  params[n] = OSSL_PARAM_construct_end();

  SecretBytes out(length);
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1) {
    return Status::Internal("HKDF-SHA256 failed");
  }
  return out;
}

}  // namespace kms::crypto
