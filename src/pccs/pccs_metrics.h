#pragma once
// The counters ehsm-pccs shows on /metrics (Prometheus text format 0.0.4):
//
//   ehsm_pccs_requests_total{path="/sgx/certification/v4/tcb",code="200"}
//   ehsm_pccs_items{kind="tcb_info"}                  items held now
//   ehsm_pccs_next_update_seconds                     seconds to the earliest nextUpdate held
//   ehsm_pccs_upstream_fetches_total{result="ok"}     ok, not_found, unavailable, refused
//
// Paths are the request path without its query; anything outside the PCCS API counts as
// "other", so hostile URLs cannot grow the label set. Thread-safe.

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>

#include "pccs/collateral_view.h"

namespace kms::pccs {

class PccsMetrics {
 public:
  void CountRequest(std::string_view path, int status);
  void CountUpstream(std::string_view result);

  // The text of /metrics for the held `view` at Unix time `now_s`.
  std::string Render(const CollateralView& view, int64_t now_s) const;

  int64_t requests(std::string_view path, int status) const;
  int64_t upstream(std::string_view result) const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, int64_t, std::less<>> requests_;  // guarded by mu_
  std::map<std::string, int64_t, std::less<>> upstream_;                   // guarded by mu_
};

// The path label of a request path: itself when it is one of the API's, else "other".
std::string_view MetricPath(std::string_view path);

}  // namespace kms::pccs
