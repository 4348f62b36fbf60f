#pragma once
// The request MAC of the eHSM protocol: sign = Base64(HMAC-SHA256(UTF-8 apikey, UTF-8 string)),
// standard alphabet with padding (44 characters). For clients, tests and MAC verifiers that hold
// the apikey in memory. Thread-safe free functions; the apikey is never logged.

#include <string>
#include <string_view>

#include "common/status.h"

namespace kms::protocol {

// Returns the base64 signature of `signing_string` (see canonical.h) under `apikey`.
// Fails only if the HMAC primitive fails (kInternal).
StatusOr<std::string> ComputeRequestSign(std::string_view apikey, std::string_view signing_string);

// True iff `sign` is exactly ComputeRequestSign(apikey, signing_string): case-sensitive and
// compared in time independent of where the strings differ.
bool RequestSignMatches(std::string_view apikey, std::string_view signing_string,
                        std::string_view sign);

}  // namespace kms::protocol
