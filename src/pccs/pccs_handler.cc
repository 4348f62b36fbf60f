#include "pccs/pccs_handler.h"

#include <map>
#include <optional>

#include "attest/pcs_response.h"
#include "common/log.h"
#include "common/percent_encoding.h"
#include "net/health.h"

namespace kms::pccs {
namespace {

using attest::CollateralBundle;

constexpr std::string_view kSgxApi = "/sgx/certification/v4";
constexpr std::string_view kTdxApi = "/tdx/certification/v4";

struct Target {
  std::string path;
  std::map<std::string, std::string> query;  // decoded; the last value of a name wins
};

std::optional<Target> SplitTarget(const std::string& target) {
  Target t;
  size_t q = target.find('?');
  t.path = target.substr(0, q);
  if (q == std::string::npos) return t;
  std::string_view rest = std::string_view(target).substr(q + 1);
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    auto name = PercentDecode(pair.substr(0, eq));
    auto value = PercentDecode(eq == std::string_view::npos ? "" : pair.substr(eq + 1));
    if (!name || !value) return std::nullopt;
    t.query[*name] = *value;
  }
  return t;
}

net::HttpResponse Text(int status, std::string body) {
  net::HttpResponse r;
  r.status = status;
  r.content_type = "text/plain";
  r.body = std::move(body);
  return r;
}

net::HttpResponse NotFound(std::string what) { return Text(404, "no " + what + "\n"); }

net::HttpResponse Crl(ByteView der, bool as_der, const std::string* chain) {
  net::HttpResponse r;
  // Intel's PCCS sends hex text by default (labelled as PEM) and the DER with encoding=der.
  r.content_type = as_der ? "application/pkix-crl" : "application/x-pem-file";
  r.body = as_der ? std::string(AsChars(der)) : HexEncode(der);
  if (chain != nullptr) r.headers.emplace_back("SGX-PCK-CRL-Issuer-Chain", PercentEncode(*chain));
  return r;
}

net::HttpResponse SignedJson(std::string_view key, const std::string& text, ByteView signature,
                             std::string_view chain_header, const std::string& chain) {
  net::HttpResponse r;
  r.content_type = "application/json";
  r.body = attest::PcsSignedJsonBody(key, text, signature);
  r.headers.emplace_back(std::string(chain_header), PercentEncode(chain));
  return r;
}

bool IsFmspc(const std::string& s) { return s.size() == 12 && HexDecode(s).has_value(); }

}  // namespace

net::HttpResponse PccsHandler::Answer(const std::string& method, const std::string& target) const {
  if (method != "GET" && method != "HEAD") return Text(405, "only GET\n");
  std::optional<Target> t = SplitTarget(target);
  if (!t) return Text(400, "malformed query\n");
  if (t->path == net::kHealthzPath) {
    net::HealthAnswer h = net::LivenessAnswer();
    return Text(h.http_status, h.body);
  }
  const bool sgx = t->path.starts_with(kSgxApi);
  const bool tdx = t->path.starts_with(kTdxApi);
  if (!sgx && !tdx) return NotFound("such resource");
  const std::string item = t->path.substr(kSgxApi.size());
  if (item == "/tcb") {
    const std::string& fmspc = t->query["fmspc"];
    if (!IsFmspc(fmspc)) return Text(400, "fmspc must be 12 hex digits\n");
    const CollateralBundle* b = dir_->Find(tdx, *HexDecode(fmspc));
    if (b == nullptr) return NotFound("TCB info for this fmspc");
    return SignedJson("tcbInfo", b->collateral.tcb_info, b->collateral.tcb_info_signature,
                      "TCB-Info-Issuer-Chain", b->collateral.tcb_info_issuer_chain);
  }
  if (item == "/qe/identity") {
    const CollateralBundle* b = dir_->NewestForTee(tdx);
    if (b == nullptr) return NotFound("QE identity");
    return SignedJson("enclaveIdentity", b->collateral.qe_identity,
                      b->collateral.qe_identity_signature, "SGX-Enclave-Identity-Issuer-Chain",
                      b->collateral.qe_identity_issuer_chain);
  }
  if (tdx) return NotFound("such resource");  // the CRLs live under /sgx only
  const bool as_der = t->query["encoding"] == "der";
  if (item == "/pckcrl") {
    const std::string& ca = t->query["ca"];
    if (ca != "processor" && ca != "platform") {
      return Text(400, "ca must be processor or platform\n");
    }
    const CollateralBundle* b = dir_->NewestWithCa(ca);
    if (b == nullptr) return NotFound("PCK CRL for this ca");
    return Crl(b->collateral.pck_crl, as_der, &b->collateral.pck_crl_issuer_chain);
  }
  if (item == "/rootcacrl") {
    const CollateralBundle* b = dir_->Newest();
    if (b == nullptr) return NotFound("root CA CRL");
    return Crl(b->collateral.root_ca_crl, as_der, nullptr);
  }
  return NotFound("such resource");
}

void PccsHandler::Handle(net::HttpRequest request, net::Responder respond) {
  net::HttpResponse r = Answer(request.method, request.target);
  log::Debug("pccs.request",
             {{"target", request.target}, {"status", r.status}, {"remote", request.remote}});
  respond(std::move(r));
}

}  // namespace kms::pccs
