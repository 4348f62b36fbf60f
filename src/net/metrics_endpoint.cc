#include "net/metrics_endpoint.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

namespace kms::net {
namespace {

bool Sha256(std::string_view data, unsigned char (&out)[32]) {
  unsigned int len = 0;
  return EVP_Digest(data.data(), data.size(), out, &len, EVP_sha256(), nullptr) == 1 && len == 32;
}

}  // namespace

bool BearerTokenMatches(std::string_view authorization, std::string_view token) {
  constexpr std::string_view kScheme = "Bearer ";
  if (token.empty()) return false;
  const bool has_scheme = authorization.size() >= kScheme.size() &&
                          authorization.substr(0, kScheme.size()) == kScheme;
  const std::string_view offered =
      has_scheme ? authorization.substr(kScheme.size()) : std::string_view();
  unsigned char a[32];
  unsigned char b[32];
  if (!Sha256(offered, a) || !Sha256(token, b)) return false;
  return (CRYPTO_memcmp(a, b, sizeof(a)) == 0) && has_scheme;
}

MetricsAnswer ServeMetrics(const metrics::Registry& registry, std::string_view token,
                           std::string_view authorization) {
  if (!token.empty() && !BearerTokenMatches(authorization, token)) {
    return {.http_status = 401,
            .content_type = "text/plain; charset=utf-8",
            .body = "unauthorized\n",
            .challenge = true};
  }
  return {.http_status = 200,
          .content_type = std::string(metrics::kContentType),
          .body = registry.Render(),
          .challenge = false};
}

}  // namespace kms::net
