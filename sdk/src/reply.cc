#include "reply.h"

#include <cmath>

#include <boost/json.hpp>

#include "kms/encoding.h"

namespace kms::client::internal {
namespace json = boost::json;

Result<Envelope> ParseEnvelope(const HttpResponse& response, json::storage_ptr sp) {
  if (response.status != 200) {
    return Error::Http(static_cast<int>(response.status),
                       "HTTP status " + std::to_string(response.status));
  }
  json::error_code ec;
  json::value v = json::parse(response.body, ec, sp);
  if (ec || !v.is_object()) return Error::Protocol("reply is not a JSON object");
  json::object& o = v.get_object();
  const json::value* code = o.if_contains("code");
  if (code == nullptr || !code->is_number()) {
    return Error::Protocol("reply has no numeric `code`");
  }
  json::error_code cec;
  auto code_num = code->to_number<int64_t>(cec);
  if (cec) return Error::Protocol("reply `code` is not an integer");
  std::string message;
  if (const json::value* m = o.if_contains("message"); m != nullptr && m->is_string()) {
    message = std::string(m->get_string());
  }
  if (code_num != 200) return Error::Server(static_cast<int>(code_num), std::move(message));
  Envelope env{std::move(message), json::object(sp)};
  if (json::value* r = o.if_contains("result"); r != nullptr && r->is_object()) {
    env.result = std::move(r->get_object());
  }
  return env;
}

Result<std::string> GetString(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) {
    return Error::Protocol("reply lacks string field `" + std::string(key) + "`");
  }
  return std::string(v->get_string());
}

Result<int64_t> GetInt(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v != nullptr) {
    if (v->is_int64()) return v->get_int64();
    if (v->is_uint64()) return static_cast<int64_t>(v->get_uint64());
    if (v->is_double() && std::floor(v->get_double()) == v->get_double()) {
      return static_cast<int64_t>(v->get_double());
    }
    // Some servers send numbers as strings; accept digits.
    if (v->is_string() && !v->get_string().empty()) {
      try {
        size_t pos = 0;
        int64_t n = std::stoll(std::string(v->get_string()), &pos);
        if (pos == v->get_string().size()) return n;
      } catch (const std::exception&) {
      }
    }
  }
  return Error::Protocol("reply lacks integer field `" + std::string(key) + "`");
}

Result<bool> GetBool(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_bool()) {
    return Error::Protocol("reply lacks boolean field `" + std::string(key) + "`");
  }
  return v->get_bool();
}

Result<Bytes> GetBase64(const json::object& o, std::string_view key) {
  EHSM_ASSIGN_OR_RETURN(std::string text, GetString(o, key));
  auto bytes = Base64Decode(text);
  if (!bytes) return Error::Protocol("reply field `" + std::string(key) + "` is not base64");
  return std::move(*bytes);
}

Result<SecretBytes> GetBase64Secret(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) {
    return Error::Protocol("reply lacks string field `" + std::string(key) + "`");
  }
  auto bytes = Base64Decode(std::string_view(v->get_string()));
  if (!bytes) return Error::Protocol("reply field `" + std::string(key) + "` is not base64");
  SecretBytes out{ByteView(*bytes)};
  explicit_bzero(bytes->data(), bytes->size());
  return out;
}

std::string GetStringOr(const json::object& o, std::string_view key, std::string fallback) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || !v->is_string()) return fallback;
  return std::string(v->get_string());
}

std::optional<int64_t> GetIntOpt(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return std::nullopt;
  auto r = GetInt(o, key);
  if (!r.ok()) return std::nullopt;
  return *r;
}

}  // namespace kms::client::internal
