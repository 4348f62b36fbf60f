#pragma once
// The answer to `GET /metrics`, shared by the KMS's HTTPS port and the domain-key daemons'
// health ports: the registry's exposition (text format 0.0.4), or, when a token is set and
// the request's `Authorization` is not `Bearer <token>`, 401 with `WWW-Authenticate: Bearer`.

#include <string>
#include <string_view>

#include "common/metrics.h"

namespace kms::net {

inline constexpr std::string_view kMetricsPath = "/metrics";

struct MetricsAnswer {
  int http_status = 200;
  std::string content_type;
  std::string body;
  bool challenge = false;  // add `WWW-Authenticate: Bearer`
};

// `token` empty: open to anyone who reaches the port.
MetricsAnswer ServeMetrics(const metrics::Registry& registry, std::string_view token,
                           std::string_view authorization);

// Whether `authorization` is `Bearer <token>`. The comparison takes the same time whatever
// the bytes and lengths of either (SHA-256 of both, compared with CRYPTO_memcmp), so the
// response time tells nothing about how close a guess was.
bool BearerTokenMatches(std::string_view authorization, std::string_view token);

}  // namespace kms::net
