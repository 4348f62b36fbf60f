#include "protocol/request_sign.h"

#include "common/bytes.h"
#include "crypto/base64.h"
#include "crypto/hmac.h"

namespace kms::protocol {

StatusOr<std::string> ComputeRequestSign(std::string_view apikey, std::string_view signing_string) {
  KMS_ASSIGN_OR_RETURN(crypto::Sha256Digest mac,
                       crypto::HmacSha256(AsBytes(apikey), AsBytes(signing_string)));
  return crypto::Base64Encode(ByteView(mac.data(), mac.size()));
}

bool RequestSignMatches(std::string_view apikey, std::string_view signing_string,
                        std::string_view sign) {
  StatusOr<std::string> expected = ComputeRequestSign(apikey, signing_string);
  if (!expected.ok()) return false;
  return crypto::ConstantTimeEquals(AsBytes(*expected), AsBytes(sign));
}

}  // namespace kms::protocol
