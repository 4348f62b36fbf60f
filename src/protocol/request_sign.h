#pragma once
// The request MAC of the eHSM protocol: sign = Base64(HMAC-SHA256(UTF-8 apikey, UTF-8 string)),
// standard alphabet with padding (44 characters). For clients, tests and MAC verifiers that hold
// the apikey in memory. Thread-safe free functions; the apikey is never logged.

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "crypto/hmac.h"

namespace kms::protocol {

// Returns the base64 signature of `signing_string` (see canonical.h) under `apikey`.
// Fails only if the HMAC primitive fails (kInternal).
StatusOr<std::string> ComputeRequestSign(std::string_view apikey, std::string_view signing_string);

// True iff `sign` is exactly ComputeRequestSign(apikey, signing_string): case-sensitive and
// compared in time independent of where the strings differ.
bool RequestSignMatches(std::string_view apikey, std::string_view signing_string,
                        std::string_view sign);

// ComputeRequestSign for one apikey and many requests (clients, load generators): the HMAC key
// schedule is computed once. Sign() is const and may be called from many threads at once. The
// key is wiped when the object is destroyed.
class RequestSignKey {
 public:
  // Fails only if the HMAC primitive is unavailable (kInternal).
  static StatusOr<std::unique_ptr<RequestSignKey>> New(std::string_view apikey);

  // Equals ComputeRequestSign(apikey, signing_string).
  StatusOr<std::string> Sign(std::string_view signing_string) const;

 private:
  explicit RequestSignKey(std::unique_ptr<crypto::HmacSha256Key> key) : key_(std::move(key)) {}
  std::unique_ptr<crypto::HmacSha256Key> key_;
};

}  // namespace kms::protocol
