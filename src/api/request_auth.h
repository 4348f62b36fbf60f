#pragma once
// Envelope checks and authentication of signed POST requests.
//
// Order and messages follow the upstream service (each failure is an envelope with code 400):
//   1. appid, timestamp and sign truthy; payload truthy if the action needs one
//        -> "Missing required parameters"
//   2. appid, timestamp, sign strings; a truthy payload an object      -> "param type error"
//   3. nonce neither absent, a string nor a number                   -> "nonce must be a ..."
//      nonce longer than 64 (its JavaScript `length`, type not checked) -> "Nonce length error"
//   4. timestamp not 13 UTF-16 units long                              -> "Timestamp length error"
//   5. |now - Number(timestamp)| >= window (default 10 min), or not a number
//        -> "Timestamp error"
//   6. signature: canon with "" dropped (the server's rule) and, only if that string differs,
//      canon with "" kept (the Python SDK's rule); either may match
//        -> "Unknown appid" / "sign error" / "database error" / "Unexpected Error"
//   7. replay of the signed text (per appid) -> "Timestamp can't be repeated in 20 minutes"
//      or, when the cache or the tenant's share is full -> "Too many requests in the replay ..."
//      or, after a restart without a saved window, a timestamp older than the server's start
//        -> "Timestamp error: older than the server's start, ..."
// Deliberate differences from the upstream: the replay entry is recorded only after the
// signature verified (a forged request cannot burn a victim's entry) and it is the signing
// string that verified, so a MAC is accepted once whatever body shape, nonce type or Action it
// comes with; a nonce that is not a string or a number is refused (other types let one signing
// string take many shapes); an unknown appid gets a message; a truthy payload that is an array
// is a type error (it can never be a valid payload). Payload validation is the caller's next
// step.
//
// Never logs the body, the apikey or the signature.

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

#include "api/replay_cache.h"
#include "common/clock.h"
#include "common/status.h"
#include "protocol/canonical.h"

namespace kms::api {

// Checks a request MAC for a tenant. Implementations look the apikey up (usually inside the
// trusted key vault) and compare in constant time. Must be thread-safe if the authenticator is
// shared between threads.
class RequestMacVerifier {
 public:
  virtual ~RequestMacVerifier() = default;
  // True iff `sign` is the tenant's MAC of `signing_string`. kNotFound for an unknown appid;
  // kUnavailable when the tenant store cannot be reached; any other error is unexpected.
  virtual StatusOr<bool> Verify(const std::string& appid, std::string_view signing_string,
                                std::string_view sign) = 0;
};

enum class AuthError {
  kMissingParameters,
  kParamType,
  kNonceLength,
  kTimestampLength,
  kTimestamp,
  kUnknownAppid,
  kSignMismatch,
  kStoreUnavailable,
  kVerifierFailed,
  kReplay,
  kReplayCacheFull,
  kNonceType,
  kTimestampBeforeStart,
};

// A failed authentication, ready for the reply envelope {code, message, result: {}}.
struct AuthFailure {
  AuthError error;
  int code;                  // the envelope `code` (400 for every AuthError)
  std::string_view message;  // the exact envelope `message` (static storage)
};

AuthFailure MakeAuthFailure(AuthError error);

struct AuthResult {
  std::string appid;
  // The request payload, borrowed from the body passed to Authenticate. nullptr when absent or
  // loosely empty (null, "", 0, false); callers should then validate an empty object, so that
  // required fields are reported missing (the upstream skipped validation instead).
  const boost::json::object* payload = nullptr;
  int64_t timestamp_ms = 0;
  // Which canonical form verified.
  protocol::EmptyValues signed_with = protocol::EmptyValues::kDrop;
};

class [[nodiscard]] AuthOutcome {
 public:
  AuthOutcome(AuthResult result) : v_(std::move(result)) {}  // NOLINT(runtime/explicit)
  AuthOutcome(AuthFailure failure) : v_(failure) {}          // NOLINT(runtime/explicit)

  bool ok() const { return std::holds_alternative<AuthResult>(v_); }
  // REQUIRES: ok().
  const AuthResult& result() const { return std::get<AuthResult>(v_); }
  // REQUIRES: !ok().
  const AuthFailure& failure() const { return std::get<AuthFailure>(v_); }

 private:
  std::variant<AuthResult, AuthFailure> v_;
};

class RequestAuthenticator {
 public:
  // The timestamp window is the replay cache's (ReplayCache::kDefaultWindowMs by default).
  static constexpr size_t kMaxNonceLength = 64;
  static constexpr size_t kTimestampLength = 13;

  // Borrows all three; they must outlive the authenticator. Thread-safe if `verifier` is.
  RequestAuthenticator(const Clock& clock, RequestMacVerifier& verifier, ReplayCache& replay)
      : clock_(clock), verifier_(verifier), replay_(replay) {}

  // Authenticates a parsed request `body` (any JSON value; non-objects lack every field).
  // `payload_required` is true for the cryptographic actions.
  AuthOutcome Authenticate(const boost::json::value& body, bool payload_required) const;

 private:
  const Clock& clock_;
  RequestMacVerifier& verifier_;
  ReplayCache& replay_;
};

}  // namespace kms::api
