#include "attest/collateral.h"

#include <openssl/err.h>
#include <openssl/pem.h>

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cctype>

#include "crypto/ossl_ptr.h"

namespace kms::attest {
namespace {
namespace json = boost::json;

StatusOr<std::string> StringField(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr || !v->is_string()) {
    return Status::InvalidArgument("collateral: \"" + std::string(name) +
                                   "\" missing or not a string");
  }
  return std::string(v->get_string());
}

StatusOr<Bytes> Signature(const json::object& o, std::string_view name) {
  KMS_ASSIGN_OR_RETURN(std::string hex, StringField(o, name));
  std::optional<Bytes> sig = HexDecode(hex);
  if (!sig || sig->size() != 64) {
    return Status::InvalidArgument("collateral: \"" + std::string(name) +
                                   "\" is not 128 hex digits");
  }
  return *std::move(sig);
}

StatusOr<Bytes> Crl(const json::object& o, std::string_view name) {
  KMS_ASSIGN_OR_RETURN(std::string text, StringField(o, name));
  auto der = DecodeCrl(text);
  if (!der.ok()) {
    return Status::InvalidArgument("collateral: \"" + std::string(name) +
                                   "\": " + der.status().message());
  }
  return der;
}

}  // namespace

StatusOr<Bytes> DecodeCrl(std::string_view text) {
  if (text.size() > kMaxCollateralJsonSize) return Status::InvalidArgument("CRL too large");
  if (text.starts_with("-----BEGIN")) {
    crypto::OsslPtr<BIO> bio(BIO_new_mem_buf(text.data(), static_cast<int>(text.size())));
    crypto::OsslPtr<X509_CRL> crl(bio ? PEM_read_bio_X509_CRL(bio.get(), nullptr, nullptr, nullptr)
                                      : nullptr);
    if (!crl) {
      ERR_clear_error();
      return Status::InvalidArgument("malformed PEM CRL");
    }
    unsigned char* der = nullptr;
    int n = i2d_X509_CRL(crl.get(), &der);
    if (n <= 0) return Status::Internal("i2d_X509_CRL failed");
    Bytes out(der, der + n);
    OPENSSL_free(der);
    return out;
  }
  bool all_hex = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isxdigit(static_cast<unsigned char>(c)) != 0;
  });
  if (!all_hex) return Bytes(text.begin(), text.end());  // DER as is
  std::optional<Bytes> der = HexDecode(text);
  if (!der) return Status::InvalidArgument("odd-length hex CRL");
  return *std::move(der);
}

StatusOr<Collateral> ParseCollateralJson(std::string_view text) {
  if (text.size() > kMaxCollateralJsonSize) {
    return Status::InvalidArgument("collateral larger than " +
                                   std::to_string(kMaxCollateralJsonSize) + " bytes");
  }
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return Status::InvalidArgument("collateral is not a JSON object");
  const json::object& o = v.get_object();
  Collateral c;
  KMS_ASSIGN_OR_RETURN(c.pck_crl_issuer_chain, StringField(o, "pck_crl_issuer_chain"));
  KMS_ASSIGN_OR_RETURN(c.root_ca_crl, Crl(o, "root_ca_crl"));
  KMS_ASSIGN_OR_RETURN(c.pck_crl, Crl(o, "pck_crl"));
  KMS_ASSIGN_OR_RETURN(c.tcb_info_issuer_chain, StringField(o, "tcb_info_issuer_chain"));
  KMS_ASSIGN_OR_RETURN(c.tcb_info, StringField(o, "tcb_info"));
  KMS_ASSIGN_OR_RETURN(c.tcb_info_signature, Signature(o, "tcb_info_signature"));
  KMS_ASSIGN_OR_RETURN(c.qe_identity_issuer_chain, StringField(o, "qe_identity_issuer_chain"));
  KMS_ASSIGN_OR_RETURN(c.qe_identity, StringField(o, "qe_identity"));
  KMS_ASSIGN_OR_RETURN(c.qe_identity_signature, Signature(o, "qe_identity_signature"));
  return c;
}

}  // namespace kms::attest
