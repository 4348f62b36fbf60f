#include "dkey/daemon_metrics.h"

#ifndef KMS_GIT_SHA
#define KMS_GIT_SHA "0000000"
#endif
#ifndef KMS_VERSION
#define KMS_VERSION "0.0.0"
#endif

namespace kms::dkey {

void RegisterDaemonMetrics(metrics::Registry& registry, std::string_view daemon,
                           std::function<std::string()> dk_id, std::function<Status()> ready) {
  registry.AddInfo("ehsm_build_info", "The running build.", [d = std::string(daemon)] {
    return metrics::Labels{{"daemon", d}, {"version", KMS_VERSION}, {"git_sha", KMS_GIT_SHA}};
  });
  registry.AddCallback("ehsm_ready", "gauge", "1 while /readyz answers 200, else 0.", {},
                       [ready] { return ready().ok() ? 1.0 : 0.0; });
  registry.AddCallback("ehsm_domain_key_loaded", "gauge", "1 while the domain key is held.", {},
                       [dk_id] { return dk_id().empty() ? 0.0 : 1.0; });
  registry.AddInfo("ehsm_domain_key_info",
                   "The held domain key: the first 8 hex digits of its fingerprint (dk_id).",
                   [dk_id] {
                     const std::string id = dk_id();
                     if (id.empty()) return metrics::Labels{};
                     return metrics::Labels{{"fingerprint_prefix", id.substr(0, 8)}};
                   });
}

}  // namespace kms::dkey
