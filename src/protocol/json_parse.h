#pragma once
// Request-body JSON parsing with the number semantics of JavaScript's JSON.parse.
//
// Boost.JSON 1.81's own parser rounds some decimal literals (e.g. 4.963728e-18) to a
// neighbouring double. A signature covers String(number) of every payload value, so a value
// that is off by one ulp prints differently and breaks the MAC; this parser re-reads every
// non-integer literal from its text with correct rounding. Duplicate keys keep the last value,
// as JSON.parse does. Thread-safe (no shared state).

#include <boost/json/storage_ptr.hpp>
#include <boost/json/value.hpp>
#include <cstddef>
#include <string_view>

#include "common/status.h"

namespace kms::protocol {

struct JsonParseLimits {
  size_t max_depth = 32;  // nesting of objects/arrays; deeper input is rejected
};

// Parses exactly one JSON text (surrounding whitespace allowed). Returns kInvalidArgument for
// malformed input, invalid UTF-8, lone surrogate escapes, trailing data or excess depth. The
// value's memory comes from `sp` (e.g. a per-request monotonic_resource).
StatusOr<boost::json::value> ParseJson(std::string_view text, boost::json::storage_ptr sp = {},
                                       const JsonParseLimits& limits = {});

}  // namespace kms::protocol
