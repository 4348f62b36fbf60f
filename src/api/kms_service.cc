#include "api/kms_service.h"

#include <boost/json/parse.hpp>

#include <chrono>
#include <optional>

#include "api/action.h"
#include "api/request_audit.h"
#include "api/request_auth.h"
#include "common/log.h"
#include "crypto/random.h"
#include "protocol/json_parse.h"

namespace kms::api {
namespace {

const boost::json::object& EmptyObject() {
  static const boost::json::object* empty = new boost::json::object();
  return *empty;
}

HttpAnswer Answer(const Reply& reply) { return {200, reply.code, Serialize(reply)}; }

}  // namespace

KmsService::KmsService(KmsContext& ctx, ThreadPool& pool, ReplayCache& replay,
                       RequestObserver* observer)
    : ctx_(ctx),
      pool_(pool),
      observer_(observer),
      verifier_(ctx),
      authenticator_(ctx.clock(), verifier_, replay) {
  auto prefix = crypto::RandomBytes(4);
  id_prefix_ = prefix.ok() ? HexEncode(*prefix) : "00000000";
}

std::string KmsService::NextRequestId() {
  return id_prefix_ + "-" + std::to_string(next_id_.fetch_add(1, std::memory_order_relaxed));
}

// A release to an attested recipient reads its quote policy from the store and verifies a
// quote: worker work, never the event loop's.
bool HasRecipient(const boost::json::value& body) {
  const boost::json::object* o = body.if_object();
  const boost::json::value* payload = o != nullptr ? o->if_contains("payload") : nullptr;
  return payload != nullptr && payload->is_object() && payload->get_object().contains("recipient");
}

void KmsService::Handle(std::string_view method, std::string_view target, std::string body,
                        Done done) {
  const auto start = std::chrono::steady_clock::now();
  if (observer_ != nullptr) observer_->OnStart();
  std::string rid = NextRequestId();
  Route route = ParseTarget(target);
  const ActionDef* def = FindAction(route.action);
  const RunOn run_on = def != nullptr ? def->run_on : RunOn::kWorker;
  if (run_on == RunOn::kInline && method == "GET") {
    done(Run(method, route, def, body, nullptr, rid, start));
    return;
  }
  std::optional<StatusOr<boost::json::value>> parsed;
  if (run_on == RunOn::kInlineWhenCached && method == "POST" && IsEhsmPath(route.path)) {
    parsed.emplace(protocol::ParseJson(body));
    // A body that does not parse is answered here too: that costs nothing either. With a
    // local store a record miss is a few microseconds of SQLite, less than the handoff.
    if (!parsed->ok() || (ctx_.store().ReadsAreLocal() && !HasRecipient(**parsed))) {
      done(Run(method, route, def, body, &*parsed, rid, start));
      return;
    }
    // Otherwise only with the records found now: looked up again later, one could have
    // expired and its re-read would block the event loop on the network store.
    std::optional<KmsContext::CachedRecords> records;
    if (!HasRecipient(**parsed)) records = CachedRecordsFor(**parsed);
    if (records) {
      HttpAnswer answer;
      {
        KmsContext::ScopedPin pin(ctx_, *records);
        answer = Run(method, route, def, body, &*parsed, rid, start);
      }
      done(std::move(answer));
      return;
    }
  }
  const size_t bytes_in = body.size();  // before the job takes the body
  auto job = [this, m = std::string(method), route, def, b = std::move(body),
              p = std::move(parsed), rid, done, start]() mutable {
    done(Run(m, route, def, b, p ? &*p : nullptr, rid, start));
  };
  if (!pool_.TrySubmit(std::move(job))) {
    log::Warn("request.rejected_busy", {{"rid", rid}, {"queued", pool_.queued()}});
    HttpAnswer busy = Answer(Reply::ServerError("Server busy, please retry later."));
    Report(route, def, rid, "", busy, bytes_in, start);
    done(std::move(busy));
  }
}

std::optional<KmsContext::CachedRecords> KmsService::CachedRecordsFor(
    const boost::json::value& body) {
  const boost::json::object* o = body.if_object();
  if (o == nullptr) return std::nullopt;
  const boost::json::value* appid = o->if_contains("appid");
  const boost::json::value* payload = o->if_contains("payload");
  if (appid == nullptr || !appid->is_string() || payload == nullptr || !payload->is_object()) {
    return std::nullopt;
  }
  const boost::json::value* keyid = payload->get_object().if_contains("keyid");
  if (keyid == nullptr || !keyid->is_string()) return std::nullopt;
  return ctx_.FindCached(std::string(appid->get_string()), std::string(keyid->get_string()));
}

HttpAnswer KmsService::HandleNow(std::string_view method, std::string_view target,
                                 std::string_view body, std::string_view request_id) {
  if (observer_ != nullptr) observer_->OnStart();
  Route route = ParseTarget(target);
  return Run(method, route, FindAction(route.action), body, nullptr, request_id,
             std::chrono::steady_clock::now());
}

HttpAnswer KmsService::Run(std::string_view method, const Route& route, const ActionDef* def,
                           std::string_view body, StatusOr<boost::json::value>* parsed,
                           std::string_view request_id,
                           std::chrono::steady_clock::time_point start) {
  std::string appid;
  AuditSubject subject;  // what the action was applied to, for the audit record
  HttpAnswer answer = [&]() -> HttpAnswer {
    if (!IsEhsmPath(route.path)) return {404, 404, Serialize(Reply::NotFound())};
    if (def && !def->authenticated) {
      if (method != "GET") return Answer(Reply::NotFound());
      Reply reply = def->handler(ctx_, {"", EmptyObject(), request_id});
      subject = AuditSubjectOf(EmptyObject(), reply);
      if (appid.empty()) appid = subject.enrolled_appid;
      return Answer(reply);
    }
    std::optional<StatusOr<boost::json::value>> parsed_here;
    if (parsed == nullptr) parsed = &parsed_here.emplace(protocol::ParseJson(body));
    if (!parsed->ok()) return Answer(Reply::BadRequest("Invalid JSON"));
    AuthOutcome auth =
        authenticator_.Authenticate(**parsed, def != nullptr && def->payload_required);
    if (!auth.ok()) {
      return Answer(Reply::BadRequest(std::string(auth.failure().message)));
    }
    appid = auth.result().appid;
    if (def == nullptr || method != "POST") return Answer(Reply::NotFound());
    const boost::json::object& payload =
        auth.result().payload ? *auth.result().payload : EmptyObject();
    Reply reply = def->handler(ctx_, {appid, payload, request_id});
    subject = AuditSubjectOf(payload, reply);
    return Answer(reply);
  }();
  if (IsEhsmPath(route.path)) {
    answer = RecordForAudit(ctx_.options(), route.action, appid, subject, request_id,
                            std::move(answer));
  }
  Report(route, def, request_id, appid, answer, body.size(), start);
  return answer;
}

void KmsService::Report(const Route& route, const ActionDef* def, std::string_view request_id,
                        std::string_view appid, const HttpAnswer& answer, size_t bytes_in,
                        std::chrono::steady_clock::time_point start) {
  const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  if (observer_ != nullptr) {
    observer_->OnDone({.request_id = request_id,
                       .action = route.action,
                       .known_action = IsEhsmPath(route.path) && def != nullptr,
                       .appid = appid,
                       .code = answer.code,
                       .http_status = answer.http_status,
                       .duration_ns = ns,
                       .bytes_in = bytes_in,
                       .bytes_out = answer.body.size()});
    return;
  }
  // Formatting the line costs more than the rest of a cached Encrypt: skip it when disabled.
  if (log::Enabled(log::Level::kInfo)) {
    log::Info("request", {{"rid", request_id},
                          {"action", route.action},
                          {"appid", appid},
                          {"code", answer.code},
                          {"us", ns / 1000}});
  }
}

}  // namespace kms::api
