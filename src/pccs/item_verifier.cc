#include "pccs/item_verifier.h"

#include "attest/cert_chain.h"
#include "attest/collateral_check.h"
#include "attest/pck_cert.h"
#include "attest/tcb_info.h"
#include "pccs/pck_cert_item.h"

namespace kms::pccs {
namespace {

using attest::Rejection;

Status Refused(const Rejection& r) { return Status::InvalidArgument(r.status + ": " + r.error); }
Status Refused(std::string_view status, std::string_view what) {
  return Status::InvalidArgument(std::string(status) + ": " + std::string(what));
}

// Window and signature of a CRL issued by `issuer`.
Status CheckCrl(X509_CRL& crl, X509& issuer, int64_t at, CollateralItem& item) {
  if (X509_NAME_cmp(X509_CRL_get_issuer(&crl), X509_get_subject_name(&issuer)) != 0 ||
      X509_CRL_verify(&crl, X509_get0_pubkey(&issuer)) != 1) {
    return Refused("CrlError", Describe(item.kind, item.key) + ": not signed by " +
                                   attest::CommonName(X509_get_subject_name(&issuer)));
  }
  auto this_update = attest::AsnTimeToUnix(X509_CRL_get0_lastUpdate(&crl));
  auto next_update = attest::AsnTimeToUnix(X509_CRL_get0_nextUpdate(&crl));
  if (!this_update.ok() || !next_update.ok()) {
    return Refused("CrlError", Describe(item.kind, item.key) + ": no readable update times");
  }
  item.issue_date = *this_update;
  item.next_update = *next_update;
  if (at < item.issue_date) {
    return Refused("CollateralNotYetValid", Describe(item.kind, item.key) +
                                                ": thisUpdate is after the verification time");
  }
  if (at >= item.next_update) {
    return Refused("CollateralExpired", Describe(item.kind, item.key) +
                                            ": nextUpdate is not after the verification time");
  }
  return Status::Ok();
}

Status VerifyPckCrl(CollateralItem& item, X509& anchor, X509_CRL& root_crl, int64_t at) {
  auto crl = attest::CrlFromDer(AsBytes(item.body));
  if (!crl.ok()) return Refused("CrlError", "PCK CRL: " + crl.status().message());
  auto chain = attest::ParsePemChain(item.issuer_chain, 2);
  if (!chain.ok() || chain->size() != 2 || !attest::SamePublicKey(*(*chain)[1], anchor)) {
    return Refused("CrlError", "PCK CRL: issuer chain is not a PCK CA and the pinned root");
  }
  X509& ca = *(*chain)[0];
  X509_CRL* crls[] = {&root_crl};
  attest::ChainResult r = attest::VerifyCertChain(anchor, ca, {}, crls, at);
  if (!r.ok()) return Refused(attest::ChainRejection(r, "PCK CRL issuer", "CrlError"));
  KMS_ASSIGN_OR_RETURN(item.key, PckCaType(ca));
  return CheckCrl(**crl, ca, at, item);
}

Status VerifyRootCrl(CollateralItem& item, X509& anchor, int64_t at) {
  auto crl = attest::CrlFromDer(AsBytes(item.body));
  if (!crl.ok()) return Refused("CrlError", "root CA CRL: " + crl.status().message());
  item.key = "root";
  item.issuer_chain.clear();
  return CheckCrl(**crl, anchor, at, item);
}

}  // namespace

Status VerifyItem(CollateralItem& item, X509& anchor, X509_CRL* root_crl, int64_t at,
                  std::span<X509_CRL* const> pck_crls) {
  if (item.kind == ItemKind::kRootCaCrl) return VerifyRootCrl(item, anchor, at);
  if (root_crl == nullptr) {
    return Refused("CrlError", Describe(item.kind, item.key) +
                                   ": no valid root CA CRL to check its issuer chain with");
  }
  if (item.kind == ItemKind::kPckCrl) return VerifyPckCrl(item, anchor, *root_crl, at);
  if (item.kind == ItemKind::kPckCert) {
    std::vector<X509_CRL*> crls = {root_crl};
    crls.insert(crls.end(), pck_crls.begin(), pck_crls.end());
    return VerifyPckCertItem(item, anchor, crls, at);
  }
  if (item.kind == ItemKind::kTcbInfo) {
    attest::TcbInfo info;
    Rejection r = attest::AuthenticateTcbInfo(item.issuer_chain, item.body, item.signature,
                                              anchor, *root_crl, at, &info);
    if (!r.status.empty()) return Refused(r);
    item.key = TcbInfoKey(info.id == "TDX", info.fmspc);
    item.issue_date = info.issue_date;
    item.next_update = info.next_update;
    return Status::Ok();
  }
  attest::QeIdentity id;
  Rejection r = attest::AuthenticateQeIdentity(item.issuer_chain, item.body, item.signature,
                                               anchor, *root_crl, at, &id);
  if (!r.status.empty()) return Refused(r);
  if (id.id != "QE" && id.id != "QVE" && id.id != "TD_QE") {
    return Refused("CollateralInvalid", "enclave identity with unknown id \"" + id.id + "\"");
  }
  item.key = id.id;
  item.issue_date = id.issue_date;
  item.next_update = id.next_update;
  return Status::Ok();
}

}  // namespace kms::pccs
