#include "api/reply.h"

#include <boost/json/serialize.hpp>

#include "common/log.h"

namespace kms::api {

Reply FromStatus(const Status& status) {
  switch (status.code()) {
    case Code::kOk:
      return Reply::Ok("success!");
    case Code::kInvalidArgument:
    case Code::kFailedPrecondition:
    case Code::kPermissionDenied:
    case Code::kNotFound:
    case Code::kAlreadyExists:
      return Reply::BadRequest(status.message());
    case Code::kUnavailable:
      log::Warn("request.store_unavailable", {{"status", status.ToString()}});
      return Reply::ServerError(std::string(kUnavailableMessage));
    default:
      log::Error("request.internal_error", {{"status", status.ToString()}});
      return Reply::ServerError(std::string(kInternalErrorMessage));
  }
}

Reply UnavailableOr(const Status& status, Reply otherwise) {
  return status.code() == Code::kUnavailable ? FromStatus(status) : std::move(otherwise);
}

std::string Serialize(const Reply& reply) {
  boost::json::object o;
  o["code"] = reply.code;
  o["message"] = reply.message;
  o["result"] = reply.result;
  return boost::json::serialize(o);
}

}  // namespace kms::api
