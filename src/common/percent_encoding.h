#pragma once
// Percent-encoding (RFC 3986) of URL components and header values: query values, CouchDB path
// segments, and the PEM issuer chains PCS/PCCS put into HTTP headers.

#include <optional>
#include <string>
#include <string_view>

namespace kms {

// Encodes everything except the RFC 3986 unreserved characters (A-Z a-z 0-9 - . _ ~) as %XX
// with uppercase hex digits.
std::string PercentEncode(std::string_view s);

// Decodes %XX sequences (either letter case); every other character, '+' included, stays as it
// is (PCS header values are percent-encoded, not form-encoded). nullopt when a '%' is not
// followed by two hex digits.
std::optional<std::string> PercentDecode(std::string_view s);

// Decodes %XX sequences (either letter case) and, when `plus_is_space`, '+' as a space (form
// encoding of query strings); a '%' not followed by two hex digits stays as it is. Never fails:
// for inputs written by clients that upstream eHSM accepts as they are.
std::string PercentDecodeLenient(std::string_view s, bool plus_is_space);

}  // namespace kms
