#include "pccs/pccs_metrics.h"

#include <sstream>

namespace kms::pccs {
namespace {

constexpr std::string_view kPaths[] = {
    "/sgx/certification/v4/tcb",        "/tdx/certification/v4/tcb",
    "/sgx/certification/v4/qe/identity", "/tdx/certification/v4/qe/identity",
    "/sgx/certification/v4/qve/identity", "/sgx/certification/v4/pckcrl",
    "/sgx/certification/v4/rootcacrl",  "/sgx/certification/v3/tcb",
    "/sgx/certification/v3/qe/identity", "/sgx/certification/v3/qve/identity",
    "/sgx/certification/v3/pckcrl",     "/sgx/certification/v3/rootcacrl",
    "/sgx/certification/v4/pckcert",    "/sgx/certification/v3/pckcert",
    "/healthz",                         "/readyz",
    "/metrics",
};

constexpr ItemKind kKinds[] = {ItemKind::kTcbInfo, ItemKind::kEnclaveIdentity, ItemKind::kPckCrl,
                               ItemKind::kRootCaCrl, ItemKind::kPckCert};

}  // namespace

std::string_view MetricPath(std::string_view path) {
  for (std::string_view p : kPaths) {
    if (p == path) return p;
  }
  return "other";
}

void PccsMetrics::CountRequest(std::string_view path, int status) {
  std::lock_guard<std::mutex> lock(mu_);
  auto key = std::make_pair(std::string(MetricPath(path)), status);
  ++requests_[key];
}

void PccsMetrics::CountUpstream(std::string_view result) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = upstream_.find(result);
  if (it == upstream_.end()) it = upstream_.emplace(std::string(result), 0).first;
  ++it->second;
}

int64_t PccsMetrics::requests(std::string_view path, int status) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = requests_.find(std::make_pair(std::string(path), status));
  return it == requests_.end() ? 0 : it->second;
}

int64_t PccsMetrics::upstream(std::string_view result) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = upstream_.find(result);
  return it == upstream_.end() ? 0 : it->second;
}

std::string PccsMetrics::Render(const CollateralView& view, int64_t now_s) const {
  std::ostringstream out;
  out << "# HELP ehsm_pccs_requests_total HTTP requests by path and status code.\n"
         "# TYPE ehsm_pccs_requests_total counter\n";
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [key, n] : requests_) {
      out << "ehsm_pccs_requests_total{path=\"" << key.first << "\",code=\"" << key.second
          << "\"} " << n << "\n";
    }
    out << "# HELP ehsm_pccs_upstream_fetches_total Fetches from the upstream PCS by result.\n"
           "# TYPE ehsm_pccs_upstream_fetches_total counter\n";
    for (const auto& [result, n] : upstream_) {
      out << "ehsm_pccs_upstream_fetches_total{result=\"" << result << "\"} " << n << "\n";
    }
  }
  out << "# HELP ehsm_pccs_items Collateral items held, by kind.\n"
         "# TYPE ehsm_pccs_items gauge\n";
  for (ItemKind k : kKinds) {
    out << "ehsm_pccs_items{kind=\"" << KindName(k) << "\"} " << view.Count(k) << "\n";
  }
  if (std::optional<int64_t> next = view.EarliestNextUpdate()) {
    out << "# HELP ehsm_pccs_next_update_seconds Seconds until the earliest nextUpdate held "
           "(negative: already stale).\n"
           "# TYPE ehsm_pccs_next_update_seconds gauge\n"
           "ehsm_pccs_next_update_seconds "
        << (*next - now_s) << "\n";
  }
  return out.str();
}

}  // namespace kms::pccs
