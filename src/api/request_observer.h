#pragma once
// RequestObserver: what KmsService tells about each request it answers, for metrics and the
// access log. The record holds identifiers, sizes and outcomes only: never a body, a payload
// field, a key or an apikey.
//
// Thread-safety: implementations are called concurrently from event loops and workers; they
// must not block (the request waits for OnDone to return).

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace kms::api {

struct RequestRecord {
  std::string_view request_id;
  std::string_view action;  // the Action query parameter as sent (may name no action)
  bool known_action = false;  // `action` is in the action table
  std::string_view appid;     // authenticated caller; empty when none (or not authenticated)
  int code = 0;               // the eHSM `code` of the reply
  int http_status = 0;
  int64_t duration_ns = 0;    // from Handle to the reply, queueing for a worker included
  size_t bytes_in = 0;        // request body
  size_t bytes_out = 0;       // reply body
};

class RequestObserver {
 public:
  virtual ~RequestObserver() = default;
  // A request entered the service (it is in flight until its OnDone).
  virtual void OnStart() = 0;
  virtual void OnDone(const RequestRecord& record) = 0;
};

}  // namespace kms::api
