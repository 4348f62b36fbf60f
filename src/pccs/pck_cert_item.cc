#include "pccs/pck_cert_item.h"

#include <cctype>

#include "attest/cert_chain.h"
#include "attest/collateral_check.h"
#include "attest/pck_cert.h"

namespace kms::pccs {
namespace {

Status Refused(std::string_view status, std::string_view what) {
  return Status::InvalidArgument(std::string(status) + ": " + std::string(what));
}

std::string UpperHex(ByteView b) {
  std::string h = HexEncode(b);
  for (char& c : h) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return h;
}

// The certificate of the body and the chain's two certificates (PCK CA, root).
struct ParsedPckCert {
  attest::X509Ptr leaf;
  std::vector<attest::X509Ptr> chain;
};

StatusOr<ParsedPckCert> Parse(const CollateralItem& item) {
  ParsedPckCert p;
  auto leaf = attest::ParsePemChain(item.body, 1);
  if (!leaf.ok() || leaf->size() != 1) {
    return Refused("PckChainError", "PCK certificate: the body is not one PEM certificate");
  }
  p.leaf = std::move((*leaf)[0]);
  auto chain = attest::ParsePemChain(item.issuer_chain, 2);
  if (!chain.ok() || chain->size() != 2) {
    return Refused("PckChainError", "PCK certificate: the issuer chain is not a PCK CA and a root");
  }
  p.chain = std::move(chain).value();
  return p;
}

}  // namespace

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

StatusOr<std::string> PckCaType(X509& ca) {
  std::string cn = attest::CommonName(X509_get_subject_name(&ca));
  if (cn.find("Processor") != std::string::npos) return std::string("processor");
  if (cn.find("Platform") != std::string::npos) return std::string("platform");
  return Refused("CrlError", "PCK CA \"" + cn + "\" is neither the Processor nor the Platform CA");
}

Status VerifyPckCertItem(CollateralItem& item, X509& anchor, std::span<X509_CRL* const> crls,
                         int64_t at) {
  if (!PckCertQueryOfKey(item.key)) {
    return Refused("CollateralInvalid", "PCK certificate: not cached under the query it answers");
  }
  KMS_ASSIGN_OR_RETURN(ParsedPckCert p, Parse(item));
  if (!attest::SamePublicKey(*p.chain[1], anchor)) {
    return Refused("PckChainError", "PCK certificate: the chain's root is not the pinned root");
  }
  KMS_RETURN_IF_ERROR(PckCaType(*p.chain[0]).status());
  if (!attest::ReadPckExtension(*p.leaf).ok()) {
    return Refused("PckChainError", "PCK certificate: no readable SGX extension");
  }
  X509* intermediates[] = {p.chain[0].get()};
  attest::ChainResult r = attest::VerifyCertChain(anchor, *p.leaf, intermediates, crls, at);
  if (!r.ok()) {
    attest::Rejection rej = attest::ChainRejection(r, "PCK certificate", "PckChainError");
    return Refused(rej.status, rej.error);
  }
  auto not_before = attest::AsnTimeToUnix(X509_get0_notBefore(p.leaf.get()));
  auto not_after = attest::AsnTimeToUnix(X509_get0_notAfter(p.leaf.get()));
  if (!not_before.ok() || !not_after.ok()) {
    return Refused("PckChainError", "PCK certificate: no readable validity");
  }
  item.issue_date = *not_before;
  item.next_update = *not_after;
  return Status::Ok();
}

StatusOr<std::vector<std::pair<std::string, std::string>>> PckCertHeaders(
    const CollateralItem& item) {
  KMS_ASSIGN_OR_RETURN(ParsedPckCert p, Parse(item));
  KMS_ASSIGN_OR_RETURN(attest::PckExtension ext, attest::ReadPckExtension(*p.leaf));
  KMS_ASSIGN_OR_RETURN(std::string ca_type, PckCaType(*p.chain[0]));
  Bytes tcbm = ext.cpusvn;
  tcbm.push_back(static_cast<uint8_t>(ext.pcesvn & 0xff));  // little-endian, as in a quote
  tcbm.push_back(static_cast<uint8_t>(ext.pcesvn >> 8));
  return std::vector<std::pair<std::string, std::string>>{
      {"SGX-TCBm", UpperHex(tcbm)},
      {"SGX-FMSPC", UpperHex(ext.fmspc)},
      {"SGX-PCK-Certificate-CA-Type", ca_type}};
}

}  // namespace kms::pccs
