#pragma once
// Request signing of the eHSM-KMS API: the canonical string of a JSON object and its
// HMAC-SHA256 signature. The canonicaliser reproduces the server's JavaScript semantics exactly
// (sorted keys in UTF-16 order, `k=v` joined by `&`, nested objects and arrays flattened inline,
// values loosely equal to "" dropped), because a single differing byte yields `sign error`; it
// is the server's own implementation (src/protocol/).
// Pure functions; thread-safe.

#include <cstdint>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

namespace kms::client {

// canon(obj) of the API contract; arrays canonicalise as objects keyed by index, other values
// as their JavaScript String().
std::string Canonicalize(const boost::json::value& value);

// Base64(HMAC-SHA256(key = apikey, msg = canonical)), standard alphabet with padding.
std::string SignCanonical(std::string_view apikey, std::string_view canonical);

// Fills `appid`, `timestamp` (13-digit ms), `nonce` (if non-empty) and `sign` of `body`, whose
// `payload` (if any) must already be set. Any previous `sign` is replaced and not signed.
void SignBody(boost::json::object& body, std::string_view appid, std::string_view apikey,
              int64_t timestamp_ms, std::string_view nonce);

// A fresh random nonce: 32 lowercase hex characters.
std::string NewNonce();

}  // namespace kms::client
