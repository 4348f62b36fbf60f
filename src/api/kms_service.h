#pragma once
// KmsService: the eHSM REST application. Routes `/ehsm?Action=X` (and `/ehsm/?Action=X`),
// parses and authenticates the request, validates the payload and runs the action handler,
// answering with the eHSM JSON envelope. Transport-independent: the HTTPS server adapts it.
//
// Thread-safe. Handle() never blocks: work that touches the store or does slow crypto runs on
// the worker pool, and `done` is called from whichever thread finishes. Where each action runs
// is its ActionDef's RunOn (api/action.h): symmetric-key actions whose tenant and key records
// are already cached run inline on the caller's thread (the event loop), with those records:
// they cost a few microseconds, less than the hop to a worker and back.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/value.hpp>

#include "api/kms_context.h"
#include "api/replay_cache.h"
#include "api/request_auth.h"
#include "api/request_observer.h"
#include "api/route.h"
#include "api/tenant_mac_verifier.h"
#include "common/thread_pool.h"

namespace kms::api {

struct HttpAnswer {
  int http_status = 200;
  int code = 200;    // the eHSM `code` inside the body, for logs
  std::string body;  // JSON
};

struct ActionDef;

class KmsService {
 public:
  using Done = std::function<void(HttpAnswer)>;

  // `observer` (optional, must outlive the service) is told about every request; without one
  // each request is logged as one `request` line at info level.
  KmsService(KmsContext& ctx, ThreadPool& pool, ReplayCache& replay,
             RequestObserver* observer = nullptr);

  void Handle(std::string_view method, std::string_view target, std::string body, Done done);

  // The synchronous core, for tests and for the pool: routes and runs one request.
  HttpAnswer HandleNow(std::string_view method, std::string_view target, std::string_view body,
                       std::string_view request_id);

 private:
  std::string NextRequestId();
  // Runs one routed request; `def` is FindAction(route.action), looked up once per request;
  // `parsed` is the body already parsed (or its parse error), or null to parse `body` here.
  HttpAnswer Run(std::string_view method, const Route& route, const ActionDef* def,
                 std::string_view body, StatusOr<boost::json::value>* parsed,
                 std::string_view request_id, std::chrono::steady_clock::time_point start);
  void Report(const Route& route, const ActionDef* def, std::string_view request_id,
              std::string_view appid, const HttpAnswer& answer, size_t bytes_in,
              std::chrono::steady_clock::time_point start);
  // The records of the tenant and the key `body` names, when both are in the caches; the
  // action then runs inline with them pinned (KmsContext::ScopedPin), so it cannot touch the
  // store.
  std::optional<KmsContext::CachedRecords> CachedRecordsFor(const boost::json::value& body);

  KmsContext& ctx_;
  ThreadPool& pool_;
  RequestObserver* const observer_;
  TenantMacVerifier verifier_;
  RequestAuthenticator authenticator_;
  std::string id_prefix_;
  std::atomic<uint64_t> next_id_{1};
};

}  // namespace kms::api
