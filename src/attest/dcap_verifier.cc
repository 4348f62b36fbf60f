#include "attest/dcap_verifier.h"

#include <openssl/err.h>

#include <algorithm>

#include "attest/collateral_check.h"
#include "attest/intel_root_ca.h"
#include "attest/pck_cert.h"
#include "attest/quote.h"
#include "attest/raw_ecdsa.h"
#include "attest/sim_quote.h"
#include "attest/tcb_eval.h"
#include "crypto/digest.h"

namespace kms::attest {
namespace {

Bytes Slice(ByteView b, size_t off, size_t len) {
  ByteView s = b.subspan(off, len);
  return Bytes(s.begin(), s.end());
}

QuoteIdentity IdentityOf(const ParsedQuote& q) {
  QuoteIdentity id;
  id.version = q.version;
  if (!q.is_tdx()) {
    id.tee = "sgx";
    id.report_data = Slice(q.body, sgx_report::kReportData, 64);
    id.mrenclave = Slice(q.body, sgx_report::kMrEnclave, 32);
    id.mrsigner = Slice(q.body, sgx_report::kMrSigner, 32);
    id.isvprodid = LoadU16(q.body, sgx_report::kIsvProdId);
    id.isvsvn = LoadU16(q.body, sgx_report::kIsvSvn);
    id.debug = (LoadU64(q.body, sgx_report::kAttributes) & sgx_report::kFlagDebug) != 0;
  } else {
    id.tee = "tdx";
    id.report_data = Slice(q.body, td_report::kReportData, 64);
    id.mrtd = Slice(q.body, td_report::kMrTd, 48);
    for (size_t i = 0; i < 4; ++i) id.rtmr[i] = Slice(q.body, td_report::kRtmr0 + 48 * i, 48);
    id.debug = (LoadU64(q.body, td_report::kTdAttributes) & 1) != 0;
  }
  return id;
}

bool Contains(const std::string& s, std::string_view part) {
  return s.find(part) != std::string::npos;
}

bool Equal(ByteView a, ByteView b) { return std::equal(a.begin(), a.end(), b.begin(), b.end()); }

// The PCK chain of the quote: leaf, intermediate, root (pinned), with Intel's names.
struct PckChain {
  std::vector<X509Ptr> certs;
  PckExtension ext;
};

std::variant<PckChain, Rejection> ReadPckChain(const ParsedQuote& q, X509& anchor) {
  if (q.cert_data_type != kCertDataPckChain) {
    return Rejection{"UnsupportedCertificationData",
                     "certification data type " + std::to_string(q.cert_data_type) +
                         "; only 5 (PCK certificate chain) is supported"};
  }
  PckChain chain;
  auto certs = ParsePemChain(AsChars(q.cert_data), 3);
  if (!certs.ok()) return Rejection{"PckChainError", certs.status().message()};
  if (certs->size() != 3) return Rejection{"PckChainError", "PCK chain is not 3 certificates"};
  chain.certs = std::move(certs).value();
  if (!SamePublicKey(*chain.certs[2], anchor)) {
    return Rejection{"PckChainError", "PCK chain root is not the pinned root"};
  }
  if (!Contains(CommonName(X509_get_subject_name(chain.certs[0].get())), "SGX PCK Certificate") ||
      !Contains(CommonName(X509_get_subject_name(chain.certs[1].get())), "CA") ||
      !Contains(CommonName(X509_get_subject_name(chain.certs[2].get())), "SGX Root CA")) {
    return Rejection{"PckChainError", "PCK chain certificates do not have Intel's names"};
  }
  auto ext = ReadPckExtension(*chain.certs[0]);
  if (!ext.ok()) return Rejection{"PckChainError", ext.status().message()};
  chain.ext = std::move(ext).value();
  return chain;
}

// The TCB info and QE identity must be those of this TEE and this platform.
Rejection CheckCollateralFits(const ParsedQuote& q, const AuthenticCollateral& ac,
                              const PckExtension& ext) {
  const TcbInfo& info = ac.tcb_info;
  bool id_ok = q.is_tdx() ? (info.version == 3 && info.id == "TDX")
                          : (info.version == 2 || info.id == "SGX");
  if (!id_ok) return {"TcbInfoMismatch", "TCB info is for another TEE (id \"" + info.id + "\")"};
  if (!Equal(info.fmspc, ext.fmspc) || !Equal(info.pce_id, ext.pce_id)) {
    return {"TcbInfoMismatch", "TCB info FMSPC/PCE-ID differ from the PCK certificate's"};
  }
  if (ac.qe_identity.id != (q.is_tdx() ? "TD_QE" : "QE")) {
    return {"QeIdentityMismatch", "QE identity \"" + ac.qe_identity.id + "\" is for another QE"};
  }
  if (q.is_tdx()) return CheckTdxModule(info, q);
  return {};
}

// The QE report is the PCK key's, and it vouches for the attestation key.
Rejection CheckQeReport(const ParsedQuote& q, X509& pck) {
  if (!VerifyRawEcdsaSha256(*X509_get0_pubkey(&pck), q.qe_report, q.qe_report_signature)) {
    return {"QeReportSignatureInvalid", "QE report signature does not verify with the PCK key"};
  }
  Bytes bound(q.attestation_key.begin(), q.attestation_key.end());
  bound.insert(bound.end(), q.qe_auth_data.begin(), q.qe_auth_data.end());
  auto digest = crypto::Digest(crypto::DigestAlg::kSha256, bound);
  if (!digest.ok() || !Equal(*digest, q.qe_report.subspan(sgx_report::kReportData, 32))) {
    return {"QeReportDataMismatch", "QE report data does not bind the attestation key"};
  }
  return {};
}

Rejection CheckQuoteSignature(const ParsedQuote& q) {
  auto key = P256KeyFromRaw(q.attestation_key);
  if (!key.ok() || !VerifyRawEcdsaSha256(**key, q.signed_bytes, q.signature)) {
    return {"QuoteSignatureInvalid", "quote signature does not verify with the attestation key"};
  }
  return {};
}

QuoteVerdict Rejected(QuoteVerdict v, Rejection r) {
  v.verified = false;
  v.status = std::move(r.status);
  v.error = std::move(r.error);
  v.qv_result = kQvResultUnspecified;
  v.advisory_ids.clear();
  return v;
}

// Steps after the quote parsed and the PCK chain was read (Intel's order, docs/attestation.md).
QuoteVerdict VerifyParsed(const ParsedQuote& q, const PckChain& pck, const Collateral& c,
                          int64_t at, X509& anchor, QuoteVerdict v) {
  auto authentic = AuthenticateCollateral(c, anchor, at);
  if (auto* r = std::get_if<Rejection>(&authentic)) return Rejected(std::move(v), *r);
  const AuthenticCollateral& ac = std::get<AuthenticCollateral>(authentic);

  X509* intermediates[] = {pck.certs[1].get()};
  X509_CRL* crls[] = {ac.root_ca_crl.get(), ac.pck_crl.get()};
  ChainResult chain = VerifyCertChain(anchor, *pck.certs[0], intermediates, crls, at);
  if (!chain.ok())
    return Rejected(std::move(v), ChainRejection(chain, "PCK chain", "PckChainError"));

  for (Rejection r : {CheckCollateralFits(q, ac, pck.ext), CheckQeReport(q, *pck.certs[0])}) {
    if (!r.status.empty()) return Rejected(std::move(v), std::move(r));
  }
  TcbOutcome qe = EvaluateQeIdentity(ac.qe_identity, q.qe_report);
  if (auto* r = std::get_if<Rejection>(&qe)) return Rejected(std::move(v), *r);
  if (Rejection r = CheckQuoteSignature(q); !r.status.empty()) return Rejected(std::move(v), r);
  TcbOutcome tcb = EvaluateTcbLevel(ac.tcb_info, pck.ext, q);
  if (auto* r = std::get_if<Rejection>(&tcb)) return Rejected(std::move(v), *r);

  const TcbVerdict& t = std::get<TcbVerdict>(tcb);
  const TcbVerdict& e = std::get<TcbVerdict>(qe);
  TcbStatus status = Converge(t.status, e.status);
  if (status == TcbStatus::kRevoked) {
    return Rejected(std::move(v), {"Revoked", "the TCB level or the QE is revoked"});
  }
  v.verified = true;
  v.status = std::string(TcbStatusName(status));
  v.qv_result = QvResultOf(status);
  v.advisory_ids = t.advisory_ids;
  for (const std::string& id : e.advisory_ids) {
    if (std::find(v.advisory_ids.begin(), v.advisory_ids.end(), id) == v.advisory_ids.end()) {
      v.advisory_ids.push_back(id);
    }
  }
  return v;
}

bool IsSimChain(const std::vector<X509Ptr>& certs) {
  return certs.size() == 3 && CommonName(X509_get_subject_name(certs[2].get())) == kSimRootCaName;
}

// The certificate's validity window contains Unix time `at`.
bool ValidAt(const X509& cert, int64_t at) {
  time_t t = static_cast<time_t>(at);
  return X509_cmp_time(X509_get0_notBefore(&cert), &t) == -1 &&
         X509_cmp_time(X509_get0_notAfter(&cert), &t) == 1;
}

// A sim quote: the chain must end at the pinned sim root, and the QE report and quote
// signatures must hold. There is no TCB to evaluate and no collateral: the sim PKI makes no
// security claim, so the verdict is UpToDate with tee "sim".
QuoteVerdict VerifySimQuote(const ParsedQuote& q, const std::vector<X509Ptr>& certs,
                            const X509* sim_anchor, int64_t at) {
  QuoteVerdict v;
  v.identity = IdentityOf(q);
  v.identity.tee = "sim";
  if (sim_anchor == nullptr) {
    return Rejected(std::move(v), {"SimulationNotAllowed",
                                   "the quote comes from the simulated TEE (chain root \"" +
                                       std::string(kSimRootCaName) +
                                       "\") and simulation is not allowed"});
  }
  if (!SamePublicKey(*certs[2], *sim_anchor)) {
    return Rejected(std::move(v),
                    {"PckChainError", "sim PCK chain root is not the pinned sim root"});
  }
  for (size_t i = 0; i < 2; ++i) {
    if (X509_verify(certs[i].get(), X509_get0_pubkey(certs[i + 1].get())) != 1) {
      ERR_clear_error();
      return Rejected(std::move(v), {"PckChainError", "sim PCK chain signature does not verify"});
    }
  }
  for (const X509Ptr& c : certs) {
    if (!ValidAt(*c, at)) {
      return Rejected(std::move(v), {"PckChainError", "sim certificate not valid at that time"});
    }
  }
  auto ext = ReadPckExtension(*certs[0]);
  if (!ext.ok()) return Rejected(std::move(v), {"PckChainError", ext.status().message()});
  v.identity.fmspc = ext->fmspc;
  for (Rejection r : {CheckQeReport(q, *certs[0]), CheckQuoteSignature(q)}) {
    if (!r.status.empty()) return Rejected(std::move(v), std::move(r));
  }
  v.verified = true;
  v.status = std::string(TcbStatusName(TcbStatus::kUpToDate));
  v.qv_result = QvResultOf(TcbStatus::kUpToDate);
  return v;
}

}  // namespace

StatusOr<QuoteVerdict> VerifyDcapQuote(ByteView quote, const Collateral& collateral, int64_t at,
                                       X509& anchor) {
  KMS_ASSIGN_OR_RETURN(ParsedQuote q, ParseQuote(quote));
  QuoteVerdict v;
  v.identity = IdentityOf(q);
  auto pck = ReadPckChain(q, anchor);
  if (auto* r = std::get_if<Rejection>(&pck)) return Rejected(std::move(v), *r);
  const PckChain& chain = std::get<PckChain>(pck);
  v.identity.fmspc = chain.ext.fmspc;
  return VerifyParsed(q, chain, collateral, at, anchor, std::move(v));
}

StatusOr<std::unique_ptr<DcapQuoteVerifier>> DcapQuoteVerifier::New(
    std::shared_ptr<const CollateralSource> source, ByteView root_ca_der) {
  if (!source) return Status::InvalidArgument("no collateral source");
  KMS_ASSIGN_OR_RETURN(crypto::OsslPtr<X509> anchor, CertFromDer(root_ca_der));
  return std::unique_ptr<DcapQuoteVerifier>(
      new DcapQuoteVerifier(std::move(source), std::move(anchor), nullptr));
}

StatusOr<std::unique_ptr<DcapQuoteVerifier>> DcapQuoteVerifier::New(
    std::shared_ptr<const CollateralSource> source, ByteView root_ca_der,
    const SimulationTrust& sim) {
  KMS_ASSIGN_OR_RETURN(crypto::OsslPtr<X509> anchor, CertFromDer(root_ca_der));
  crypto::OsslPtr<X509> sim_anchor;
  if (sim.allow_simulation) {
    KMS_ASSIGN_OR_RETURN(sim_anchor, CertFromDer(sim.sim_root_ca_der));
  } else if (!source) {
    return Status::InvalidArgument("no collateral source");
  }
  return std::unique_ptr<DcapQuoteVerifier>(
      new DcapQuoteVerifier(std::move(source), std::move(anchor), std::move(sim_anchor)));
}

StatusOr<std::unique_ptr<DcapQuoteVerifier>> DcapQuoteVerifier::New(
    std::shared_ptr<const CollateralSource> source) {
  return New(std::move(source), IntelSgxRootCaDer());
}

StatusOr<QuoteVerdict> DcapQuoteVerifier::Verify(ByteView quote,
                                                 std::chrono::system_clock::time_point at) const {
  KMS_ASSIGN_OR_RETURN(ParsedQuote q, ParseQuote(quote));
  CollateralRequest request;
  request.tdx = q.is_tdx();
  // The collateral depends on the platform (FMSPC) and the PCK CA; a quote whose chain cannot
  // be read gets its verdict from VerifyDcapQuote without any collateral being fetched.
  Collateral none;
  int64_t t = std::chrono::duration_cast<std::chrono::seconds>(at.time_since_epoch()).count();
  if (q.cert_data_type == kCertDataPckChain) {
    auto certs = ParsePemChain(AsChars(q.cert_data), 3);
    if (certs.ok() && IsSimChain(*certs)) return VerifySimQuote(q, *certs, sim_anchor_.get(), t);
    if (certs.ok()) {
      auto ext = ReadPckExtension(*(*certs)[0]);
      if (ext.ok()) request.fmspc = ext->fmspc;
      std::string issuer = CommonName(X509_get_issuer_name((*certs)[0].get()));
      request.ca = Contains(issuer, "Platform") ? "platform" : "processor";
    }
  }
  if (request.fmspc.empty()) return VerifyDcapQuote(quote, none, t, *anchor_);
  if (!source_) return Status::Unavailable("no collateral source for real DCAP quotes");
  KMS_ASSIGN_OR_RETURN(Collateral c, source_->Get(request));
  return VerifyDcapQuote(quote, c, t, *anchor_);
}

}  // namespace kms::attest
