#include "protocol/canonical.h"

#include <algorithm>
#include <array>
#include <string_view>
#include <utility>
#include <vector>

#include "protocol/js_value.h"

namespace kms::protocol {
namespace {

namespace json = boost::json;

using Entry = std::pair<std::string_view, const json::value*>;

// String(array) === "": only [], or a single element that is null, "" or such an array, since
// Array.prototype.toString joins with "," and prints null as "".
bool ArrayStringIsEmpty(const json::array& a) {
  const json::array* cur = &a;
  while (true) {
    if (cur->empty()) return true;
    if (cur->size() != 1) return false;
    const json::value& only = cur->front();
    if (only.is_null()) return true;
    if (only.is_string()) return only.get_string().empty();
    if (!only.is_array()) return false;
    cur = &only.get_array();
  }
}

// upstream: `v != '' && v != undefined && v != null` (loose comparisons).
bool IsSkipped(const json::value& v, EmptyValues mode) {
  switch (v.kind()) {
    case json::kind::null:
      return true;
    case json::kind::string:
      return mode == EmptyValues::kDrop && v.get_string().empty();
    case json::kind::bool_:
      return !v.get_bool();
    case json::kind::int64:
    case json::kind::uint64:
    case json::kind::double_:
      return JsonNumberAsDouble(v) == 0;
    case json::kind::array:
      return ArrayStringIsEmpty(v.get_array());
    case json::kind::object:
      return false;
  }
  return true;
}

void AppendEntries(std::vector<Entry>& entries, EmptyValues mode, std::string& out);
void AppendValue(const json::value& value, EmptyValues mode, std::string& out);

void AppendObject(const json::object& obj, EmptyValues mode, std::string& out) {
  std::vector<Entry> entries;
  entries.reserve(obj.size());
  for (const auto& kv : obj) entries.emplace_back(kv.key(), &kv.value());
  AppendEntries(entries, mode, out);
}

void AppendArray(const json::array& arr, EmptyValues mode, std::string& out) {
  // Object.keys of an array are "0", "1", ... and still get sorted as strings ("10" < "2").
  std::vector<std::string> names;
  names.reserve(arr.size());
  for (size_t i = 0; i < arr.size(); ++i) names.push_back(std::to_string(i));
  std::vector<Entry> entries;
  entries.reserve(arr.size());
  for (size_t i = 0; i < arr.size(); ++i) entries.emplace_back(names[i], &arr[i]);
  AppendEntries(entries, mode, out);
}

void AppendEntries(std::vector<Entry>& entries, EmptyValues mode, std::string& out) {
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return Utf16Less(a.first, b.first); });
  bool first = true;
  for (const auto& [key, value] : entries) {
    if (IsSkipped(*value, mode)) continue;
    if (!first) out.push_back('&');
    first = false;
    out.append(key);
    out.push_back('=');
    AppendValue(*value, mode, out);
  }
}

void AppendValue(const json::value& value, EmptyValues mode, std::string& out) {
  switch (value.kind()) {
    case json::kind::object:
      AppendObject(value.get_object(), mode, out);
      break;
    case json::kind::array:
      AppendArray(value.get_array(), mode, out);
      break;
    case json::kind::string:
      out.append(value.get_string());
      break;
    case json::kind::bool_:
      out.append(value.get_bool() ? "true" : "false");
      break;
    case json::kind::null:
      break;
    default:
      out.append(JsNumberToString(JsonNumberAsDouble(value)));
      break;
  }
}

}  // namespace

std::string Canonicalize(const boost::json::object& obj, EmptyValues mode) {
  std::string out;
  AppendObject(obj, mode, out);
  return out;
}

std::string CanonicalText(const boost::json::value& v, EmptyValues mode) {
  std::string out;
  if (!IsSkipped(v, mode)) AppendValue(v, mode, out);
  return out;
}

std::string SigningString(const boost::json::object& body, EmptyValues mode) {
  static constexpr std::array<std::string_view, 4> kSigned = {"appid", "nonce", "payload",
                                                              "timestamp"};
  std::vector<Entry> entries;
  for (std::string_view name : kSigned) {
    if (const json::value* v = body.if_contains(name)) entries.emplace_back(name, v);
  }
  std::string out;
  AppendEntries(entries, mode, out);
  return out;
}

}  // namespace kms::protocol
