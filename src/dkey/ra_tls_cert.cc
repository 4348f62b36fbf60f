#include "dkey/ra_tls_cert.h"

#include <openssl/objects.h>
#include <openssl/x509v3.h>

#include <memory>

#include "crypto/digest.h"
#include "crypto/openssl_error.h"

namespace kms::dkey {
namespace {

using crypto::OsslPtr;

struct OctetStringFree {
  void operator()(ASN1_OCTET_STRING* p) const { ASN1_OCTET_STRING_free(p); }
};
struct ExtensionFree {
  void operator()(X509_EXTENSION* p) const { X509_EXTENSION_free(p); }
};

// Certificates are back-dated so a peer whose clock is a little behind accepts a fresh one.
constexpr long kBackdateSeconds = 300;  // NOLINT(runtime/int): OpenSSL's type
constexpr char kSubjectName[] = "ehsm-kms RA-TLS";


StatusOr<OsslPtr<ASN1_OBJECT>> QuoteOid() {
  OsslPtr<ASN1_OBJECT> oid(OBJ_txt2obj(kRaTlsQuoteOid, /*no_name=*/1));
  if (!oid) return crypto::OpenSslError("cannot encode the RA-TLS OID");
  return oid;
}

Status AddQuoteExtension(X509& cert, ByteView quote) {
  KMS_ASSIGN_OR_RETURN(OsslPtr<ASN1_OBJECT> oid, QuoteOid());
  std::unique_ptr<ASN1_OCTET_STRING, OctetStringFree> value(ASN1_OCTET_STRING_new());
  if (!value || ASN1_OCTET_STRING_set(value.get(), quote.data(), static_cast<int>(quote.size())) != 1) {
    return crypto::OpenSslError("cannot encode the quote");
  }
  std::unique_ptr<X509_EXTENSION, ExtensionFree> ext(
      X509_EXTENSION_create_by_OBJ(nullptr, oid.get(), /*crit=*/0, value.get()));
  if (!ext || X509_add_ext(&cert, ext.get(), -1) != 1) {
    return crypto::OpenSslError("cannot add the quote extension");
  }
  return Status::Ok();
}

Status SetValidity(X509& cert, std::chrono::seconds lifetime) {
  if (X509_gmtime_adj(X509_getm_notBefore(&cert), -kBackdateSeconds) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(&cert), static_cast<long>(lifetime.count())) ==  // NOLINT
          nullptr) {
    return crypto::OpenSslError("cannot set the validity period");
  }
  return Status::Ok();
}

Status SetNames(X509& cert) {
  X509_NAME* name = X509_get_subject_name(&cert);
  if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(kSubjectName), -1, -1,
                                 0) != 1 ||
      X509_set_issuer_name(&cert, name) != 1) {
    return crypto::OpenSslError("cannot set the certificate names");
  }
  return Status::Ok();
}

Status SetSerial(X509& cert) {
  OsslPtr<BIGNUM> serial(BN_new());
  // 127 random bits keep the serial positive and within the 20 octets RFC 5280 allows.
  if (!serial || BN_rand(serial.get(), 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
      BN_to_ASN1_INTEGER(serial.get(), X509_get_serialNumber(&cert)) == nullptr) {
    return crypto::OpenSslError("cannot set the serial number");
  }
  return Status::Ok();
}

}  // namespace

StatusOr<Bytes> RaTlsReportDataForKey(const EVP_PKEY& key) {
  unsigned char* der = nullptr;
  const int n = i2d_PUBKEY(&key, &der);
  if (n <= 0) return crypto::OpenSslError("cannot encode the public key");
  std::unique_ptr<unsigned char, void (*)(void*)> owned(der, [](void* p) { OPENSSL_free(p); });
  KMS_ASSIGN_OR_RETURN(Bytes digest,
                       crypto::Digest(crypto::DigestAlg::kSha256, ByteView(der, size_t(n))));
  digest.resize(64, 0);
  return digest;
}

StatusOr<Bytes> RaTlsReportData(const X509& cert) {
  const EVP_PKEY* key = X509_get0_pubkey(&cert);
  if (key == nullptr) return Status::PermissionDenied("the certificate's public key does not parse");
  return RaTlsReportDataForKey(*key);
}

StatusOr<crypto::OsslPtr<X509>> MakeRaTlsCertificate(EVP_PKEY& key, ByteView quote,
                                                     std::chrono::seconds lifetime) {
  OsslPtr<X509> cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1) {
    return crypto::OpenSslError("cannot create a certificate");
  }
  KMS_RETURN_IF_ERROR(SetSerial(*cert));
  KMS_RETURN_IF_ERROR(SetValidity(*cert, lifetime));
  KMS_RETURN_IF_ERROR(SetNames(*cert));
  if (X509_set_pubkey(cert.get(), &key) != 1) return crypto::OpenSslError("cannot set the public key");
  KMS_RETURN_IF_ERROR(AddQuoteExtension(*cert, quote));
  if (X509_sign(cert.get(), &key, EVP_sha256()) == 0) {
    return crypto::OpenSslError("cannot sign the certificate");
  }
  return cert;
}

StatusOr<RaTlsCredentials> MakeRaTlsCredentials(tee::TeePlatform& platform,
                                                std::chrono::seconds lifetime) {
  RaTlsCredentials out;
  out.key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  if (!out.key) return crypto::OpenSslError("cannot generate a P-256 key");
  KMS_ASSIGN_OR_RETURN(Bytes report_data, RaTlsReportDataForKey(*out.key));
  KMS_ASSIGN_OR_RETURN(Bytes quote, platform.GenerateQuote(report_data));
  const auto now = std::chrono::system_clock::now();
  KMS_ASSIGN_OR_RETURN(out.cert, MakeRaTlsCertificate(*out.key, quote, lifetime));
  out.not_after = now + lifetime;
  return out;
}

StatusOr<Bytes> ExtractRaTlsQuote(const X509& cert) {
  KMS_ASSIGN_OR_RETURN(OsslPtr<ASN1_OBJECT> oid, QuoteOid());
  const int at = X509_get_ext_by_OBJ(&cert, oid.get(), -1);
  if (at < 0) {
    return Status::PermissionDenied(std::string("the certificate carries no evidence (no ") +
                                    kRaTlsQuoteOid + " extension)");
  }
  if (X509_get_ext_by_OBJ(&cert, oid.get(), at) >= 0) {
    return Status::PermissionDenied("the certificate carries two quote extensions");
  }
  const ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(X509_get_ext(&cert, at));
  const int n = data == nullptr ? 0 : ASN1_STRING_length(data);
  if (n <= 0) return Status::PermissionDenied("the certificate's quote extension is empty");
  if (static_cast<size_t>(n) > kMaxRaTlsQuoteBytes) {
    return Status::PermissionDenied("the certificate's quote extension is " + std::to_string(n) +
                                    " bytes, more than " + std::to_string(kMaxRaTlsQuoteBytes));
  }
  const unsigned char* p = ASN1_STRING_get0_data(data);
  return Bytes(p, p + n);
}

}  // namespace kms::dkey
