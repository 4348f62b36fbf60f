#pragma once
// Helpers shared by the action handlers.

#include <boost/json/object.hpp>

#include <string>
#include <string_view>

#include "api/payload_validator.h"
#include "api/reply.h"
#include "common/bytes.h"
#include "common/secret_bytes.h"
#include "common/status.h"

namespace kms::api {

// The one message for every decryption failure (symmetric, asymmetric, data-key export), so a
// caller cannot tell which check failed.
inline constexpr std::string_view kDecryptFailedMessage =
    "Decryption failed, Please confirm that your parameters are correct.";

// Decodes a field that Validate already checked as base64 (absent or "" gives empty bytes).
Bytes DecodeField(const boost::json::object& payload, std::string_view name);
SecretBytes DecodeSecretField(const boost::json::object& payload, std::string_view name);

// base64 of secret bytes straight into a JSON string value.
boost::json::string EncodeSecret(const SecretBytes& secret);

}  // namespace kms::api

// Validates `payload` against `specs`; on failure returns the validator's reply from the
// enclosing handler.
#define KMS_VALIDATE_OR_REPLY(payload, specs)                                  \
  do {                                                                         \
    ::kms::Status kms_v_ = ::kms::api::Validate((payload), (specs));           \
    if (!kms_v_.ok()) return ::kms::api::Reply::BadRequest(kms_v_.message()); \
  } while (0)

// Evaluates `expr` (a StatusOr); on error returns FromStatus(error) from the handler.
#define KMS_ASSIGN_OR_REPLY(lhs, expr)                                            \
  auto KMS_CONCAT_(kms_r_, __LINE__) = (expr);                                   \
  if (!KMS_CONCAT_(kms_r_, __LINE__).ok())                                        \
    return ::kms::api::FromStatus(KMS_CONCAT_(kms_r_, __LINE__).status());       \
  lhs = std::move(KMS_CONCAT_(kms_r_, __LINE__)).value()
