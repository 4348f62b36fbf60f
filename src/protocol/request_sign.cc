#include "protocol/request_sign.h"

#include "common/bytes.h"
#include "crypto/base64.h"
#include "crypto/hmac.h"

namespace kms::protocol {
namespace {

std::string SignText(const crypto::Sha256Digest& mac) {
  return crypto::Base64Encode(ByteView(mac.data(), mac.size()));
}

}  // namespace

StatusOr<std::string> ComputeRequestSign(std::string_view apikey, std::string_view signing_string) {
  KMS_ASSIGN_OR_RETURN(crypto::Sha256Digest mac,
                       crypto::HmacSha256(AsBytes(apikey), AsBytes(signing_string)));
  return SignText(mac);
}

bool RequestSignMatches(std::string_view apikey, std::string_view signing_string,
                        std::string_view sign) {
  StatusOr<std::string> expected = ComputeRequestSign(apikey, signing_string);
  if (!expected.ok()) return false;
  return crypto::ConstantTimeEquals(AsBytes(*expected), AsBytes(sign));
}

StatusOr<std::unique_ptr<RequestSignKey>> RequestSignKey::New(std::string_view apikey) {
  KMS_ASSIGN_OR_RETURN(std::unique_ptr<crypto::HmacSha256Key> key,
                       crypto::HmacSha256Key::New(AsBytes(apikey)));
  return std::unique_ptr<RequestSignKey>(new RequestSignKey(std::move(key)));
}

StatusOr<std::string> RequestSignKey::Sign(std::string_view signing_string) const {
  KMS_ASSIGN_OR_RETURN(crypto::Sha256Digest mac, key_->Compute(AsBytes(signing_string)));
  return SignText(mac);
}

}  // namespace kms::protocol
