#pragma once
// The eHSM request canonicaliser: the exact string a client signs with HMAC-SHA256.
//
// It reproduces the upstream JavaScript function bit for bit: keys sorted in UTF-16 code-unit
// order; "loosely empty" values (null, "", number 0 / -0, false, arrays whose String() is "")
// skipped; numbers printed as JavaScript prints them; nested objects and arrays flattened
// inline ("payload=k1=v1&k2=v2"); no escaping of any kind. The format is ambiguous by design
// of the upstream protocol (a value "1&b=2" reads like two fields); callers must not treat the
// string as parseable.
//
// All functions are pure and thread-safe. Recursion depth equals the nesting depth of the
// input, which Boost.JSON's parser bounds (32 by default).

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>

namespace kms::protocol {

enum class EmptyValues {
  kDrop,  // the server's rule: "" is loosely empty and skipped
  kKeep,  // the Python SDK's rule: "" is kept as "k=" (everything else as kDrop)
};

// canon(obj) of the upstream service (kDrop) or its Python-SDK variant (kKeep).
std::string Canonicalize(const boost::json::object& obj, EmptyValues mode = EmptyValues::kDrop);

// The text canon() writes after "k=" for a value `v`: canon(v) for objects and arrays, String(v)
// otherwise, and "" for a value canon() would skip.
std::string CanonicalText(const boost::json::value& v, EmptyValues mode);

// canon({appid, nonce, timestamp, payload}) with the values taken verbatim from the request
// `body`; fields absent from the body are absent from the signed object. Other body fields
// (sign, extra fields) are not signed.
std::string SigningString(const boost::json::object& body, EmptyValues mode);

}  // namespace kms::protocol
