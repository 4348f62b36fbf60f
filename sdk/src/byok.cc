#include "kms/byok.h"

#include <openssl/decoder.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <string>

#include "ossl.h"

namespace kms::client {
using internal::PkeyCtxPtr;
using internal::PkeyPtr;

namespace {

// OpenSSL's PEM decoder accepts both PKCS#1 and SubjectPublicKeyInfo when no structure is
// requested; the server sends PKCS#1 ("RSA PUBLIC KEY").
PkeyPtr LoadRsaPublicKey(std::string_view pem) {
  EVP_PKEY* pkey = nullptr;
  OSSL_DECODER_CTX* dctx = OSSL_DECODER_CTX_new_for_pkey(
      &pkey, "PEM", nullptr, "RSA", EVP_PKEY_PUBLIC_KEY, nullptr, nullptr);
  if (dctx == nullptr) return nullptr;
  const auto* data = reinterpret_cast<const unsigned char*>(pem.data());
  size_t len = pem.size();
  int ok = OSSL_DECODER_from_data(dctx, &data, &len);
  OSSL_DECODER_CTX_free(dctx);
  if (ok != 1) {
    EVP_PKEY_free(pkey);
    return nullptr;
  }
  return PkeyPtr(pkey);
}

}  // namespace

Result<Bytes> WrapKeyMaterial(std::string_view pubkey_pem, ByteView raw_key,
                              std::string_view padding_mode) {
  bool oaep;
  if (padding_mode == "EH_RSA_PKCS1_OAEP") {
    oaep = true;
  } else if (padding_mode == "EH_RSA_PKCS1") {
    oaep = false;
  } else {
    return Error::InvalidArgument("padding must be EH_RSA_PKCS1_OAEP or EH_RSA_PKCS1");
  }
  if (raw_key.empty()) return Error::InvalidArgument("empty key material");
  PkeyPtr pkey = LoadRsaPublicKey(pubkey_pem);
  if (!pkey) return Error::InvalidArgument("the wrapping key is not an RSA public key in PEM");
  PkeyCtxPtr ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pkey.get(), nullptr));
  if (!ctx || EVP_PKEY_encrypt_init(ctx.get()) != 1) {
    return Error::Local("RSA encryption setup failed");
  }
  if (oaep) {
    if (EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_OAEP_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_oaep_md_name(ctx.get(), "SHA256", nullptr) != 1 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md_name(ctx.get(), "SHA256", nullptr) != 1) {
      return Error::Local("RSA-OAEP setup failed");
    }
  } else if (EVP_PKEY_CTX_set_rsa_padding(ctx.get(), RSA_PKCS1_PADDING) != 1) {
    return Error::Local("RSA PKCS#1 setup failed");
  }
  size_t out_len = 0;
  if (EVP_PKEY_encrypt(ctx.get(), nullptr, &out_len, raw_key.data(), raw_key.size()) != 1) {
    return Error::Local("RSA encryption failed");
  }
  Bytes out(out_len);
  if (EVP_PKEY_encrypt(ctx.get(), out.data(), &out_len, raw_key.data(), raw_key.size()) != 1) {
    return Error::InvalidArgument("key material too long for the wrapping key");
  }
  out.resize(out_len);
  return out;
}

}  // namespace kms::client
