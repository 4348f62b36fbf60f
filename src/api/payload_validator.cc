#include "api/payload_validator.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "crypto/base64.h"
#include "protocol/js_value.h"

namespace kms::api {
namespace {

namespace json = boost::json;

constexpr int64_t kInt64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kInt64Min = std::numeric_limits<int64_t>::min();

Status Invalid(std::string_view name, std::string_view what) {
  std::string m = "Parameter invalid, The ";
  m.append(name);
  m.push_back(' ');
  m.append(what);
  return Status::InvalidArgument(std::move(m));
}

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

Status CheckLength(const FieldSpec& spec, std::string_view s) {
  const auto units = static_cast<int64_t>(protocol::Utf16Length(s));
  if (spec.max && units > *spec.max) return Invalid(spec.name, "length error.");
  if (spec.min && units < *spec.min) return Invalid(spec.name, "length error.");
  return Status::Ok();
}

// Number.isInteger(v) && /^-?[0-9]*$/.test(String(v)), narrowed to int64 (see the header).
// Returns nullopt for "not an integer"; sets `overflow` for integers beyond int64.
std::optional<int64_t> JsInteger(const json::value& v, bool* overflow) {
  *overflow = false;
  if (v.is_int64()) return v.get_int64();
  if (v.is_uint64()) {
    if (v.get_uint64() > static_cast<uint64_t>(kInt64Max)) {
      *overflow = true;
      return std::nullopt;
    }
    return static_cast<int64_t>(v.get_uint64());
  }
  if (!v.is_double()) return std::nullopt;
  const double d = v.get_double();
  if (!std::isfinite(d) || std::trunc(d) != d || std::fabs(d) >= 1e21) return std::nullopt;
  // 2^63 is exactly representable; everything below it converts without overflow.
  if (d >= 9223372036854775808.0 || d < -9223372036854775808.0) {
    *overflow = true;
    return std::nullopt;
  }
  return static_cast<int64_t>(d);
}

Status CheckField(const FieldSpec& spec, const json::value& v) {
  switch (spec.type) {
    case FieldType::kString:
    case FieldType::kUuid:
    case FieldType::kBase64: {
      if (!v.is_string()) return Invalid(spec.name, "must be of string type.");
      std::string_view s = v.get_string();
      if (spec.type == FieldType::kUuid) {
        if (protocol::Utf16Length(s) != 36) return Invalid(spec.name, "length error.");
        if (!MatchesUuid(s)) return Invalid(spec.name, "format wrong.");
        return Status::Ok();
      }
      KMS_RETURN_IF_ERROR(CheckLength(spec, s));
      if (spec.type == FieldType::kBase64) {
        if (!crypto::IsStrictBase64(s)) return Invalid(spec.name, "not a vailed base64 string.");
      } else if (spec.format != nullptr && !spec.format(s)) {
        return Invalid(spec.name, "format wrong.");
      }
      return Status::Ok();
    }
    case FieldType::kInt: {
      bool overflow = false;
      std::optional<int64_t> n = JsInteger(v, &overflow);
      const int64_t max = spec.max.value_or(kInt64Max);
      const int64_t min = spec.min.value_or(kInt64Min);
      if (overflow) {
        const bool negative = v.is_double() && v.get_double() < 0;
        if (!negative) {
          return Invalid(spec.name,
                         "value must be less than or equal to " + std::to_string(max) + ".");
        }
        return Invalid(spec.name,
                       "value must be greater than or equal to " + std::to_string(min) + ".");
      }
      if (!n) return Invalid(spec.name, "must be of integer type.");
      if (*n > max) {
        return Invalid(spec.name,
                       "value must be less than or equal to " + std::to_string(max) + ".");
      }
      if (*n < min) {
        return Invalid(spec.name,
                       "value must be greater than or equal to " + std::to_string(min) + ".");
      }
      return Status::Ok();
    }
    case FieldType::kConst: {
      if (!v.is_string() || std::find(spec.allowed.begin(), spec.allowed.end(),
                                      std::string_view(v.get_string())) == spec.allowed.end()) {
        return Invalid(spec.name, "type is incorrect.");
      }
      return Status::Ok();
    }
  }
  return Status::Internal("unknown field type");
}

bool IsEmptyValue(const json::value* v) {
  return v == nullptr || v->is_null() || (v->is_string() && v->get_string().empty());
}

}  // namespace

Status Validate(const boost::json::object& payload, std::span<const FieldSpec> specs) {
  for (const FieldSpec& spec : specs) {
    const json::value* v = payload.if_contains(spec.name);
    if (IsEmptyValue(v)) {
      if (spec.presence == Presence::kRequired) {
        std::string m = "Missing required parameters, The ";
        m.append(spec.name);
        m.append(" cannot be empty.");
        return Status::InvalidArgument(std::move(m));
      }
      continue;
    }
    KMS_RETURN_IF_ERROR(CheckField(spec, *v));
  }
  return Status::Ok();
}

bool MatchesUuid(std::string_view s) {
  if (s.size() != 36) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !IsLowerAlnum(s[i])) return false;
  }
  return true;
}

std::string_view GetString(const boost::json::object& payload, std::string_view name) {
  const json::value* v = payload.if_contains(name);
  if (v == nullptr || !v->is_string()) return {};
  return v->get_string();
}

std::optional<int64_t> GetInt(const boost::json::object& payload, std::string_view name) {
  const json::value* v = payload.if_contains(name);
  if (v == nullptr) return std::nullopt;
  bool overflow = false;
  return JsInteger(*v, &overflow);
}

}  // namespace kms::api
