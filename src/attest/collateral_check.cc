#include "attest/collateral_check.h"

#include "attest/pck_cert.h"
#include "attest/raw_ecdsa.h"

namespace kms::attest {
namespace {

std::string Prefixed(std::string_view what, std::string_view msg) {
  return std::string(what) + ": " + std::string(msg);
}

// Chain, signature and parse of one signed collateral text; `model` receives the parse.
template <typename Model, typename ParseFn>
Rejection AuthenticateSigned(std::string_view what, std::string_view issuer_chain,
                             std::string_view text, ByteView signature, X509& anchor,
                             X509_CRL& root_crl, int64_t at, std::string_view bad_signature,
                             ParseFn parse, Model* model) {
  auto chain = ParsePemChain(issuer_chain, 2);
  if (!chain.ok() || chain->size() != 2) {
    return {std::string(bad_signature), Prefixed(what, "issuer chain is not 2 certificates")};
  }
  X509& signer = *(*chain)[0];
  if (!SamePublicKey(*(*chain)[1], anchor)) {
    return {std::string(bad_signature), Prefixed(what, "issuer chain root is not the pinned root")};
  }
  X509_CRL* crls[] = {&root_crl};
  ChainResult r = VerifyCertChain(anchor, signer, {}, crls, at);
  if (!r.ok()) return ChainRejection(r, std::string(what) + " signing certificate", bad_signature);
  if (!VerifyRawEcdsaSha256(*X509_get0_pubkey(&signer), AsBytes(text), signature)) {
    return {std::string(bad_signature), Prefixed(what, "signature does not verify")};
  }
  auto parsed = parse(text);
  if (!parsed.ok()) return {"CollateralInvalid", Prefixed(what, parsed.status().message())};
  *model = std::move(parsed).value();
  if (at < model->issue_date) {
    return {"CollateralNotYetValid", Prefixed(what, "issueDate is after the verification time")};
  }
  // Half-open like OpenSSL's CRL and certificate windows: at nextUpdate it is already stale.
  if (at >= model->next_update) {
    return {"CollateralExpired", Prefixed(what, "nextUpdate is not after the verification time")};
  }
  return {};
}

}  // namespace

Rejection AuthenticateTcbInfo(std::string_view issuer_chain, std::string_view text,
                              ByteView signature, X509& anchor, X509_CRL& root_crl, int64_t at,
                              TcbInfo* out) {
  return AuthenticateSigned("TCB info", issuer_chain, text, signature, anchor, root_crl, at,
                            "TcbInfoSignatureInvalid", ParseTcbInfo, out);
}

Rejection AuthenticateQeIdentity(std::string_view issuer_chain, std::string_view text,
                                 ByteView signature, X509& anchor, X509_CRL& root_crl, int64_t at,
                                 QeIdentity* out) {
  return AuthenticateSigned("QE identity", issuer_chain, text, signature, anchor, root_crl, at,
                            "QeIdentitySignatureInvalid", ParseQeIdentity, out);
}

Rejection ChainRejection(const ChainResult& r, std::string_view what, std::string_view untrusted) {
  switch (r.error) {
    case ChainError::kNone:
      return {};
    case ChainError::kExpired:
      return {"CollateralExpired", Prefixed(what, r.message)};
    case ChainError::kNotYetValid:
      return {"CollateralNotYetValid", Prefixed(what, r.message)};
    case ChainError::kRevoked:
      return {"Revoked", Prefixed(what, r.message)};
    case ChainError::kCrl:
      return {"CrlError", Prefixed(what, r.message)};
    case ChainError::kUntrusted:
      break;
  }
  return {std::string(untrusted), Prefixed(what, r.message)};
}

std::variant<AuthenticCollateral, Rejection> AuthenticateCollateral(const Collateral& c,
                                                                    X509& anchor, int64_t at) {
  AuthenticCollateral out;
  auto root_crl = CrlFromDer(c.root_ca_crl);
  if (!root_crl.ok()) return Rejection{"CrlError", "root CA CRL: " + root_crl.status().message()};
  auto pck_crl = CrlFromDer(c.pck_crl);
  if (!pck_crl.ok()) return Rejection{"CrlError", "PCK CRL: " + pck_crl.status().message()};
  out.root_ca_crl = std::move(root_crl).value();
  out.pck_crl = std::move(pck_crl).value();

  Rejection r = AuthenticateTcbInfo(c.tcb_info_issuer_chain, c.tcb_info, c.tcb_info_signature,
                                    anchor, *out.root_ca_crl, at, &out.tcb_info);
  if (!r.status.empty()) return r;
  r = AuthenticateQeIdentity(c.qe_identity_issuer_chain, c.qe_identity, c.qe_identity_signature,
                             anchor, *out.root_ca_crl, at, &out.qe_identity);
  if (!r.status.empty()) return r;
  return out;
}

}  // namespace kms::attest
