#include "server/service_gate.h"

#include "api/action.h"
#include "api/route.h"
#include "net/health.h"
#include "net/metrics_endpoint.h"

namespace kms::server {
namespace {

net::HttpResponse Text(net::HealthAnswer a) {
  return net::HttpResponse{.status = a.http_status,
                           .content_type = "text/plain; charset=utf-8",
                           .body = std::move(a.body),
                           .close = false,
                           .headers = {}};
}

net::HttpResponse Json(api::HttpAnswer a) {
  return net::HttpResponse{.status = a.http_status,
                           .content_type = "application/json",
                           .body = std::move(a.body),
                           .close = false,
                           .headers = {}};
}

}  // namespace

void ServiceGate::Handle(net::HttpRequest request, net::Responder respond) {
  if (request.method == "GET") {
    const std::string path = api::ParseTarget(request.target).path;
    if (path == net::kHealthzPath) {
      respond(Text(net::LivenessAnswer()));
      return;
    }
    if (path == net::kMetricsPath && metrics_ != nullptr) {
      net::MetricsAnswer m = net::ServeMetrics(*metrics_, metrics_token_, request.authorization);
      net::HttpResponse r{.status = m.http_status,
                          .content_type = std::move(m.content_type),
                          .body = std::move(m.body),
                          .close = false,
                          .headers = {}};
      if (m.challenge) r.headers.emplace_back("WWW-Authenticate", "Bearer");
      respond(std::move(r));
      return;
    }
    if (path == net::kReadyzPath) {
      readiness_.Check([respond = std::move(respond)](Status ready) {
        respond(Text(net::ReadinessAnswer(ready)));
      });
      return;
    }
  }
  api::KmsService* service = service_.load(std::memory_order_acquire);
  if (service == nullptr) {
    respond(Json(Closed(request.method, request.target)));
    return;
  }
  service->Handle(request.method, request.target, std::move(request.body),
                  [respond = std::move(respond)](api::HttpAnswer a) { respond(Json(std::move(a))); });
}

api::HttpAnswer ServiceGate::Closed(const std::string& method, const std::string& target) const {
  const api::Route route = api::ParseTarget(target);
  if (!api::IsEhsmPath(route.path)) {
    return {404, 404, api::Serialize(api::Reply::NotFound())};
  }
  if (route.action == "GetVersion" && method == "GET") {
    return {200, 200, api::Serialize(api::VersionReply(options_))};
  }
  return {200, 500,
          api::Serialize(api::Reply::ServerError(std::string(api::kUnavailableMessage)))};
}

}  // namespace kms::server
