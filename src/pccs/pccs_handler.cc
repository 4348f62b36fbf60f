#include "pccs/pccs_handler.h"

#include <map>
#include <optional>
#include <variant>

#include "common/log.h"
#include "common/percent_encoding.h"
#include "net/health.h"

namespace kms::pccs {
namespace {

constexpr std::string_view kSgxV4 = "/sgx/certification/v4";
constexpr std::string_view kSgxV3 = "/sgx/certification/v3";
constexpr std::string_view kTdxV4 = "/tdx/certification/v4";
constexpr std::string_view kMetricsPath = "/metrics";

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

// One item of the API, and how to send it.
struct ItemRequest {
  ItemKind kind;
  std::string key;
  std::string chain_header;  // empty for the root CA CRL
  bool as_der = false;       // CRLs: DER instead of hex text
  std::string upstream_path = {};  // what a miss asks the upstream; empty: UpstreamPath's
};

// What a path asks for: an item, or an answer that needs no item (400, 404, health).
using Resolved = std::variant<ItemRequest, net::HttpResponse>;

bool IsFmspc(const std::string& s) { return s.size() == 12 && HexDecode(s).has_value(); }

Resolved ResolveApi(std::string_view api, std::string_view item, Target& t) {
  const bool tdx = api == kTdxV4;
  if (item == "/tcb") {
    const std::string& fmspc = t.query["fmspc"];
    if (!IsFmspc(fmspc)) return Text(400, "fmspc must be 12 hex digits\n");
    return ItemRequest{ItemKind::kTcbInfo, TcbInfoKey(tdx, *HexDecode(fmspc)),
                       api == kSgxV3 ? "SGX-TCB-Info-Issuer-Chain" : "TCB-Info-Issuer-Chain"};
  }
  if (item == "/qe/identity") {
    return ItemRequest{ItemKind::kEnclaveIdentity, tdx ? "TD_QE" : "QE",
                       "SGX-Enclave-Identity-Issuer-Chain"};
  }
  if (tdx) return Text(404, "no such resource\n");  // the rest lives under /sgx only
  if (item == "/qve/identity") {
    return ItemRequest{ItemKind::kEnclaveIdentity, "QVE", "SGX-Enclave-Identity-Issuer-Chain"};
  }
  const bool as_der = t.query["encoding"] == "der";
  if (item == "/pckcrl") {
    const std::string& ca = t.query["ca"];
    if (ca != "processor" && ca != "platform") {
      return Text(400, "ca must be processor or platform\n");
    }
    return ItemRequest{ItemKind::kPckCrl, ca, "SGX-PCK-CRL-Issuer-Chain", as_der};
  }
  if (item == "/rootcacrl") return ItemRequest{ItemKind::kRootCaCrl, "root", "", as_der};
  if (item == "/pckcert") {
    // Checked before anything is looked up or forwarded to the upstream.
    auto q = ParsePckCertQuery(t.query["encrypted_ppid"], t.query["cpusvn"], t.query["pcesvn"],
                               t.query["pceid"], t.query["qeid"]);
    if (!q.ok()) return Text(400, q.status().message() + "\n");
    return ItemRequest{ItemKind::kPckCert, PckCertKey(*q), "SGX-PCK-Certificate-Issuer-Chain",
                       false, PckCertPath(*q)};
  }
  return Text(404, "no such resource\n");
}

net::HttpResponse Send(const ItemRequest& req, const CollateralItem& item,
                       const RenderedItem& rendered) {
  net::HttpResponse r;
  if (req.kind == ItemKind::kTcbInfo || req.kind == ItemKind::kEnclaveIdentity) {
    r.content_type = "application/json";
    r.body = rendered.body;
  } else if (req.kind == ItemKind::kPckCert) {
    r.content_type = "application/x-pem-file";
    r.body = rendered.body;
  } else {
    // Intel's PCCS sends hex text by default (labelled as PEM) and the DER with encoding=der.
    r.content_type = req.as_der ? "application/pkix-crl" : "application/x-pem-file";
    r.body = req.as_der ? item.body : rendered.body;
  }
  if (!req.chain_header.empty()) r.headers.emplace_back(req.chain_header, rendered.encoded_chain);
  for (const auto& h : rendered.headers) r.headers.push_back(h);
  return r;
}

// The API root a path is under and the item part after it; nullopt outside the API.
std::optional<std::pair<std::string_view, std::string_view>> SplitApi(std::string_view path) {
  for (std::string_view api : {kSgxV4, kSgxV3, kTdxV4}) {
    if (path.starts_with(api)) return std::make_pair(api, path.substr(api.size()));
  }
  return std::nullopt;
}

net::HttpResponse NotHeld(const ItemRequest& req) {
  return Text(404, "no " + Describe(req.kind, req.key) + "\n");
}

}  // namespace

net::HttpResponse PccsHandler::Answer(const std::string& method, const std::string& target) const {
  if (method != "GET" && method != "HEAD") return Text(405, "only GET\n");
  std::optional<Target> t = SplitTarget(target);
  if (!t) return Text(400, "malformed query\n");
  if (t->path == net::kHealthzPath) {
    net::HealthAnswer h = net::LivenessAnswer();
    return Text(h.http_status, h.body);
  }
  if (t->path == net::kReadyzPath) {
    net::HealthAnswer h = net::ReadinessAnswer(service_.Readiness());
    return Text(h.http_status, h.body);
  }
  if (t->path == kMetricsPath) {
    net::HttpResponse r = Text(200, metrics_.Render(*service_.View(), service_.NowSeconds()));
    r.content_type = "text/plain; version=0.0.4";
    return r;
  }
  auto api = SplitApi(t->path);
  if (!api) return Text(404, "no such resource\n");
  Resolved r = ResolveApi(api->first, api->second, *t);
  if (auto* answer = std::get_if<net::HttpResponse>(&r)) return std::move(*answer);
  const ItemRequest& req = std::get<ItemRequest>(r);
  std::shared_ptr<const CollateralView> view = service_.View();
  const CollateralItem* item = view->Find(req.kind, req.key);
  return item == nullptr ? NotHeld(req) : Send(req, *item, view->Rendered(*item));
}

void PccsHandler::Handle(net::HttpRequest request, net::Responder respond) {
  net::HttpResponse r = Answer(request.method, request.target);
  const std::string path = request.target.substr(0, request.target.find('?'));
  auto finish = [this, path, target = request.target](net::HttpResponse&& out,
                                                      const net::Responder& send) {
    metrics_.CountRequest(path, out.status);
    // Guarded: building the fields costs allocations on every request otherwise.
    if (log::Enabled(log::Level::kDebug)) {
      log::Debug("pccs.request", {{"target", target}, {"status", out.status}});
    }
    send(std::move(out));
  };
  // A 404 for an API item may be a miss the upstream can fill; fetch off the event loop.
  auto api = SplitApi(path);
  std::optional<Target> t = SplitTarget(request.target);
  if (r.status != 404 || !api || !t || !service_.has_upstream() || pool_ == nullptr) {
    return finish(std::move(r), respond);
  }
  Resolved resolved = ResolveApi(api->first, api->second, *t);
  if (!std::holds_alternative<ItemRequest>(resolved)) return finish(std::move(r), respond);
  ItemRequest req = std::get<ItemRequest>(resolved);
  bool queued = pool_->TrySubmit([this, req, finish, respond, method = request.method,
                                  target = request.target] {
    Status s = service_.FetchThrough(req.kind, req.key, req.upstream_path);
    if (s.ok() || s.code() == Code::kNotFound) return finish(Answer(method, target), respond);
    finish(Text(503, "upstream: " + s.message() + "\n"), respond);
  });
  if (!queued) finish(Text(503, "busy fetching from the upstream\n"), respond);
}

}  // namespace kms::pccs
