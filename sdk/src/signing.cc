#include "kms/signing.h"

#include <openssl/rand.h>

#include <boost/json.hpp>

#include "common/bytes.h"
#include "protocol/canonical.h"
#include "protocol/js_value.h"
#include "protocol/request_sign.h"
#include "wipe.h"

namespace kms::client {
namespace json = boost::json;

// The server's canonicaliser (kms_protocol), so the SDK cannot sign a byte differently.
std::string Canonicalize(const json::value& value) {
  if (value.is_object()) {
    return protocol::Canonicalize(value.get_object(), protocol::EmptyValues::kDrop);
  }
  if (value.is_array() || protocol::IsTruthy(value)) {
    return protocol::CanonicalText(value, protocol::EmptyValues::kDrop);
  }
  // Loosely empty scalars, which canon() skips inside an object, still have a String().
  switch (value.kind()) {
    case json::kind::null: return "null";
    case json::kind::bool_: return "false";
    case json::kind::string: return "";
    default: return "0";  // 0 and -0
  }
}

std::string SignCanonical(std::string_view apikey, std::string_view canonical) {
  StatusOr<std::string> sign = protocol::ComputeRequestSign(apikey, canonical);
  // Fails only on allocation failure; the server then answers `sign error`.
  return sign.ok() ? std::move(*sign) : std::string();
}

void SignBody(json::object& body, std::string_view appid, std::string_view apikey,
              int64_t timestamp_ms, std::string_view nonce) {
  body.erase("sign");
  body["appid"] = appid;
  body["timestamp"] = std::to_string(timestamp_ms);
  if (!nonce.empty()) body["nonce"] = nonce;
  // Exactly the fields the server signs; anything else in the body is ignored by it.
  std::string canonical = protocol::SigningString(body, protocol::EmptyValues::kDrop);
  body["sign"] = SignCanonical(apikey, canonical);
  // The canonical string holds plaintext payload fields.
  internal::WipeString(canonical);
}

std::string NewNonce() {
  uint8_t raw[16];
  if (RAND_bytes(raw, sizeof(raw)) != 1) return "";
  return HexEncode(ByteView(raw, sizeof(raw)));
}

}  // namespace kms::client
