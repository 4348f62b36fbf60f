#include "tee/sim/sim_attestation.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstring>

#include "attest/quote.h"
#include "attest/raw_ecdsa.h"
#include "attest/sim_quote.h"
#include "crypto/digest.h"
#include "tee/sim/sim_pki_key.h"

namespace kms::tee {
namespace {

using X509Ptr = crypto::OsslPtr<X509>;
using KeyPtr = crypto::OsslPtr<EVP_PKEY>;

// HKDF labels of the four keys (tee/sim/sim_pki_key.h); changing one changes the sim root.
constexpr std::string_view kRootLabel = "root-ca";
constexpr std::string_view kPckCaLabel = "pck-ca";
constexpr std::string_view kPckLabel = "pck";
constexpr std::string_view kAttestationLabel = "attestation-key";
constexpr long kValiditySeconds = 30L * 365 * 24 * 3600;
constexpr uint8_t kSgxExtOid[] = {0x2a, 0x86, 0x48, 0x86, 0xf8, 0x4d, 0x01, 0x0d, 0x01};
constexpr uint8_t kIntelQeVendorId[16] = {0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9,
                                          0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07};
// SGX ATTRIBUTES.FLAGS: INIT | MODE64BIT (DEBUG is added per identity); XFRM: x87 | SSE.
constexpr uint64_t kFlagsBase = 0x1 | 0x4;
constexpr uint64_t kXfrm = 0x3;

Status OsslError(const char* what) {
  ERR_clear_error();
  return Status::Internal(std::string("sim attestation: ") + what + " failed");
}

// DER TLV with a definite length.
Bytes Der(uint8_t tag, ByteView content) {
  Bytes out{tag};
  size_t n = content.size();
  if (n < 0x80) {
    out.push_back(static_cast<uint8_t>(n));
  } else if (n <= 0xff) {
    out.insert(out.end(), {0x81, static_cast<uint8_t>(n)});
  } else {
    out.insert(out.end(), {0x82, static_cast<uint8_t>(n >> 8), static_cast<uint8_t>(n & 0xff)});
  }
  out.insert(out.end(), content.begin(), content.end());
  return out;
}

// SEQUENCE { OID 1.2.840.113741.1.13.1.<arcs>, value }
Bytes SgxEntry(std::initializer_list<uint8_t> arcs, ByteView value) {
  Bytes oid(std::begin(kSgxExtOid), std::end(kSgxExtOid));
  oid.insert(oid.end(), arcs.begin(), arcs.end());
  Bytes entry = Der(0x06, oid);
  entry.insert(entry.end(), value.begin(), value.end());
  return Der(0x30, entry);
}

// The SGX extension of the sim PCK certificate: PPID, TCB (all SVNs zero), PCE-ID, FMSPC.
Bytes SimSgxExtension() {
  const Bytes zero_int = Der(0x02, Bytes{0});
  Bytes tcb;
  for (uint8_t arc = 1; arc <= 17; ++arc) {
    Bytes e = SgxEntry({2, arc}, zero_int);
    tcb.insert(tcb.end(), e.begin(), e.end());
  }
  Bytes cpusvn = SgxEntry({2, 18}, Der(0x04, Bytes(16, 0)));
  tcb.insert(tcb.end(), cpusvn.begin(), cpusvn.end());
  Bytes all;
  for (const Bytes& e :
       {SgxEntry({1}, Der(0x04, Bytes(16, 0))), SgxEntry({2}, Der(0x30, tcb)),
        SgxEntry({3}, Der(0x04, Bytes(2, 0))),
        SgxEntry({4}, Der(0x04, Bytes(std::begin(attest::kSimFmspc),
                                      std::end(attest::kSimFmspc))))}) {
    all.insert(all.end(), e.begin(), e.end());
  }
  return Der(0x30, all);
}

Status AddExtension(X509& cert, X509& issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, &issuer, &cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (ext == nullptr) return OsslError("X509V3_EXT_conf_nid");
  int ok = X509_add_ext(&cert, ext, -1);
  X509_EXTENSION_free(ext);
  return ok == 1 ? Status::Ok() : OsslError("X509_add_ext");
}

Status AddSgxExtension(X509& cert) {
  Bytes der = SimSgxExtension();
  crypto::OsslPtr<ASN1_OBJECT> oid(OBJ_txt2obj("1.2.840.113741.1.13.1", 1));
  ASN1_OCTET_STRING* data = ASN1_OCTET_STRING_new();
  if (!oid || data == nullptr ||
      ASN1_OCTET_STRING_set(data, der.data(), static_cast<int>(der.size())) != 1) {
    ASN1_OCTET_STRING_free(data);
    return OsslError("SGX extension encoding");
  }
  X509_EXTENSION* ext = X509_EXTENSION_create_by_OBJ(nullptr, oid.get(), 0, data);
  ASN1_OCTET_STRING_free(data);
  if (ext == nullptr) return OsslError("X509_EXTENSION_create_by_OBJ");
  int ok = X509_add_ext(&cert, ext, -1);
  X509_EXTENSION_free(ext);
  return ok == 1 ? Status::Ok() : OsslError("X509_add_ext");
}

// A certificate for `key` named `cn`, issued by `issuer` (null: self-signed) with `issuer_key`.
// `pck` makes it a PCK leaf (SGX extension, not a CA).
StatusOr<X509Ptr> MakeCert(std::string_view cn, EVP_PKEY& key, X509* issuer,
                           EVP_PKEY& issuer_key, long serial, bool pck) {
  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), X509_VERSION_3) != 1 ||
      ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial) != 1 ||
      X509_gmtime_adj(X509_getm_notBefore(cert.get()), -24 * 3600) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(cert.get()), kValiditySeconds) == nullptr ||
      X509_set_pubkey(cert.get(), &key) != 1) {
    return OsslError("certificate fields");
  }
  X509_NAME* name = X509_get_subject_name(cert.get());
  std::string cn_str(cn);
  if (X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>("ehsm-kms simulation"),
                                 -1, -1, 0) != 1 ||
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                 reinterpret_cast<const unsigned char*>(cn_str.c_str()), -1, -1,
                                 0) != 1 ||
      X509_set_issuer_name(cert.get(), issuer ? X509_get_subject_name(issuer) : name) != 1) {
    return OsslError("certificate names");
  }
  X509& iss = issuer ? *issuer : *cert;
  KMS_RETURN_IF_ERROR(AddExtension(*cert, iss, NID_basic_constraints,
                                   pck ? "critical,CA:FALSE" : "critical,CA:TRUE"));
  KMS_RETURN_IF_ERROR(AddExtension(*cert, iss, NID_key_usage,
                                   pck ? "critical,digitalSignature,nonRepudiation"
                                       : "critical,keyCertSign,cRLSign"));
  KMS_RETURN_IF_ERROR(AddExtension(*cert, iss, NID_subject_key_identifier, "hash"));
  if (pck) KMS_RETURN_IF_ERROR(AddSgxExtension(*cert));
  if (X509_sign(cert.get(), &issuer_key, EVP_sha256()) == 0) return OsslError("X509_sign");
  return cert;
}

// The PEM of `certs` in order: a quote's certification data.
StatusOr<std::string> ChainPem(std::initializer_list<const X509*> certs) {
  crypto::OsslPtr<BIO> bio(BIO_new(BIO_s_mem()));
  if (!bio) return OsslError("BIO_new");
  for (const X509* c : certs) {
    if (PEM_write_bio_X509(bio.get(), c) != 1) return OsslError("PEM encoding");
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

StatusOr<Bytes> CertDer(const X509& cert) {
  unsigned char* der = nullptr;
  int len = i2d_X509(&cert, &der);
  if (len <= 0) return OsslError("i2d_X509");
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

void PutU16(Bytes& b, size_t off, uint16_t v) {
  b[off] = static_cast<uint8_t>(v & 0xff);
  b[off + 1] = static_cast<uint8_t>(v >> 8);
}

void PutU64(Bytes& b, size_t off, uint64_t v) {
  for (size_t i = 0; i < 8; ++i) b[off + i] = static_cast<uint8_t>(v >> (8 * i));
}

void Append(Bytes& out, ByteView b) { out.insert(out.end(), b.begin(), b.end()); }

void AppendU16(Bytes& out, uint16_t v) {
  out.push_back(static_cast<uint8_t>(v & 0xff));
  out.push_back(static_cast<uint8_t>(v >> 8));
}

void AppendU32(Bytes& out, uint32_t v) {
  AppendU16(out, static_cast<uint16_t>(v & 0xffff));
  AppendU16(out, static_cast<uint16_t>(v >> 16));
}

// The ISV enclave report body of `id` with `report_data`.
Bytes ReportBody(const TeeIdentity& id, ByteView report_data) {
  namespace r = attest::sgx_report;
  Bytes body(attest::kSgxReportSize, 0);
  PutU64(body, r::kAttributes, kFlagsBase | (id.debug ? r::kFlagDebug : 0));
  PutU64(body, r::kAttributes + 8, kXfrm);
  std::memcpy(body.data() + r::kMrEnclave, id.mrenclave.data(), 32);
  std::memcpy(body.data() + r::kMrSigner, id.mrsigner.data(), 32);
  PutU16(body, r::kIsvProdId, id.prod_id);
  PutU16(body, r::kIsvSvn, id.svn);
  std::memcpy(body.data() + r::kReportData, report_data.data(), 64);
  return body;
}

}  // namespace

StatusOr<std::unique_ptr<SimAttestation>> SimAttestation::Derive(ByteView platform_secret) {
  KMS_ASSIGN_OR_RETURN(KeyPtr root_key, DeriveSimPkiKey(platform_secret, kRootLabel));
  KMS_ASSIGN_OR_RETURN(KeyPtr ca_key, DeriveSimPkiKey(platform_secret, kPckCaLabel));
  std::unique_ptr<SimAttestation> a(new SimAttestation());
  KMS_ASSIGN_OR_RETURN(a->pck_key_, DeriveSimPkiKey(platform_secret, kPckLabel));
  KMS_ASSIGN_OR_RETURN(a->attestation_key_, DeriveSimPkiKey(platform_secret, kAttestationLabel));
  KMS_ASSIGN_OR_RETURN(X509Ptr root, MakeCert(attest::kSimRootCaName, *root_key, nullptr,
                                              *root_key, 1, false));
  KMS_ASSIGN_OR_RETURN(X509Ptr ca, MakeCert(attest::kSimPckCaName, *ca_key, root.get(),
                                            *root_key, 2, false));
  KMS_ASSIGN_OR_RETURN(X509Ptr leaf, MakeCert(attest::kSimPckName, *a->pck_key_, ca.get(),
                                              *ca_key, 3, true));
  KMS_ASSIGN_OR_RETURN(a->chain_pem_, ChainPem({leaf.get(), ca.get(), root.get()}));
  KMS_ASSIGN_OR_RETURN(a->root_der_, CertDer(*root));
  return a;
}

StatusOr<Bytes> SimAttestation::Quote(const TeeIdentity& id, ByteView report_data) const {
  if (report_data.size() != 64) return Status::InvalidArgument("report data must be 64 bytes");
  Bytes quote(attest::kHeaderSize, 0);
  PutU16(quote, 0, 3);  // version
  PutU16(quote, 2, 2);  // ECDSA P-256 attestation key
  std::memcpy(quote.data() + 12, kIntelQeVendorId, sizeof(kIntelQeVendorId));
  Append(quote, ReportBody(id, report_data));

  KMS_ASSIGN_OR_RETURN(Bytes signature, attest::SignRawEcdsaSha256(*attestation_key_, quote));
  KMS_ASSIGN_OR_RETURN(Bytes att_pub, attest::RawP256PublicKey(*attestation_key_));
  Bytes auth_data(32);
  for (size_t i = 0; i < auth_data.size(); ++i) auth_data[i] = static_cast<uint8_t>(i);
  Bytes bound = att_pub;
  Append(bound, auth_data);
  KMS_ASSIGN_OR_RETURN(Bytes bound_hash, crypto::Digest(crypto::DigestAlg::kSha256, bound));
  Bytes qe_report(attest::kSgxReportSize, 0);
  PutU64(qe_report, attest::sgx_report::kAttributes, kFlagsBase);
  std::memcpy(qe_report.data() + attest::sgx_report::kReportData, bound_hash.data(), 32);
  KMS_ASSIGN_OR_RETURN(Bytes qe_signature, attest::SignRawEcdsaSha256(*pck_key_, qe_report));

  Bytes sig_data = signature;
  Append(sig_data, att_pub);
  Append(sig_data, qe_report);
  Append(sig_data, qe_signature);
  AppendU16(sig_data, static_cast<uint16_t>(auth_data.size()));
  Append(sig_data, auth_data);
  AppendU16(sig_data, attest::kCertDataPckChain);
  AppendU32(sig_data, static_cast<uint32_t>(chain_pem_.size()));
  Append(sig_data, AsBytes(chain_pem_));
  AppendU32(quote, static_cast<uint32_t>(sig_data.size()));
  Append(quote, sig_data);
  return quote;
}

}  // namespace kms::tee
