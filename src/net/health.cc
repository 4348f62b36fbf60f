#include "net/health.h"

#include <algorithm>

namespace kms::net {

HealthAnswer LivenessAnswer() { return {200, "ok\n"}; }

HealthAnswer ReadinessAnswer(const Status& ready) {
  if (ready.ok()) return {200, "ready\n"};
  std::string reason = ready.message().empty() ? "unknown reason" : ready.message();
  std::replace_if(
      reason.begin(), reason.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  return {503, "not ready: " + reason + "\n"};
}

}  // namespace kms::net
