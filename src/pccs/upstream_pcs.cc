#include "pccs/upstream_pcs.h"

#include "pccs/collateral_files.h"

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
  for (const std::string& n : names) {
    auto it = headers.find(n);
    if (it != headers.end()) return std::make_pair(n, it->second);
  }
  return std::nullopt;
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
  }
  return std::nullopt;
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

StatusOr<CollateralItem> UpstreamPcs::Fetch(ItemKind kind, const std::string& key) const {
  std::optional<std::string> path = UpstreamPath(kind, key);
  if (!path) return Status::NotFound("no such item: " + Describe(kind, key));
  const std::string url = kind == ItemKind::kRootCaCrl && !options_.root_ca_crl_url.empty()
                              ? options_.root_ca_crl_url
                              : options_.url + *path;
  KMS_ASSIGN_OR_RETURN(attest::PccsHttpResponse r, attest::PccsHttpGet(url, options_.http));
  if (r.status == 404) return Status::NotFound(url + ": HTTP 404");
  if (r.status != 200) return Status::Unavailable(url + ": HTTP " + std::to_string(r.status));
  if (kind == ItemKind::kRootCaCrl) {
    auto items = ItemsOfFile(url, r.body);
    if (!items.ok() || items->size() != 1) return Status::Unavailable(url + ": not a CRL");
    return std::move((*items)[0]);
  }
  auto chain = ChainHeader(kind, r.headers);
  if (!chain) return Status::Unavailable(url + ": no issuer chain header");
  auto item = ItemOfResponse(chain->first, chain->second, r.body, url);
  if (!item.ok()) return Status::Unavailable(item.status().message());
  return item;
}

}  // namespace kms::pccs
