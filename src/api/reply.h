#pragma once
// Reply: what an action answers. Serialised as the eHSM envelope
// {"code":<int>,"message":"<text>","result":<object>}, always with HTTP 200 (clients read
// `code`, never the HTTP status). The service layer always answers an object (`{}` when empty,
// spec §1.3/§1.4), errors included.

#include <boost/json/value.hpp>

#include <string>

#include "common/status.h"

namespace kms::api {

struct Reply {
  int code = 200;
  std::string message;
  boost::json::value result = boost::json::object();

  static Reply Ok(std::string message, boost::json::object result = {}) {
    return {200, std::move(message), std::move(result)};
  }
  static Reply BadRequest(std::string message) {
    return {400, std::move(message), boost::json::object()};
  }
  static Reply NotFound() { return {404, "API Not Found", boost::json::object()}; }
  static Reply ServerError(std::string message) {
    return {500, std::move(message), boost::json::object()};
  }
};

// Upstream's catch-all text for unexpected failures.
inline constexpr std::string_view kInternalErrorMessage =
    "Server internal error, please contact the administrator.";

// When the store cannot be reached. The cause (URL, transport error) goes to the log only: it
// describes the deployment, and Enroll answers it to anyone.
inline constexpr std::string_view kUnavailableMessage = "Service unavailable, please retry later.";

// When the audit record of a request cannot be written and the audit log is required
// (--audit-required): the result is withheld rather than served unrecorded.
inline constexpr std::string_view kAuditUnavailableMessage = "audit log unavailable";

// When the server cannot take more work of a kind right now.
inline constexpr std::string_view kBusyMessage = "Server busy, please retry later.";

// Maps a Status from a lower layer to a reply: kInvalidArgument/kFailedPrecondition/
// kPermissionDenied/kNotFound become 400 with the status message (these messages are written
// for clients), kUnavailable 500 kUnavailableMessage (store down), everything else the generic
// 500; the status itself of a 500 goes to the log only.
Reply FromStatus(const Status& status);

// For a failed store call: FromStatus's kUnavailableMessage when the
// store cannot be reached (so clients can tell an outage from a refusal), else `otherwise` (the
// upstream's answer for that action).
Reply UnavailableOr(const Status& status, Reply otherwise);

std::string Serialize(const Reply& reply);

}  // namespace kms::api
