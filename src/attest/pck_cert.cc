#include "attest/pck_cert.h"

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <algorithm>
#include <limits>

namespace kms::attest {
namespace {

// 1.2.840.113741.1.13.1, DER content octets; sub-OIDs append one byte per arc (all < 128).
constexpr uint8_t kSgxExtOid[] = {0x2a, 0x86, 0x48, 0x86, 0xf8, 0x4d, 0x01, 0x0d, 0x01};
constexpr uint8_t kTagInteger = 0x02, kTagOctetString = 0x04, kTagOid = 0x06, kTagSequence = 0x30;

struct Tlv {
  uint8_t tag = 0;
  ByteView value;
};

// One DER TLV from the front of `in` (definite lengths up to 2^24), advancing `in`.
bool NextTlv(ByteView& in, Tlv* out) {
  if (in.size() < 2) return false;
  out->tag = in[0];
  size_t len = in[1];
  size_t header = 2;
  if (len & 0x80) {
    size_t n = len & 0x7f;
    if (n == 0 || n > 3 || in.size() < 2 + n) return false;
    len = 0;
    for (size_t i = 0; i < n; ++i) len = (len << 8) | in[2 + i];
    header += n;
  }
  if (len > in.size() - header) return false;
  out->value = in.subspan(header, len);
  in = in.subspan(header + len);
  return true;
}

// One SEQUENCE { OID, value } from the front of `seq`, advancing it.
bool NextOidEntry(ByteView& seq, Tlv* oid, Tlv* value) {
  Tlv entry;
  if (!NextTlv(seq, &entry) || entry.tag != kTagSequence) return false;
  ByteView e = entry.value;
  return NextTlv(e, oid) && oid->tag == kTagOid && NextTlv(e, value);
}

// The arcs after kSgxExtOid in `oid`, or empty when `oid` is not under it.
ByteView ArcsUnderSgx(ByteView oid) {
  if (oid.size() < sizeof(kSgxExtOid) ||
      !std::equal(std::begin(kSgxExtOid), std::end(kSgxExtOid), oid.begin())) {
    return {};
  }
  return oid.subspan(sizeof(kSgxExtOid));
}

// A non-negative DER INTEGER that fits in 16 bits.
bool SmallUint(const Tlv& t, uint16_t* v) {
  if (t.tag != kTagInteger || t.value.empty() || t.value.size() > 3 || (t.value[0] & 0x80)) {
    return false;
  }
  uint32_t x = 0;
  for (uint8_t b : t.value) x = (x << 8) | b;
  if (x > std::numeric_limits<uint16_t>::max()) return false;
  *v = static_cast<uint16_t>(x);
  return true;
}

Status Malformed(const char* what) {
  return Status::InvalidArgument(std::string("PCK certificate SGX extension: ") + what);
}

Status DecodeTcb(ByteView seq, PckExtension* ext) {
  uint32_t seen = 0;  // bit i: arc i+1 present
  while (!seq.empty()) {
    Tlv oid, value;
    if (!NextOidEntry(seq, &oid, &value)) return Malformed("TCB entry");
    ByteView arcs = ArcsUnderSgx(oid.value);
    if (arcs.size() != 2 || arcs[0] != 2 || arcs[1] < 1 || arcs[1] > 18) continue;
    uint8_t arc = arcs[1];
    seen |= 1u << (arc - 1);
    if (arc <= 16) {
      if (!SmallUint(value, &ext->sgx_tcb_svn[arc - 1]) || ext->sgx_tcb_svn[arc - 1] > 255) {
        return Malformed("TCB component SVN");
      }
    } else if (arc == 17) {
      if (!SmallUint(value, &ext->pcesvn)) return Malformed("PCESVN");
    } else {
      if (value.tag != kTagOctetString || value.value.size() != 16) return Malformed("CPUSVN");
      ext->cpusvn.assign(value.value.begin(), value.value.end());
    }
  }
  if ((seen & 0x1ffff) != 0x1ffff) return Malformed("TCB components or PCESVN missing");
  return Status::Ok();
}

bool OctetsOfSize(const Tlv& t, size_t n, Bytes* out) {
  if (t.tag != kTagOctetString || t.value.size() != n) return false;
  out->assign(t.value.begin(), t.value.end());
  return true;
}

}  // namespace

StatusOr<std::vector<X509Ptr>> ParsePemChain(std::string_view pem, size_t max_certs) {
  if (pem.size() > static_cast<size_t>(std::numeric_limits<int>::max())) {
    return Status::InvalidArgument("PEM chain too large");
  }
  std::vector<X509Ptr> certs;
  constexpr std::string_view kBegin = "-----BEGIN CERTIFICATE-----";
  size_t pos = 0;
  while ((pos = pem.find(kBegin, pos)) != std::string_view::npos) {
    if (certs.size() == max_certs) {
      return Status::InvalidArgument("more than " + std::to_string(max_certs) +
                                     " certificates in a chain");
    }
    std::string_view rest = pem.substr(pos);
    crypto::OsslPtr<BIO> bio(BIO_new_mem_buf(rest.data(), static_cast<int>(rest.size())));
    if (!bio) return Status::Internal("BIO_new_mem_buf failed");
    X509Ptr cert(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
    if (!cert) {
      ERR_clear_error();
      return Status::InvalidArgument("malformed PEM certificate in a chain");
    }
    certs.push_back(std::move(cert));
    pos += kBegin.size();
  }
  if (certs.empty()) return Status::InvalidArgument("no certificate in the PEM chain");
  return certs;
}

StatusOr<PckExtension> DecodePckExtension(ByteView der) {
  ByteView in = der;
  Tlv outer;
  if (!NextTlv(in, &outer) || outer.tag != kTagSequence || !in.empty()) {
    return Malformed("not a SEQUENCE");
  }
  PckExtension ext;
  bool have_tcb = false, have_fmspc = false, have_pceid = false;
  ByteView seq = outer.value;
  while (!seq.empty()) {
    Tlv oid, value;
    if (!NextOidEntry(seq, &oid, &value)) return Malformed("entry");
    ByteView arcs = ArcsUnderSgx(oid.value);
    if (arcs.size() != 1) continue;
    switch (arcs[0]) {
      case 1:
        if (!OctetsOfSize(value, 16, &ext.ppid)) return Malformed("PPID");
        break;
      case 2:
        if (value.tag != kTagSequence) return Malformed("TCB");
        KMS_RETURN_IF_ERROR(DecodeTcb(value.value, &ext));
        have_tcb = true;
        break;
      case 3:
        if (!OctetsOfSize(value, 2, &ext.pce_id)) return Malformed("PCE-ID");
        have_pceid = true;
        break;
      case 4:
        if (!OctetsOfSize(value, 6, &ext.fmspc)) return Malformed("FMSPC");
        have_fmspc = true;
        break;
      default:
        break;  // SGX type, platform instance, configuration: not used for verification
    }
  }
  if (!have_tcb || !have_fmspc || !have_pceid) return Malformed("TCB, FMSPC or PCE-ID missing");
  return ext;
}

StatusOr<PckExtension> ReadPckExtension(const X509& cert) {
  crypto::OsslPtr<ASN1_OBJECT> oid(OBJ_txt2obj("1.2.840.113741.1.13.1", 1));
  if (!oid) return Status::Internal("OBJ_txt2obj failed");
  int idx = X509_get_ext_by_OBJ(&cert, oid.get(), -1);
  if (idx < 0) return Status::InvalidArgument("PCK certificate has no SGX extension");
  X509_EXTENSION* ext = X509_get_ext(&cert, idx);
  const ASN1_OCTET_STRING* data = X509_EXTENSION_get_data(ext);
  return DecodePckExtension(
      ByteView(ASN1_STRING_get0_data(data), static_cast<size_t>(ASN1_STRING_length(data))));
}

std::string CommonName(const X509_NAME* name) {
  int idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
  if (idx < 0) return "";
  const ASN1_STRING* s = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(name, idx));
  return std::string(reinterpret_cast<const char*>(ASN1_STRING_get0_data(s)),
                     static_cast<size_t>(ASN1_STRING_length(s)));
}

}  // namespace kms::attest
