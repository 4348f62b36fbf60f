// Bad requests against the real binary: each gets the contract's code and message.

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "crypto/base64.h"
#include "kms_test_fixture.h"

namespace kms::testing {
namespace {

using boost::json::object;

std::string B64(std::string_view s) { return crypto::Base64Encode(AsBytes(s)); }

class KmsBadInput : public KmsFixture {
 protected:
  void SetUp() override {
    KmsFixture::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    client_->Enroll();
    keyid_ = CreateKey("EH_AES_GCM_256");
  }
  std::string Post(const std::string& action, const std::string& body) {
    auto [status, text] = client_->PostRaw(action, body);
    EXPECT_EQ(status, 200) << text;
    return text;
  }
  static std::string Msg(const std::string& body) {
    boost::system::error_code ec;
    auto v = boost::json::parse(body, ec);
    return ec ? "<not json: " + body + ">" : MessageOf(v);
  }
  std::string keyid_;
};

TEST_F(KmsBadInput, MalformedJson) {
  EXPECT_EQ(Msg(Post("Encrypt", "{\"appid\": ")), "Invalid JSON");
  EXPECT_EQ(Msg(Post("ListKey", "not json")), "Invalid JSON");
}

TEST_F(KmsBadInput, MissingAndMistypedEnvelopeFields) {
  EXPECT_EQ(Msg(Post("ListKey", "{}")), "Missing required parameters");
  EXPECT_EQ(Msg(Post("ListKey", "[]")), "Missing required parameters");
  auto& c = client_->credentials();
  std::string ts = NowMs();
  EXPECT_EQ(Msg(Post("ListKey", "{\"appid\":\"" + c.appid + "\",\"timestamp\":" + ts +
                                    ",\"sign\":\"x\"}")),
            "param type error");
  EXPECT_EQ(Msg(Post("Encrypt", "{\"appid\":\"" + c.appid + "\",\"timestamp\":\"" + ts +
                                    "\",\"sign\":\"x\"}")),
            "Missing required parameters");  // the cryptographic group needs a payload
  EXPECT_EQ(Msg(Post("ListKey", "{\"appid\":\"" + c.appid + "\",\"timestamp\":\"" + ts +
                                    "\",\"sign\":\"x\",\"nonce\":\"" + std::string(65, 'n') +
                                    "\"}")),
            "Nonce length error");
  EXPECT_EQ(Msg(Post("ListKey", "{\"appid\":\"" + c.appid +
                                    "\",\"timestamp\":\"123\",\"sign\":\"x\"}")),
            "Timestamp length error");
}

TEST_F(KmsBadInput, StaleAndFutureTimestamps) {
  long long now = std::stoll(NowMs());
  // The server reads its clock after ours, so the future edge gets a margin for that delay.
  for (long long delta : {-22LL * 60000, 22LL * 60000, -600000LL, 605000LL}) {
    CallOptions o;
    o.timestamp = std::to_string(now + delta);
    EXPECT_EQ(MessageOf(client_->Call("ListKey", {}, o)), "Timestamp error") << delta;
  }
  CallOptions ok;
  ok.timestamp = std::to_string(now - 9 * 60000);
  EXPECT_EQ(CodeOf(client_->Call("ListKey", {}, ok)), 200);
}

TEST_F(KmsBadInput, UnknownAppidAndWrongSign) {
  Credentials ghost{"7a3c2b1e-0f4d-4e8a-9b6c-5d2e1f0a3b4c", "Nb3kqhJ4sTcv7WmE9xPzQ2fRyL8aUdG6"};
  auto r = client_->CallAs(ghost, "ListKey", {});
  EXPECT_EQ(CodeOf(r), 400);
  CallOptions bad;
  bad.sign = "ci6ZjhBRHB4ACmx9Rjs3PZuaR4ntFhCA99ZBlLYio3U=";
  EXPECT_EQ(MessageOf(client_->Call("ListKey", {}, bad)), "sign error");
  Credentials wrong_key = client_->credentials();
  wrong_key.apikey[0] = wrong_key.apikey[0] == 'a' ? 'b' : 'a';
  EXPECT_EQ(MessageOf(client_->CallAs(wrong_key, "ListKey", {})), "sign error");
}

TEST_F(KmsBadInput, TamperedPayloadBreaksTheSignature) {
  std::string body = client_->SignedBody(client_->credentials(),
                                         {{"keyid", keyid_}, {"plaintext", B64("x")}}, {});
  std::string tampered = body;
  tampered.replace(tampered.find(B64("x")), 4, B64("y"));
  EXPECT_EQ(Msg(Post("Encrypt", tampered)), "sign error");
}

TEST_F(KmsBadInput, ReplayedRequestIsRefusedButForgedOneDoesNotBurnTheTuple) {
  CallOptions o;
  o.timestamp = NowMs();
  o.nonce = "n-1";
  std::string forged = client_->SignedBody(client_->credentials(), {}, [&] {
    CallOptions f = o;
    f.sign = "AAAA";
    return f;
  }());
  EXPECT_EQ(Msg(Post("ListKey", forged)), "sign error");
  std::string body = client_->SignedBody(client_->credentials(), {}, o);
  EXPECT_EQ(Msg(Post("ListKey", body)), "successful");
  EXPECT_EQ(Msg(Post("ListKey", body)), "Timestamp can't be repeated in 20 minutes");
  o.nonce = "n-2";
  EXPECT_EQ(MessageOf(client_->Call("ListKey", {}, o)), "successful");
}

TEST_F(KmsBadInput, PythonSdkStyleSignatureWithEmptyValuesIsAccepted) {
  CallOptions o;
  o.keep_empty_values = true;
  auto r = client_->Call("Encrypt", {{"keyid", keyid_}, {"plaintext", B64("x")}, {"aad", ""}}, o);
  EXPECT_EQ(CodeOf(r), 200) << MessageOf(r);
}

TEST_F(KmsBadInput, PayloadValidation) {
  auto call = [&](object p) { return MessageOf(client_->Call("Encrypt", p)); };
  EXPECT_EQ(call({{"plaintext", B64("x")}}),
            "Missing required parameters, The keyid cannot be empty.");
  EXPECT_EQ(call({{"keyid", 5}, {"plaintext", B64("x")}}),
            "Parameter invalid, The keyid must be of string type.");
  EXPECT_EQ(call({{"keyid", "abc"}, {"plaintext", B64("x")}}),
            "Parameter invalid, The keyid length error.");
  EXPECT_EQ(call({{"keyid", std::string(36, 'Z')}, {"plaintext", B64("x")}}),
            "Parameter invalid, The keyid format wrong.");
  EXPECT_EQ(call({{"keyid", keyid_}, {"plaintext", "not base64!"}}),
            "Parameter invalid, The plaintext not a vailed base64 string.");
  EXPECT_EQ(call({{"keyid", keyid_}, {"plaintext", std::string(8196, 'A')}}),
            "Parameter invalid, The plaintext length error.");
  EXPECT_EQ(MessageOf(client_->Call("GenerateDataKey", {{"keyid", keyid_}, {"keylen", "16"}})),
            "Parameter invalid, The keylen must be of integer type.");
  EXPECT_EQ(MessageOf(client_->Call("GenerateDataKey", {{"keyid", keyid_}, {"keylen", 0}})),
            "Parameter invalid, The keylen value must be greater than or equal to 1.");
  EXPECT_EQ(MessageOf(client_->Call("GenerateDataKey", {{"keyid", keyid_}, {"keylen", 1025}})),
            "Parameter invalid, The keylen value must be less than or equal to 1024.");
  EXPECT_EQ(MessageOf(client_->Call("CreateKey", {{"keyspec", "EH_AES"}, {"origin", "EH_INTERNAL_KEY"}})),
            "Parameter invalid, The keyspec type is incorrect.");
}

// Service-layer errors answer `result: {}` (spec §1.3/§1.4), never null.
TEST_F(KmsBadInput, ErrorRepliesCarryAnEmptyResultObject) {
  auto& c = client_->credentials();
  auto expect_empty_object = [](const std::string& body) {
    auto v = boost::json::parse(body);
    ASSERT_TRUE(v.as_object().at("result").is_object()) << body;
    EXPECT_TRUE(v.as_object().at("result").as_object().empty()) << body;
  };
  expect_empty_object(Post("ListKey", "not json"));
  expect_empty_object(Post("ListKey", "{}"));
  expect_empty_object(Post("ListKey", "{\"appid\":\"" + c.appid + "\",\"timestamp\":\"" +
                                          NowMs() + "\",\"sign\":\"x\"}"));
  CallOptions wrong_sign;
  wrong_sign.sign = "AAAA";
  expect_empty_object(boost::json::serialize(client_->Call("ListKey", {}, wrong_sign)));
  expect_empty_object(boost::json::serialize(client_->Call("Encrypt", {{"keyid", 5}})));
}

// SM4-CTR/CBC have no tag: an aad would be silently ignored, so it is refused (spec §7 Q8).
TEST_F(KmsBadInput, Sm4KeysRefuseAad) {
  const std::string refused =
      "Parameter invalid, SM4 modes carry no integrity and no AAD: the aad must be empty.";
  for (const char* spec : {"EH_SM4_CTR", "EH_SM4_CBC"}) {
    std::string sm4 = CreateKey(spec);
    auto enc = client_->Call("Encrypt", {{"keyid", sm4}, {"plaintext", B64("x")}, {"aad", B64("X")}});
    EXPECT_EQ(CodeOf(enc), 400) << spec;
    EXPECT_EQ(MessageOf(enc), refused) << spec;
    auto plain = client_->Call("Encrypt", {{"keyid", sm4}, {"plaintext", B64("x")}, {"aad", ""}});
    ASSERT_EQ(CodeOf(plain), 200) << spec << ": " << MessageOf(plain);
    auto dec = client_->Call("Decrypt", {{"keyid", sm4},
                                         {"ciphertext", ResultString(plain, "ciphertext")},
                                         {"aad", B64("Y")}});
    EXPECT_EQ(MessageOf(dec), refused) << spec;
    auto dk = client_->Call("GenerateDataKey", {{"keyid", sm4}, {"keylen", 16}, {"aad", B64("X")}});
    EXPECT_EQ(MessageOf(dk), refused) << spec;
  }
  // AES-GCM binds the aad as before.
  auto gcm = client_->Call("Encrypt", {{"keyid", keyid_}, {"plaintext", B64("x")}, {"aad", B64("X")}});
  EXPECT_EQ(CodeOf(gcm), 200) << MessageOf(gcm);
}

TEST_F(KmsBadInput, MissingPayloadOnManagementActionsIsAnErrorNotAWildcard) {
  CallOptions o;
  o.omit_payload = true;
  EXPECT_EQ(MessageOf(client_->Call("DeleteKey", {}, o)),
            "Missing required parameters, The keyid cannot be empty.");
  EXPECT_EQ(client_->Call("ListKey", {}).at("result").at("list").as_array().size(), 1u);
}

TEST_F(KmsBadInput, OversizeBodyGets413) {
  std::string body = "{\"appid\":\"" + std::string(200 * 1024, 'a') + "\"}";
  auto [status, text] = client_->PostRaw("ListKey", body);
  EXPECT_EQ(status, 413);
  EXPECT_NE(text.find("too large"), std::string::npos) << text;
}

TEST_F(KmsBadInput, WrongKeyForTheAction) {
  std::string external = CreateKey("EH_AES_GCM_256", "EH_EXTERNAL_KEY");
  auto r = client_->Call("Encrypt", {{"keyid", external}, {"plaintext", B64("x")}});
  EXPECT_EQ(CodeOf(r), 400);
  EXPECT_NE(MessageOf(r).find("import"), std::string::npos) << MessageOf(r);
  auto hmac = client_->Call("CreateKey", {{"keyspec", "EH_HMAC"}, {"origin", "EH_INTERNAL_KEY"}});
  EXPECT_EQ(CodeOf(hmac), 400);
  auto sign_usage = client_->Call("CreateKey", {{"keyspec", "EH_AES_GCM_256"},
                                                {"origin", "EH_INTERNAL_KEY"},
                                                {"keyusage", "EH_KEYUSAGE_SIGN_VERIFY"}});
  EXPECT_EQ(CodeOf(sign_usage), 400);
  EXPECT_NE(MessageOf(sign_usage).find("EH_KEYUSAGE_ENCRYPT_DECRYPT"), std::string::npos);
}

TEST_F(KmsBadInput, UnknownActionAndPathAndMethod) {
  EXPECT_EQ(CodeOf(client_->Call("DeleteALLKey", {})), 404);
  EXPECT_EQ(CodeOf(client_->Get("ListKey")), 400);  // a GET is authenticated first
  auto [status, text] = client_->PostRaw("../x", "{}");
  EXPECT_EQ(status, 200);
}

TEST_F(KmsBadInput, ShortCiphertextIsAClientError) {
  auto r = client_->Call("Decrypt", {{"keyid", keyid_}, {"ciphertext", B64("short")}});
  EXPECT_EQ(CodeOf(r), 400);
}

}  // namespace
}  // namespace kms::testing
