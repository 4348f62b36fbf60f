#pragma once
// ServiceGate: the HTTP handler of ehsm-kms. The probes (/healthz, /readyz) are answered
// without authentication; every other request goes to the eHSM service once one is open.
// Until then (cluster mode waiting for the domain key) and for good when the domain key was
// refused (kms.domain_key_mismatch), only GetVersion is answered; Enroll and every signed
// action get the eHSM envelope {"code":500,"message":"Service unavailable, please retry
// later."}, and other paths the service's usual 404.
//
// Thread-safe: Open may race with Handle.

#include <atomic>
#include <string>

#include "common/metrics.h"
#include "api/kms_context.h"
#include "api/kms_service.h"
#include "net/https_server.h"
#include "server/readiness.h"

namespace kms::server {

class ServiceGate final : public net::HttpHandler {
 public:
  // `options` gives GetVersion's answer; `readiness` must outlive the gate.
  ServiceGate(api::ServiceOptions options, Readiness& readiness)
      : options_(std::move(options)), readiness_(readiness) {}

  // From now on requests go to `service` (which must outlive the gate).
  void Open(api::KmsService& service) { service_.store(&service, std::memory_order_release); }

  // Answer `GET /metrics` from `registry` (which must outlive the gate), requiring
  // `Authorization: Bearer <token>` when `token` is not empty. Call before the server starts;
  // until then /metrics is the service's 404 like any unknown path.
  void ServeMetrics(const metrics::Registry& registry, std::string token) {
    metrics_ = &registry;
    metrics_token_ = std::move(token);
  }

  void Handle(net::HttpRequest request, net::Responder respond) override;

 private:
  api::HttpAnswer Closed(const std::string& method, const std::string& target) const;

  const api::ServiceOptions options_;
  Readiness& readiness_;
  std::atomic<api::KmsService*> service_{nullptr};
  const metrics::Registry* metrics_ = nullptr;
  std::string metrics_token_;  // never logged
};

}  // namespace kms::server
