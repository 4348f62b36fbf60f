#pragma once
// Declarative validation of action payloads, with the upstream validator's exact order and
// messages (clients see them verbatim in `message`).
//
// For each field, in declaration order (the first failure wins):
//   * required and value null / missing / "" -> "Missing required parameters, The <k> cannot be
//     empty."; an optional field with such a value skips every other check;
//   * kString / kUuid: must be a JSON string; UTF-16 length <= max, then >= min ("length
//     error"); then the format check ("format wrong"). kUuid is a string of exactly 36 with the
//     upstream id pattern ^[a-z\d]{8}-[a-z\d]{4}-[a-z\d]{4}-[a-z\d]{4}-[a-z\d]{12}$;
//   * kBase64: a string, length as above, then strict standard base64 ("not a vailed base64
//     string." — sic, the upstream spelling);
//   * kInt: a JSON number with an integral value, as JavaScript's Number.isInteger plus the
//     upstream's /^-?[0-9]*$/ test on String(value): 16 and 16.0 pass, 1e21, 1.5 and "16"
//     fail. Then <= max, then >= min. Values outside the int64 range are rejected against
//     max (default INT64_MAX) so that GetInt can always represent an accepted value;
//   * kConst: a string equal to one of `allowed` ("type is incorrect.").
// Undeclared fields are allowed. All functions are thread-safe.

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "common/status.h"

namespace kms::api {

enum class FieldType { kString, kBase64, kInt, kConst, kUuid };
enum class Presence { kRequired, kOptional };

// A regular expression of the upstream validator, as a predicate over the whole string.
// Captureless lambdas convert to it; it runs only after the length checks passed.
using FormatCheck = bool (*)(std::string_view);

struct FieldSpec {
  std::string_view name;
  FieldType type = FieldType::kString;
  Presence presence = Presence::kOptional;
  // kString/kBase64: length bounds in UTF-16 code units; kInt: value bounds. Unset = none.
  std::optional<int64_t> min;
  std::optional<int64_t> max;
  FormatCheck format = nullptr;               // kString only
  std::span<const std::string_view> allowed;  // kConst only
};

constexpr FieldSpec StringField(std::string_view name, Presence presence, int64_t min_len,
                                int64_t max_len, FormatCheck format = nullptr) {
  return {name, FieldType::kString, presence, min_len, max_len, format, {}};
}
constexpr FieldSpec Base64Field(std::string_view name, Presence presence,
                                std::optional<int64_t> min_len, int64_t max_len) {
  return {name, FieldType::kBase64, presence, min_len, max_len, nullptr, {}};
}
constexpr FieldSpec IntField(std::string_view name, Presence presence,
                             std::optional<int64_t> min_value, std::optional<int64_t> max_value) {
  return {name, FieldType::kInt, presence, min_value, max_value, nullptr, {}};
}
constexpr FieldSpec ConstField(std::string_view name, Presence presence,
                               std::span<const std::string_view> allowed) {
  return {name, FieldType::kConst, presence, std::nullopt, std::nullopt, nullptr, allowed};
}
constexpr FieldSpec UuidField(std::string_view name, Presence presence) {
  return {name, FieldType::kUuid, presence, std::nullopt, std::nullopt, nullptr, {}};
}

// OK, or kInvalidArgument whose message is the exact reply message.
Status Validate(const boost::json::object& payload, std::span<const FieldSpec> specs);

// The upstream id pattern (see kUuid), length included.
bool MatchesUuid(std::string_view s);

// The string value of `name`, or "" when absent or not a string. The view borrows `payload`.
std::string_view GetString(const boost::json::object& payload, std::string_view name);

// The integral value of `name` (as kInt accepts it), or nullopt when absent, null, "" or not
// an integral number within int64.
std::optional<int64_t> GetInt(const boost::json::object& payload, std::string_view name);

}  // namespace kms::api
