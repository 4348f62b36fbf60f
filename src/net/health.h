#pragma once
// The answers of `GET /healthz` and `GET /readyz`, the same in ehsm-kms (on its HTTPS port) and
// in the domain-key daemons (on their plain-HTTP health port), so probes and scripts read one
// format: text/plain, one line.

#include <string>
#include <string_view>

#include "common/status.h"

namespace kms::net {

struct HealthAnswer {
  int http_status = 200;
  std::string body;  // one line, ending in "\n"
};

inline constexpr std::string_view kHealthzPath = "/healthz";
inline constexpr std::string_view kReadyzPath = "/readyz";

// 200 "ok\n": the process runs and its event loop answers.
HealthAnswer LivenessAnswer();
// 200 "ready\n" when `ready` is OK, else 503 "not ready: <its message>\n", with any line
// breaks in the message replaced by spaces so that the answer stays one line.
HealthAnswer ReadinessAnswer(const Status& ready);

}  // namespace kms::net
