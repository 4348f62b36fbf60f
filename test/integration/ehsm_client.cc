#include "ehsm_client.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <chrono>

#include "protocol/canonical.h"
#include "protocol/request_sign.h"

namespace kms::testing {

std::string NowMs() {
  return std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count());
}

// RSA-4096 key generation (CreateKey, GetParametersForImport) can take several seconds on a
// loaded test machine, longer than the transport's default timeout.
net::testing::TestHttpsClientOptions EhsmClient::Options(uint16_t port) {
  net::testing::TestHttpsClientOptions o;
  o.port = port;
  o.timeout_ms = 60000;
  return o;
}

EhsmClient::EhsmClient(uint16_t port) : http_(Options(port)) {}

boost::json::value EhsmClient::Get(const std::string& action, const std::string& path) {
  auto r = http_.Send("GET", path + "?Action=" + action);
  if (!r.ok()) return nullptr;
  boost::system::error_code ec;
  auto v = boost::json::parse(r->body, ec);
  return ec ? boost::json::value(nullptr) : v;
}

Credentials EhsmClient::Enroll() {
  auto v = Get("Enroll");
  creds_ = {ResultString(v, "appid"), ResultString(v, "apikey")};
  return creds_;
}

std::string EhsmClient::SignedBody(const Credentials& who, const boost::json::object& payload,
                                   const CallOptions& o) {
  boost::json::object body;
  body["appid"] = who.appid;
  body["timestamp"] = o.timestamp.value_or(NowMs());
  // A fresh nonce per request: without one, two requests in the same millisecond are replays.
  if (o.nonce) {
    body["nonce"] = *o.nonce;
  } else if (!o.no_nonce) {
    body["nonce"] = "it-" + std::to_string(++nonce_counter_);
  }
  if (!o.omit_payload) body["payload"] = payload;
  last_signing_string_ = protocol::SigningString(
      body, o.keep_empty_values ? protocol::EmptyValues::kKeep : protocol::EmptyValues::kDrop);
  body["sign"] =
      o.sign.value_or(protocol::ComputeRequestSign(who.apikey, last_signing_string_).value());
  return boost::json::serialize(body);
}

boost::json::value EhsmClient::Call(const std::string& action, const boost::json::object& payload,
                                    const CallOptions& options) {
  return CallAs(creds_, action, payload, options);
}

boost::json::value EhsmClient::CallAs(const Credentials& who, const std::string& action,
                                      const boost::json::object& payload,
                                      const CallOptions& options) {
  auto [status, body] = PostRaw(action, SignedBody(who, payload, options));
  boost::system::error_code ec;
  auto v = boost::json::parse(body, ec);
  return ec ? boost::json::value(nullptr) : v;
}

std::pair<int, std::string> EhsmClient::PostRaw(const std::string& action,
                                                 const std::string& body) {
  auto r = http_.Send("POST", "/ehsm?Action=" + action, body);
  if (!r.ok()) return {0, r.status().ToString()};
  return {r->status, r->body};
}

int CodeOf(const boost::json::value& reply) {
  if (!reply.is_object()) return -1;
  auto* c = reply.get_object().if_contains("code");
  return c && c->is_int64() ? static_cast<int>(c->get_int64()) : -1;
}

std::string MessageOf(const boost::json::value& reply) {
  if (!reply.is_object()) return "<not json>";
  auto* m = reply.get_object().if_contains("message");
  return m && m->is_string() ? std::string(m->get_string()) : "<no message>";
}

std::string ResultString(const boost::json::value& reply, const std::string& field) {
  if (!reply.is_object()) return "";
  auto* r = reply.get_object().if_contains("result");
  if (!r || !r->is_object()) return "";
  auto* f = r->get_object().if_contains(field);
  return f && f->is_string() ? std::string(f->get_string()) : "";
}

}  // namespace kms::testing
