#include "server/enroll_guard.h"

#include "api/route.h"
#include "api/reply.h"
#include "common/log.h"

namespace kms::server {
namespace {

constexpr std::string_view kBearer = "Bearer ";

crypto::Sha256Digest Digest(std::string_view s) {
  auto d = crypto::Sha256(AsBytes(s));
  return d.ok() ? *d : crypto::Sha256Digest{};
}

// "1.2.3.4:5678" or "::1:5678" -> the address alone.
std::string AddressOf(const std::string& remote) {
  const size_t colon = remote.rfind(':');
  return colon == std::string::npos ? remote : remote.substr(0, colon);
}

net::HttpResponse Envelope(int http_status, int code, std::string message) {
  net::HttpResponse r;
  r.status = http_status;
  r.body = api::Serialize(api::Reply{code, std::move(message), boost::json::object()});
  return r;
}

bool IsEnroll(const net::HttpRequest& request) {
  const api::Route route = api::ParseTarget(request.target);
  return route.action == "Enroll" && api::IsEhsmPath(route.path);
}

}  // namespace

EnrollGuard::EnrollGuard(const EnrollGuardOptions& options, const Clock& clock,
                         net::HttpHandler& next, audit::AuditLog* audit)
    : token_required_(!options.token.empty()),
      token_digest_(Digest(options.token)),
      per_address_(clock, options.per_ip_per_second, 5 * options.per_ip_per_second,
                   options.max_addresses),
      next_(next),
      audit_(audit) {}

net::HttpResponse EnrollGuard::Check(const net::HttpRequest& request) {
  net::HttpResponse none;
  none.status = 0;
  if (token_required_) {
    const std::string& auth = request.authorization;
    if (auth.size() <= kBearer.size() || auth.compare(0, kBearer.size(), kBearer) != 0) {
      net::HttpResponse r =
          Envelope(401, 401, "Enroll needs an enroll token: Authorization: Bearer <token>");
      r.headers.emplace_back("WWW-Authenticate", "Bearer");
      return r;
    }
    const crypto::Sha256Digest given = Digest(std::string_view(auth).substr(kBearer.size()));
    if (!crypto::ConstantTimeEquals(given, token_digest_)) {
      return Envelope(403, 403, "Enroll token refused");
    }
  }
  if (!per_address_.TryAcquire(AddressOf(request.remote))) {
    return Envelope(200, 400, "Too many enrollments, please retry later.");
  }
  return none;
}

void EnrollGuard::Handle(net::HttpRequest request, net::Responder respond) {
  if (!IsEnroll(request)) {
    next_.Handle(std::move(request), std::move(respond));
    return;
  }
  net::HttpResponse refusal = Check(request);
  if (refusal.status == 0) {
    next_.Handle(std::move(request), std::move(respond));
    return;
  }
  const int code = refusal.status == 200 ? 400 : refusal.status;
  const std::string source = "source=" + AddressOf(request.remote);
  log::Warn("enroll.refused", {{"code", code}, {"remote", request.remote}});
  if (audit_ != nullptr) {
    audit::Event e;
    e.action = "Enroll";
    e.result = code;
    e.detail = source;
    // The refusal is the answer either way; a lost record is logged by the audit log.
    (void)audit_->Append(e);
  }
  respond(std::move(refusal));
}

}  // namespace kms::server
