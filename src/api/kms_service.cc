#include "api/kms_service.h"

#include <boost/json/parse.hpp>

#include <chrono>
#include <cctype>

#include "api/action.h"
#include "api/json_parse.h"
#include "api/request_auth.h"
#include "common/log.h"
#include "crypto/random.h"

namespace kms::api {
namespace {

const boost::json::object& EmptyObject() {
  static const boost::json::object* empty = new boost::json::object();
  return *empty;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexValue(s[i + 1]) >= 0 &&
        HexValue(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(s[i + 1]) * 16 + HexValue(s[i + 2])));
      i += 2;
    } else if (s[i] == '+') {
      out.push_back(' ');
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

HttpAnswer Answer(const Reply& reply) { return {200, reply.code, Serialize(reply)}; }

}  // namespace

Route ParseTarget(std::string_view target) {
  Route r;
  size_t q = target.find('?');
  r.path = std::string(target.substr(0, q));
  if (q == std::string_view::npos) return r;
  std::string_view query = target.substr(q + 1);
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    size_t eq = pair.find('=');
    if (PercentDecode(pair.substr(0, eq)) == "Action" && r.action.empty()) {
      r.action = eq == std::string_view::npos ? "" : PercentDecode(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return r;
}

bool IsEhsmPath(std::string_view path) {
  if (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (path.size() != 5) return false;
  static constexpr std::string_view kPath = "/ehsm";
  for (size_t i = 0; i < 5; ++i) {
    if (std::tolower(static_cast<unsigned char>(path[i])) != kPath[i]) return false;
  }
  return true;
}

KmsService::KmsService(KmsContext& ctx, ThreadPool& pool, ReplayCache& replay)
    : ctx_(ctx), pool_(pool), verifier_(ctx), authenticator_(ctx.clock(), verifier_, replay) {
  auto prefix = crypto::RandomBytes(4);
  id_prefix_ = prefix.ok() ? HexEncode(*prefix) : "00000000";
}

std::string KmsService::NextRequestId() {
  return id_prefix_ + "-" + std::to_string(next_id_.fetch_add(1, std::memory_order_relaxed));
}

void KmsService::Handle(std::string_view method, std::string_view target, std::string body,
                        Done done) {
  std::string rid = NextRequestId();
  // GetVersion touches nothing shared: answer on the event loop.
  Route route = ParseTarget(target);
  if (route.action == "GetVersion" && method == "GET") {
    done(HandleNow(method, target, body, rid));
    return;
  }
  auto job = [this, m = std::string(method), t = std::string(target), b = std::move(body),
              rid, done]() mutable { done(HandleNow(m, t, b, rid)); };
  if (!pool_.TrySubmit(std::move(job))) {
    log::Warn("request.rejected_busy", {{"rid", rid}, {"queued", pool_.queued()}});
    done(Answer(Reply::ServerError("Server busy, please retry later.")));
  }
}

HttpAnswer KmsService::HandleNow(std::string_view method, std::string_view target,
                                 std::string_view body, std::string_view request_id) {
  auto start = std::chrono::steady_clock::now();
  Route route = ParseTarget(target);
  std::string appid;
  HttpAnswer answer = [&]() -> HttpAnswer {
    if (!IsEhsmPath(route.path)) return {404, 404, Serialize(Reply::NotFound())};
    const ActionDef* def = FindAction(route.action);
    if (def && !def->authenticated) {
      if (method != "GET") return Answer(Reply::NotFound());
      return Answer(def->handler(ctx_, {"", EmptyObject(), request_id}));
    }
    auto parsed = ParseJson(body);
    if (!parsed.ok()) return Answer(Reply::BadRequest("Invalid JSON"));
    AuthOutcome auth =
        authenticator_.Authenticate(*parsed, def != nullptr && def->payload_required);
    if (!auth.ok()) {
      return Answer(Reply::BadRequest(std::string(auth.failure().message)));
    }
    appid = auth.result().appid;
    if (def == nullptr || method != "POST") return Answer(Reply::NotFound());
    const boost::json::object* payload = auth.result().payload;
    return Answer(def->handler(ctx_, {appid, payload ? *payload : EmptyObject(), request_id}));
  }();
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                std::chrono::steady_clock::now() - start)
                .count();
  log::Info("request", {{"rid", request_id},
                        {"action", route.action},
                        {"appid", appid},
                        {"code", answer.code},
                        {"us", us}});
  return answer;
}

}  // namespace kms::api
