#pragma once
// EnrollGuard: the HTTP handler in front of ehsm-kms's ServiceGate that protects Enroll, the
// one action anyone may call (docs/operations.md, "Enroll protection"). Every other request
// passes through untouched.
//
// - With a token set, Enroll needs `Authorization: Bearer <token>`: without one it is answered
//   HTTP 401 (`WWW-Authenticate: Bearer`), with another token HTTP 403, each with the eHSM
//   envelope (code 401 / 403). The token is compared in constant time (through SHA-256, so not
//   even its length leaks).
// - Each source address may enroll `per_ip_per_second` times a second (bursts of 5x), besides
//   the global limit of the service; beyond it the envelope `400 Too many enrollments, please
//   retry later.`, as the global limit answers.
// Refusals are recorded in the audit trail with the source address.
//
// Thread-safe.

#include <string>

#include "audit/audit_log.h"
#include "common/clock.h"
#include "crypto/hmac.h"
#include "net/http_types.h"
#include "server/address_rate_limiter.h"

namespace kms::server {

struct EnrollGuardOptions {
  std::string token;  // empty: Enroll is open
  double per_ip_per_second = 5;
  size_t max_addresses = 16384;
};

class EnrollGuard final : public net::HttpHandler {
 public:
  // `next` and `audit` (may be null) must outlive the guard.
  EnrollGuard(const EnrollGuardOptions& options, const Clock& clock, net::HttpHandler& next,
              audit::AuditLog* audit);

  void Handle(net::HttpRequest request, net::Responder respond) override;

 private:
  // The refusal for `request`, or status 0 to let it through.
  net::HttpResponse Check(const net::HttpRequest& request);

  const bool token_required_;
  crypto::Sha256Digest token_digest_{};
  AddressRateLimiter per_address_;
  net::HttpHandler& next_;
  audit::AuditLog* const audit_;
};

}  // namespace kms::server
