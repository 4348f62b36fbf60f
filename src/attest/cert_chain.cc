#include "attest/cert_chain.h"

#include <openssl/err.h>
#include <openssl/x509_vfy.h>

#include <ctime>

namespace kms::attest {
namespace {

ChainError Classify(int err) {
  switch (err) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
    case X509_V_ERR_CRL_HAS_EXPIRED:
      return ChainError::kExpired;
    case X509_V_ERR_CERT_NOT_YET_VALID:
    case X509_V_ERR_CRL_NOT_YET_VALID:
      return ChainError::kNotYetValid;
    case X509_V_ERR_CERT_REVOKED:
      return ChainError::kRevoked;
    case X509_V_ERR_UNABLE_TO_GET_CRL:
    case X509_V_ERR_CRL_SIGNATURE_FAILURE:
    case X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
    case X509_V_ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD:
    case X509_V_ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD:
    case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
    case X509_V_ERR_DIFFERENT_CRL_SCOPE:
    case X509_V_ERR_CRL_PATH_VALIDATION_ERROR:
      return ChainError::kCrl;
    default:
      return ChainError::kUntrusted;
  }
}

}  // namespace

ChainResult VerifyCertChain(X509& anchor, X509& leaf, std::span<X509* const> intermediates,
                            std::span<X509_CRL* const> crls, int64_t at) {
  crypto::OsslPtr<X509_STORE> store(X509_STORE_new());
  crypto::OsslPtr<X509_STORE_CTX> ctx(X509_STORE_CTX_new());
  STACK_OF(X509)* untrusted = sk_X509_new_null();
  STACK_OF(X509_CRL)* crl_stack = sk_X509_CRL_new_null();
  ChainResult result{ChainError::kUntrusted, "cannot set up path validation"};
  bool ready = store && ctx && untrusted && crl_stack && X509_STORE_add_cert(store.get(), &anchor);
  for (X509* c : intermediates) ready = ready && sk_X509_push(untrusted, c) > 0;
  for (X509_CRL* c : crls) ready = ready && sk_X509_CRL_push(crl_stack, c) > 0;
  if (ready && X509_STORE_CTX_init(ctx.get(), store.get(), &leaf, untrusted) == 1) {
    X509_STORE_CTX_set0_crls(ctx.get(), crl_stack);
    X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
    X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(at));
    X509_VERIFY_PARAM_set_flags(
        param, X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL | X509_V_FLAG_X509_STRICT);
    if (X509_verify_cert(ctx.get()) == 1) {
      result = {};
    } else {
      int err = X509_STORE_CTX_get_error(ctx.get());
      result = {Classify(err), std::string(X509_verify_cert_error_string(err)) + " at depth " +
                                   std::to_string(X509_STORE_CTX_get_error_depth(ctx.get()))};
    }
  }
  // The stacks borrow their elements; the context is freed first (it only references them).
  ctx.reset();
  sk_X509_free(untrusted);
  sk_X509_CRL_free(crl_stack);
  ERR_clear_error();
  return result;
}

// d2i of a whole buffer: trailing bytes are an error too.
template <typename T, T* (*D2i)(T**, const unsigned char**, long)>
StatusOr<crypto::OsslPtr<T>> FromDer(ByteView der, const char* what) {
  const unsigned char* p = der.data();
  crypto::OsslPtr<T> obj(D2i(nullptr, &p, static_cast<long>(der.size())));
  if (!obj || p != der.data() + der.size()) {
    ERR_clear_error();
    return Status::InvalidArgument(std::string("malformed DER ") + what);
  }
  return obj;
}

StatusOr<crypto::OsslPtr<X509_CRL>> CrlFromDer(ByteView der) {
  return FromDer<X509_CRL, d2i_X509_CRL>(der, "CRL");
}

StatusOr<crypto::OsslPtr<X509>> CertFromDer(ByteView der) {
  return FromDer<X509, d2i_X509>(der, "certificate");
}

bool SamePublicKey(const X509& a, const X509& b) {
  const EVP_PKEY* ka = X509_get0_pubkey(&a);
  const EVP_PKEY* kb = X509_get0_pubkey(&b);
  return ka != nullptr && kb != nullptr && EVP_PKEY_eq(ka, kb) == 1;
}

StatusOr<int64_t> AsnTimeToUnix(const ASN1_TIME* t) {
  struct tm tm {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) {
    return Status::InvalidArgument("unreadable ASN.1 time");
  }
  return static_cast<int64_t>(timegm(&tm));
}

}  // namespace kms::attest
