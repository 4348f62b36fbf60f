#pragma once
// Decoding of the KMS reply envelope `{code, message, result}` and of typed result fields.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>

#include "common/bytes.h"
#include "common/secret_bytes.h"
#include "kms/result.h"
#include "kms/transport.h"

namespace kms::client::internal {

struct Envelope {
  std::string message;
  boost::json::object result;  // empty when the reply had `result: null` or none
};

// Maps an HTTP answer to an Envelope or to an Error: HTTP status != 200 -> kHttp; not a JSON
// object with an integer `code` -> kProtocol; `code` != 200 -> kServer(code, message).
// `sp` is the storage the parsed result lives in (a wiping allocator for secret-bearing replies).
Result<Envelope> ParseEnvelope(const HttpResponse& response, boost::json::storage_ptr sp);

// Field readers; a missing or mistyped field is a kProtocol error naming the field.
Result<std::string> GetString(const boost::json::object& o, std::string_view key);
Result<int64_t> GetInt(const boost::json::object& o, std::string_view key);
Result<bool> GetBool(const boost::json::object& o, std::string_view key);
Result<Bytes> GetBase64(const boost::json::object& o, std::string_view key);
Result<SecretBytes> GetBase64Secret(const boost::json::object& o, std::string_view key);
// Optional forms: absent (or null) gives the default.
std::string GetStringOr(const boost::json::object& o, std::string_view key,
                        std::string fallback = "");
std::optional<int64_t> GetIntOpt(const boost::json::object& o, std::string_view key);

}  // namespace kms::client::internal
