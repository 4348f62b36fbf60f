#pragma once
// The audit record of one eHSM request (audit/audit_log.h): who (appid) did which action to
// what (keyid, secret name), with which result and request id. Identifiers only: payload
// values other than these names and the reply's result are never recorded.

#include <boost/json/object.hpp>

#include <string>
#include <string_view>

#include "api/kms_context.h"
#include "api/kms_service.h"
#include "api/reply.h"

namespace kms::api {

struct AuditSubject {
  std::string keyid;           // the payload's keyid, or the one CreateKey/Enroll answered
  std::string secret;          // the payload's secretName
  std::string enrolled_appid;  // Enroll: the appid it created
};

// What `payload` names, completed from `reply` for the actions that create the subject.
AuditSubject AuditSubjectOf(const boost::json::object& payload, const Reply& reply);

// Records the request in `options.audit` (when set; GetVersion is not recorded) and returns
// `answer`, or, when the record cannot be written and `options.audit_required`, the 500
// kAuditUnavailableMessage envelope in its place.
HttpAnswer RecordForAudit(const ServiceOptions& options, std::string_view action,
                          std::string_view appid, const AuditSubject& subject,
                          std::string_view request_id, HttpAnswer answer);

}  // namespace kms::api
