#include "pccs/upstream_pcs.h"

#include <cctype>

#include "common/percent_encoding.h"
#include "pccs/collateral_files.h"
#include "pccs/pck_cert_item.h"

namespace kms::pccs {
namespace {

constexpr std::string_view kSgx = "/sgx/certification/v4";
constexpr std::string_view kTdx = "/tdx/certification/v4";

// The issuer chain header a response of `kind` carries (lower-case, as PccsHttpGet keeps
// them); v3's name for TCB info too.
std::optional<std::pair<std::string, std::string>> ChainHeader(
    ItemKind kind, const std::map<std::string, std::string>& headers) {
  std::vector<std::string> names;
  if (kind == ItemKind::kTcbInfo) names = {"tcb-info-issuer-chain", "sgx-tcb-info-issuer-chain"};
  if (kind == ItemKind::kEnclaveIdentity) names = {"sgx-enclave-identity-issuer-chain"};
  if (kind == ItemKind::kPckCrl) names = {"sgx-pck-crl-issuer-chain"};
  if (kind == ItemKind::kPckCert) names = {"sgx-pck-certificate-issuer-chain"};
  for (const std::string& n : names) {
    auto it = headers.find(n);
    if (it != headers.end()) return std::make_pair(n, it->second);
  }
  return std::nullopt;
}

// A PCK certificate answer: the PEM certificate as the body. The SGX-TCBm and SGX-FMSPC
// headers, which ehsm-pccs derives from the certificate when it serves it, must agree with it.
StatusOr<CollateralItem> PckCertOfResponse(const std::string& key, const std::string& chain,
                                           const attest::PccsHttpResponse& r,
                                           const std::string& url) {
  CollateralItem item;
  item.kind = ItemKind::kPckCert;
  item.key = key;
  std::optional<std::string> decoded = PercentDecode(chain);
  if (!decoded) return Status::Unavailable(url + ": issuer chain header is not percent-encoded");
  item.issuer_chain = std::move(*decoded);
  item.body = r.body;
  item.source = url;
  auto headers = PckCertHeaders(item);
  if (!headers.ok()) return Status::Unavailable(url + ": " + headers.status().message());
  for (const auto& [name, derived] : *headers) {
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    auto sent = r.headers.find(lower);
    if (sent != r.headers.end() && !EqualsIgnoringCase(sent->second, derived)) {
      return Status::Unavailable(url + ": " + name + " " + sent->second +
                                 " does not match the certificate's " + derived);
    }
  }
  return item;
}

}  // namespace

std::optional<std::string> UpstreamPath(ItemKind kind, const std::string& key) {
  switch (kind) {
    case ItemKind::kTcbInfo:
      if (key.size() != 16 || (!key.starts_with("sgx-") && !key.starts_with("tdx-"))) break;
      return std::string(key.starts_with("tdx-") ? kTdx : kSgx) + "/tcb?fmspc=" + key.substr(4);
    case ItemKind::kEnclaveIdentity:
      if (key == "QE") return std::string(kSgx) + "/qe/identity";
      if (key == "QVE") return std::string(kSgx) + "/qve/identity";
      if (key == "TD_QE") return std::string(kTdx) + "/qe/identity";
      break;
    case ItemKind::kPckCrl:
      if (key != "processor" && key != "platform") break;
      return std::string(kSgx) + "/pckcrl?ca=" + key + "&encoding=der";
    case ItemKind::kRootCaCrl:
      return std::string(kSgx) + "/rootcacrl";
    case ItemKind::kPckCert: {
      std::optional<PckCertQuery> q = PckCertQueryOfKey(key);
      if (!q || q->encrypted_ppid.empty()) break;  // keyed by QE id: only a request can say
      return PckCertPath(*q);
    }
  }
  return std::nullopt;
}

std::string PckCertPath(const PckCertQuery& q) {
  return std::string(kSgx) + "/pckcert?encrypted_ppid=" + q.encrypted_ppid + "&cpusvn=" +
         q.cpusvn + "&pcesvn=" + q.pcesvn + "&pceid=" + q.pceid;
}

StatusOr<std::unique_ptr<UpstreamPcs>> UpstreamPcs::New(UpstreamOptions options) {
  if (!options.url.starts_with("https://") && !options.url.starts_with("http://")) {
    return Status::InvalidArgument("upstream URL must start with https:// or http://: " +
                                   options.url);
  }
  while (options.url.ends_with("/")) options.url.pop_back();
  if (!options.api_key.empty()) {
    options.http.request_headers.push_back("Ocp-Apim-Subscription-Key: " + options.api_key);
  }
  return std::unique_ptr<UpstreamPcs>(new UpstreamPcs(std::move(options)));
}

StatusOr<CollateralItem> UpstreamPcs::Fetch(ItemKind kind, const std::string& key,
                                            const std::string& given_path) const {
  std::optional<std::string> path =
      given_path.empty() ? UpstreamPath(kind, key) : std::optional<std::string>(given_path);
  if (!path) return Status::NotFound("no such item: " + Describe(kind, key));
  const std::string url = kind == ItemKind::kRootCaCrl && !options_.root_ca_crl_url.empty()
                              ? options_.root_ca_crl_url
                              : options_.url + *path;
  // A PCK certificate's query carries the platform's encrypted PPID: messages, logs and the
  // item's source name the path only.
  const std::string shown = kind == ItemKind::kPckCert ? url.substr(0, url.find('?')) : url;
  auto got = attest::PccsHttpGet(url, options_.http);
  if (!got.ok()) {
    std::string msg = got.status().message();
    for (size_t at = msg.find(url); at != std::string::npos; at = msg.find(url, at)) {
      msg.replace(at, url.size(), shown);
      at += shown.size();
    }
    return Status(got.status().code(), std::move(msg));
  }
  const attest::PccsHttpResponse& r = *got;
  if (r.status == 404) return Status::NotFound(shown + ": HTTP 404");
  if (r.status != 200) return Status::Unavailable(shown + ": HTTP " + std::to_string(r.status));
  if (kind == ItemKind::kRootCaCrl) {
    auto items = ItemsOfFile(url, r.body);
    if (!items.ok() || items->size() != 1) return Status::Unavailable(url + ": not a CRL");
    return std::move((*items)[0]);
  }
  auto chain = ChainHeader(kind, r.headers);
  if (!chain) return Status::Unavailable(url + ": no issuer chain header");
  if (kind == ItemKind::kPckCert) return PckCertOfResponse(key, chain->second, r, shown);
  auto item = ItemOfResponse(chain->first, chain->second, r.body, url);
  if (!item.ok()) return Status::Unavailable(item.status().message());
  return item;
}

}  // namespace kms::pccs
