#pragma once
// Fixture for the asymmetric and BYOK integration suites: an enrolled tenant on a fresh
// server, and helpers to call actions with binary fields.

#include <string>

#include "crypto/base64.h"
#include "kms_test_fixture.h"

namespace kms::testing {

inline std::string B64(std::string_view s) { return crypto::Base64Encode(AsBytes(s)); }
inline std::string B64(ByteView b) { return crypto::Base64Encode(b); }
inline Bytes Unb64(const std::string& s) {
  auto r = crypto::Base64Decode(s);
  return r.ok() ? *r : Bytes{};
}

class AsymFixture : public KmsFixture {
 protected:
  void SetUp() override {
    KmsFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    client_->Enroll();
  }

  boost::json::value Call(const std::string& action, const boost::json::object& payload) {
    return client_->Call(action, payload);
  }
  std::string PublicKey(const std::string& keyid) {
    auto r = Call("GetPublicKey", {{"keyid", keyid}});
    EXPECT_EQ(CodeOf(r), 200) << MessageOf(r);
    EXPECT_EQ(ResultString(r, "keyid"), keyid);
    return ResultString(r, "pubkey");
  }
  boost::json::value SignCall(const std::string& action, const std::string& keyid,
                              const std::string& message_b64, const std::string& type,
                              const std::string& digest, const std::string& padding,
                              const std::string& signature = "") {
    boost::json::object p{{"keyid", keyid},
                          {"message", message_b64},
                          {"message_type", type},
                          {"digest_mode", digest},
                          {"padding_mode", padding}};
    if (!signature.empty()) p["signature"] = signature;
    return Call(action, p);
  }
  // Sign then Verify; returns the signature (base64), "" on failure.
  std::string Sign(const std::string& keyid, const std::string& message_b64,
                   const std::string& type, const std::string& digest, const std::string& padding) {
    auto r = SignCall("Sign", keyid, message_b64, type, digest, padding);
    EXPECT_EQ(CodeOf(r), 200) << digest << " " << padding << " " << MessageOf(r);
    return ResultString(r, "signature");
  }
  // The Verify reply's `result`: 1 true, 0 false, -1 not a 200 with a boolean.
  int Verify(const std::string& keyid, const std::string& message_b64, const std::string& type,
             const std::string& digest, const std::string& padding, const std::string& sig) {
    auto r = SignCall("Verify", keyid, message_b64, type, digest, padding, sig);
    if (CodeOf(r) != 200) return -1;
    const auto* v = r.as_object().at("result").as_object().if_contains("result");
    return v != nullptr && v->is_bool() ? (v->as_bool() ? 1 : 0) : -1;
  }
};

}  // namespace kms::testing
