#include "api/request_auth.h"

#include <cmath>

#include "protocol/js_value.h"

namespace kms::api {
namespace {

namespace json = boost::json;

const json::value* Field(const json::object* body, std::string_view name) {
  return body == nullptr ? nullptr : body->if_contains(name);
}

bool Truthy(const json::value* v) { return v != nullptr && protocol::IsTruthy(*v); }

// `nonce.length > 64` in JavaScript: strings count UTF-16 units, arrays elements, objects their
// own "length" property (coerced to a number); other types have no length and pass.
bool NonceTooLong(const json::value& nonce) {
  const double limit = static_cast<double>(RequestAuthenticator::kMaxNonceLength);
  switch (nonce.kind()) {
    case json::kind::string:
      return protocol::Utf16Length(nonce.get_string()) > RequestAuthenticator::kMaxNonceLength;
    case json::kind::array:
      return nonce.get_array().size() > RequestAuthenticator::kMaxNonceLength;
    case json::kind::object: {
      const json::value* length = nonce.get_object().if_contains("length");
      if (length == nullptr) return false;
      if (length->is_number()) return protocol::JsonNumberAsDouble(*length) > limit;
      if (length->is_string()) return protocol::JsStringToNumber(length->get_string()) > limit;
      return false;  // booleans, null, arrays and objects never exceed 64 after coercion
    }
    default:
      return false;
  }
}

}  // namespace

AuthFailure MakeAuthFailure(AuthError error) {
  switch (error) {
    case AuthError::kMissingParameters:
      return {error, 400, "Missing required parameters"};
    case AuthError::kParamType:
      return {error, 400, "param type error"};
    case AuthError::kNonceLength:
      return {error, 400, "Nonce length error"};
    case AuthError::kTimestampLength:
      return {error, 400, "Timestamp length error"};
    case AuthError::kTimestamp:
      return {error, 400, "Timestamp error"};
    case AuthError::kUnknownAppid:
      return {error, 400, "Unknown appid"};
    case AuthError::kSignMismatch:
      return {error, 400, "sign error"};
    case AuthError::kStoreUnavailable:
      return {error, 400, "database error"};
    case AuthError::kVerifierFailed:
      return {error, 400, "Unexpected Error"};
    case AuthError::kReplay:
      return {error, 400, "Timestamp can't be repeated in 20 minutes"};
    case AuthError::kReplayCacheFull:
      return {error, 400, "Too many requests in the replay window, please retry later"};
    case AuthError::kNonceType:
      return {error, 400, "nonce must be a string or a number"};
    case AuthError::kTimestampBeforeStart:
      return {error, 400,
              "Timestamp error: older than the server's start, retry with a current timestamp"};
  }
  return {AuthError::kVerifierFailed, 400, "Unexpected Error"};
}

AuthOutcome RequestAuthenticator::Authenticate(const boost::json::value& body_value,
                                               bool payload_required) const {
  const json::object* body = body_value.if_object();
  const json::value* appid = Field(body, "appid");
  const json::value* timestamp = Field(body, "timestamp");
  const json::value* sign = Field(body, "sign");
  const json::value* nonce = Field(body, "nonce");
  const json::value* payload = Field(body, "payload");

  if (!Truthy(appid) || !Truthy(timestamp) || !Truthy(sign)) {
    return MakeAuthFailure(AuthError::kMissingParameters);
  }
  if (payload_required && !Truthy(payload)) return MakeAuthFailure(AuthError::kMissingParameters);
  if (!appid->is_string() || !timestamp->is_string() || !sign->is_string() ||
      (Truthy(payload) && !payload->is_object())) {
    return MakeAuthFailure(AuthError::kParamType);
  }
  if (nonce != nullptr && !nonce->is_string() && !nonce->is_number()) {
    return MakeAuthFailure(AuthError::kNonceType);
  }
  if (nonce != nullptr && NonceTooLong(*nonce)) return MakeAuthFailure(AuthError::kNonceLength);
  const std::string_view ts_text = timestamp->get_string();
  if (protocol::Utf16Length(ts_text) != kTimestampLength) {
    return MakeAuthFailure(AuthError::kTimestampLength);
  }
  const double ts = protocol::JsStringToNumber(ts_text);
  const double now = static_cast<double>(clock_.NowMs());
  if (!(std::fabs(now - ts) < static_cast<double>(replay_.window_ms()))) {
    return MakeAuthFailure(AuthError::kTimestamp);
  }

  AuthResult result;
  result.appid = appid->get_string();
  result.payload = Truthy(payload) ? &payload->get_object() : nullptr;
  result.timestamp_ms = static_cast<int64_t>(std::floor(ts));

  // The server's canonical form first; the SDK's form only when it is a different string.
  const std::string dropped = protocol::SigningString(*body, protocol::EmptyValues::kDrop);
  const std::string_view sign_text = sign->get_string();
  bool verified = false;
  std::string kept;
  for (protocol::EmptyValues mode : {protocol::EmptyValues::kDrop, protocol::EmptyValues::kKeep}) {
    std::string_view signing = dropped;
    if (mode == protocol::EmptyValues::kKeep) {
      kept = protocol::SigningString(*body, protocol::EmptyValues::kKeep);
      if (kept == dropped) break;
      signing = kept;
    }
    StatusOr<bool> match = verifier_.Verify(result.appid, signing, sign_text);
    if (!match.ok()) {
      switch (match.status().code()) {
        case Code::kNotFound:
          return MakeAuthFailure(AuthError::kUnknownAppid);
        case Code::kUnavailable:
          return MakeAuthFailure(AuthError::kStoreUnavailable);
        default:
          return MakeAuthFailure(AuthError::kVerifierFailed);
      }
    }
    if (*match) {
      verified = true;
      result.signed_with = mode;
      break;
    }
  }
  if (!verified) return MakeAuthFailure(AuthError::kSignMismatch);

  // The verified MAC identifies the request: any body that verifies with the same signing
  // string carries the same MAC, whatever its shape or Action.
  Status recorded = replay_.CheckAndRecord(result.appid, sign_text, result.timestamp_ms);
  if (!recorded.ok()) {
    switch (recorded.code()) {
      case Code::kAlreadyExists:
        return MakeAuthFailure(AuthError::kReplay);
      case Code::kUnavailable:
        return MakeAuthFailure(AuthError::kReplayCacheFull);
      case Code::kFailedPrecondition:
        return MakeAuthFailure(AuthError::kTimestampBeforeStart);
      default:
        // The clock moved past the window between the checks.
        return MakeAuthFailure(AuthError::kTimestamp);
    }
  }
  return result;
}

}  // namespace kms::api
