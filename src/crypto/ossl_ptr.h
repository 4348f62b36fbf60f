#pragma once
// OsslPtr<T>: unique ownership of OpenSSL objects, one deleter per type.

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/decoder.h>
#include <openssl/ec.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/x509.h>

#include <memory>

namespace kms::crypto {

template <typename T>
struct OsslDeleter;

#define KMS_OSSL_DELETER(T, F) \
  template <>                  \
  struct OsslDeleter<T> {      \
    void operator()(T* p) const { F(p); } \
  }

KMS_OSSL_DELETER(EVP_CIPHER_CTX, EVP_CIPHER_CTX_free);
KMS_OSSL_DELETER(EVP_CIPHER, EVP_CIPHER_free);
KMS_OSSL_DELETER(EVP_MD_CTX, EVP_MD_CTX_free);
KMS_OSSL_DELETER(EVP_MD, EVP_MD_free);
KMS_OSSL_DELETER(EVP_MAC, EVP_MAC_free);
KMS_OSSL_DELETER(EVP_MAC_CTX, EVP_MAC_CTX_free);
KMS_OSSL_DELETER(EVP_PKEY, EVP_PKEY_free);
KMS_OSSL_DELETER(EVP_PKEY_CTX, EVP_PKEY_CTX_free);
KMS_OSSL_DELETER(EVP_KDF, EVP_KDF_free);
KMS_OSSL_DELETER(EVP_KDF_CTX, EVP_KDF_CTX_free);
KMS_OSSL_DELETER(BIO, BIO_free_all);
KMS_OSSL_DELETER(X509, X509_free);
KMS_OSSL_DELETER(X509_CRL, X509_CRL_free);
KMS_OSSL_DELETER(X509_STORE, X509_STORE_free);
KMS_OSSL_DELETER(X509_STORE_CTX, X509_STORE_CTX_free);
KMS_OSSL_DELETER(ASN1_OBJECT, ASN1_OBJECT_free);
KMS_OSSL_DELETER(ECDSA_SIG, ECDSA_SIG_free);
KMS_OSSL_DELETER(X509_NAME, X509_NAME_free);
KMS_OSSL_DELETER(ASN1_INTEGER, ASN1_INTEGER_free);
KMS_OSSL_DELETER(BIGNUM, BN_free);
KMS_OSSL_DELETER(EC_GROUP, EC_GROUP_free);
KMS_OSSL_DELETER(OSSL_ENCODER_CTX, OSSL_ENCODER_CTX_free);
KMS_OSSL_DELETER(OSSL_DECODER_CTX, OSSL_DECODER_CTX_free);

#undef KMS_OSSL_DELETER

template <typename T>
using OsslPtr = std::unique_ptr<T, OsslDeleter<T>>;

}  // namespace kms::crypto
