#include "api/action_util.h"

#include "crypto/base64.h"

namespace kms::api {

Bytes DecodeField(const boost::json::object& payload, std::string_view name) {
  auto r = crypto::Base64Decode(GetString(payload, name));
  return r.ok() ? std::move(r).value() : Bytes{};
}

SecretBytes DecodeSecretField(const boost::json::object& payload, std::string_view name) {
  auto r = crypto::Base64DecodeSecret(GetString(payload, name));
  return r.ok() ? std::move(r).value() : SecretBytes{};
}

boost::json::string EncodeSecret(const SecretBytes& secret) {
  std::string b64 = crypto::Base64Encode(secret.view());
  boost::json::string out(b64);
  explicit_bzero(b64.data(), b64.size());
  return out;
}

}  // namespace kms::api
