#include "api/request_auth.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>

#include "protocol/json_parse.h"
#include "protocol/request_sign.h"

namespace kms::api {
namespace {

namespace json = boost::json;

constexpr int64_t kNow = 1700000000000;
constexpr char kAppid[] = "7a3c2b1e-0f4d-4e8a-9b6c-5d2e1f0a3b4c";
constexpr char kApikey[] = "Nb3kqhJ4sTcv7WmE9xPzQ2fRyL8aUdG6";

class FakeVerifier : public RequestMacVerifier {
 public:
  StatusOr<bool> Verify(const std::string& appid, std::string_view signing_string,
                        std::string_view sign) override {
    ++calls;
    if (!next_error.ok()) return next_error;
    auto it = apikeys.find(appid);
    if (it == apikeys.end()) return Status::NotFound("no such appid");
    return protocol::RequestSignMatches(it->second, signing_string, sign);
  }

  std::map<std::string, std::string> apikeys = {{kAppid, kApikey}};
  Status next_error;
  int calls = 0;
};

class RequestAuthTest : public ::testing::Test {
 protected:
  RequestAuthTest() : clock_(kNow), replay_(clock_, 1000, ReplayCache::kDefaultWindowMs, {}) {}

  // A body with the given fields, signed with `apikey` under `mode`.
  static json::value Signed(std::string_view fields_json,
                            protocol::EmptyValues mode = protocol::EmptyValues::kDrop,
                            std::string_view apikey = kApikey) {
    json::object body = protocol::ParseJson(fields_json)->as_object();
    body["sign"] = *protocol::ComputeRequestSign(apikey, protocol::SigningString(body, mode));
    return body;
  }

  AuthOutcome Auth(const json::value& body, bool payload_required = false) {
    return RequestAuthenticator(clock_, verifier_, replay_).Authenticate(body, payload_required);
  }

  std::string Message(std::string_view body_json, bool payload_required = false) {
    json::value body = *protocol::ParseJson(body_json);
    AuthOutcome out = Auth(body, payload_required);
    if (out.ok()) return "OK";
    EXPECT_EQ(out.failure().code, 400);
    return std::string(out.failure().message);
  }

  FakeClock clock_;
  FakeVerifier verifier_;
  ReplayCache replay_;
};

constexpr char kCreateKey[] =
    R"({"appid":"7a3c2b1e-0f4d-4e8a-9b6c-5d2e1f0a3b4c","timestamp":"1700000000000",
        "payload":{"keyspec":"EH_AES_GCM_256","origin":"EH_INTERNAL_KEY",
                   "keyusage":"EH_KEYUSAGE_ENCRYPT_DECRYPT"}})";
constexpr char kEncryptWithEmptyAad[] =
    R"({"appid":"7a3c2b1e-0f4d-4e8a-9b6c-5d2e1f0a3b4c","timestamp":"1700000000000",
        "nonce":"n-0001","payload":{"keyid":"0b9a6f3e-2c1d-4b5a-8e7f-6a5b4c3d2e1f",
                                    "plaintext":"aGVsbG8gd29ybGQ=","aad":""}})";

TEST_F(RequestAuthTest, AcceptsTheProtocolExample) {
  json::value body = *protocol::ParseJson(kCreateKey);
  body.as_object()["sign"] = "ci6ZjhBRHB4ACmx9Rjs3PZuaR4ntFhCA99ZBlLYio3U=";
  AuthOutcome out = Auth(body, /*payload_required=*/true);
  ASSERT_TRUE(out.ok()) << out.failure().message;
  EXPECT_EQ(out.result().appid, kAppid);
  ASSERT_NE(out.result().payload, nullptr);
  EXPECT_EQ(out.result().payload, &body.at("payload").as_object());
  EXPECT_EQ(out.result().timestamp_ms, kNow);
  EXPECT_EQ(out.result().signed_with, protocol::EmptyValues::kDrop);
  EXPECT_EQ(verifier_.calls, 1);  // no empty strings: the kKeep form is the same string
}

TEST_F(RequestAuthTest, AcceptsBothCanonicalForms) {
  json::value server_form = Signed(kEncryptWithEmptyAad, protocol::EmptyValues::kDrop);
  EXPECT_EQ(server_form.at("sign").as_string(), "7N7PbHxc9dLMeAaH5EljeCkUHZ5O0OfER1xe9NgeQKU=");
  AuthOutcome a = Auth(server_form, true);
  ASSERT_TRUE(a.ok()) << a.failure().message;
  EXPECT_EQ(a.result().signed_with, protocol::EmptyValues::kDrop);

  clock_.Advance(1);  // keep the second request's tuple distinct
  json::object sdk = protocol::ParseJson(kEncryptWithEmptyAad)->as_object();
  sdk["nonce"] = "n-0002";
  sdk["sign"] = *protocol::ComputeRequestSign(
      kApikey, protocol::SigningString(sdk, protocol::EmptyValues::kKeep));
  verifier_.calls = 0;
  AuthOutcome b = Auth(sdk, true);
  ASSERT_TRUE(b.ok()) << b.failure().message;
  EXPECT_EQ(b.result().signed_with, protocol::EmptyValues::kKeep);
  EXPECT_EQ(verifier_.calls, 2);
}

TEST_F(RequestAuthTest, MissingRequiredParameters) {
  EXPECT_EQ(Message(R"({})"), "Missing required parameters");
  EXPECT_EQ(Message(R"([])"), "Missing required parameters");
  EXPECT_EQ(Message(R"("text")"), "Missing required parameters");
  EXPECT_EQ(Message(R"({"timestamp":"1700000000000","sign":"x"})"), "Missing required parameters");
  EXPECT_EQ(Message(R"({"appid":"","timestamp":"1700000000000","sign":"x"})"),
            "Missing required parameters");
  EXPECT_EQ(Message(R"({"appid":"a","timestamp":"1700000000000","sign":0})"),
            "Missing required parameters");
  EXPECT_EQ(Message(R"({"appid":"a","timestamp":null,"sign":"x"})"), "Missing required parameters");
  EXPECT_EQ(Message(R"({"appid":"a","timestamp":"1700000000000","sign":false})"),
            "Missing required parameters");
  // Payload required: absent or falsy payloads are missing; {} is truthy.
  EXPECT_EQ(Message(R"({"appid":"a","timestamp":"1700000000000","sign":"x"})", true),
            "Missing required parameters");
  EXPECT_EQ(Message(R"({"appid":"a","timestamp":"1700000000000","sign":"x","payload":""})", true),
            "Missing required parameters");
  EXPECT_EQ(Message(R"({"appid":"a","timestamp":"1700000000000","sign":"x","payload":{}})", true),
            "Unknown appid");
  // Missing wins over a type error elsewhere.
  EXPECT_EQ(Message(R"({"appid":5,"timestamp":"1700000000000"})"), "Missing required parameters");
}

TEST_F(RequestAuthTest, ParamTypeError) {
  for (
      const char* body : {
          R"({"appid":5,"timestamp":"1700000000000","sign":"x"})",
          R"({"appid":"a","timestamp":1700000000000,"sign":"x"})",
          R"({"appid":"a","timestamp":"1700000000000","sign":true})",
          R"({"appid":["a"],"timestamp":"1700000000000","sign":"x"})",
          R"({"appid":"a","timestamp":"1700000000000","sign":"x","payload":"p"})",
          R"({"appid":"a","timestamp":"1700000000000","sign":"x","payload":7})",
          R"({"appid":"a","timestamp":"1700000000000","sign":"x","payload":true})",
          R"({"appid":"a","timestamp":"1700000000000","sign":"x","payload":[1]})",
          R"({"appid":"a","timestamp":"1700000000000","sign":"x","payload":[]})",
          // Type errors win over a long nonce.
          R"({"appid":5,"timestamp":"1700000000000","sign":"x","nonce":"XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"})",
      }) {
    EXPECT_EQ(Message(body), "param type error") << body;
  }
}

TEST_F(RequestAuthTest, NonceLengthError) {
  const std::string n64(64, 'n');
  const std::string base = R"({"appid":"a","timestamp":"1700000000000","sign":"x","nonce":)";
  EXPECT_EQ(Message(base + "\"" + n64 + "\"}"), "Unknown appid");
  EXPECT_EQ(Message(base + "\"" + n64 + "n\"}"), "Nonce length error");
  // 33 emoji are 66 UTF-16 units.
  std::string emoji;
  for (int i = 0; i < 33; ++i) emoji += "\xF0\x9F\x98\x80";
  EXPECT_EQ(Message(base + "\"" + emoji + "\"}"), "Nonce length error");
  EXPECT_EQ(Message(base + "123456789012345678901234567890}"), "Unknown appid");
  // Nonce length is checked before the timestamp's length.
  EXPECT_EQ(Message(R"({"appid":"a","timestamp":"1","sign":"x","nonce":")" + n64 + "n\"}"),
            "Nonce length error");
}

TEST_F(RequestAuthTest, TimestampLengthError) {
  for (const char* ts : {"170000000000", "17000000000000", "1", "\xF0\x9F\x98\x80"}) {
    EXPECT_EQ(Message(std::string(R"({"appid":"a","sign":"x","timestamp":")") + ts + "\"}"),
              "Timestamp length error")
        << ts;
  }
  // 13 UTF-16 units although 14 bytes: the length passes, the value does not.
  EXPECT_EQ(Message("{\"appid\":\"a\",\"sign\":\"x\",\"timestamp\":\"\xC3\xA9"
                    "170000000000\"}"),
            "Timestamp error");
}

TEST_F(RequestAuthTest, TimestampError) {
  auto msg_at = [&](int64_t ts) {
    return Message(R"({"appid":"a","sign":"x","timestamp":")" + std::to_string(ts) + "\"}");
  };
  EXPECT_EQ(msg_at(kNow - 600000), "Timestamp error");
  EXPECT_EQ(msg_at(kNow + 600000), "Timestamp error");
  EXPECT_EQ(msg_at(kNow + 22 * 60 * 1000), "Timestamp error");
  EXPECT_EQ(msg_at(kNow - 599999), "Unknown appid");
  EXPECT_EQ(msg_at(kNow + 599999), "Unknown appid");
  for (const char* ts :
       {"abcdefghijklm", "17000000000 0", "Infinity12345", "-170000000000", "0000000000000"}) {
    EXPECT_EQ(Message(std::string(R"({"appid":"a","sign":"x","timestamp":")") + ts + "\"}"),
              "Timestamp error")
        << ts;
  }
  // JavaScript's Number() accepts other spellings of the same instant.
  EXPECT_EQ(Message(R"({"appid":"a","sign":"x","timestamp":"0x18BCFE56800"})"), "Unknown appid");
  EXPECT_EQ(Message(R"({"appid":"a","sign":"x","timestamp":" 1.7e12      "})"), "Unknown appid");
}

TEST_F(RequestAuthTest, SignatureFailures) {
  json::value body = Signed(kCreateKey);
  json::value wrong_key =
      Signed(kCreateKey, protocol::EmptyValues::kDrop, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  AuthOutcome out = Auth(wrong_key, true);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.failure().error, AuthError::kSignMismatch);
  EXPECT_EQ(out.failure().message, "sign error");

  // The documentation's upper-cased signature never verifies.
  json::value upper = body;
  std::string s(upper.at("sign").as_string());
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  upper.as_object()["sign"] = s;
  EXPECT_EQ(Auth(upper, true).failure().message, "sign error");

  // Tampering with any signed field breaks the MAC; unsigned extras do not.
  json::value tampered = body;
  tampered.as_object()["payload"].as_object()["origin"] = "EH_EXTERNAL_KEY";
  EXPECT_EQ(Auth(tampered, true).failure().message, "sign error");
  json::value with_nonce = body;
  with_nonce.as_object()["nonce"] = "added";
  EXPECT_EQ(Auth(with_nonce, true).failure().message, "sign error");
  json::value extra = body;
  extra.as_object()["unsigned"] = "whatever";
  EXPECT_TRUE(Auth(extra, true).ok());
}

TEST_F(RequestAuthTest, UnknownAppidAndVerifierErrors) {
  verifier_.apikeys.clear();
  AuthOutcome out = Auth(Signed(kCreateKey), true);
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.failure().error, AuthError::kUnknownAppid);
  EXPECT_EQ(out.failure().code, 400);
  EXPECT_EQ(out.failure().message, "Unknown appid");

  verifier_.next_error = Status::Unavailable("db down");
  EXPECT_EQ(Auth(Signed(kCreateKey), true).failure().message, "database error");
  verifier_.next_error = Status::Internal("hmac failed");
  EXPECT_EQ(Auth(Signed(kCreateKey), true).failure().message, "Unexpected Error");
  verifier_.next_error = Status::InvalidArgument("too long");
  EXPECT_EQ(Auth(Signed(kCreateKey), true).failure().error, AuthError::kVerifierFailed);
}

TEST_F(RequestAuthTest, ReplayIsRejectedAfterAValidSignature) {
  json::value body = Signed(kCreateKey);
  ASSERT_TRUE(Auth(body, true).ok());
  AuthOutcome again = Auth(body, true);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.failure().error, AuthError::kReplay);
  EXPECT_EQ(again.failure().message, "Timestamp can't be repeated in 20 minutes");
}

TEST_F(RequestAuthTest, ForgedRequestsDoNotConsumeTheTuple) {
  json::value forged =
      Signed(kCreateKey, protocol::EmptyValues::kDrop, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  EXPECT_EQ(Auth(forged, true).failure().message, "sign error");
  verifier_.apikeys.clear();
  EXPECT_EQ(Auth(Signed(kCreateKey), true).failure().message, "Unknown appid");
  verifier_.apikeys = {{kAppid, kApikey}};
  EXPECT_EQ(replay_.size(), 0u);
  EXPECT_TRUE(Auth(Signed(kCreateKey), true).ok());
  EXPECT_EQ(replay_.size(), 1u);
}

TEST_F(RequestAuthTest, NonceDistinguishesRequestsAsSigned) {
  const std::string base = R"({"appid":"7a3c2b1e-0f4d-4e8a-9b6c-5d2e1f0a3b4c",
                              "timestamp":"1700000000000","nonce":)";
  EXPECT_TRUE(Auth(Signed(base + "\"1\"}")).ok());
  EXPECT_TRUE(Auth(Signed(base + "\"2\"}")).ok());
  // The number 1 signs as "nonce=1", exactly like the string "1": the same request.
  EXPECT_EQ(Auth(Signed(base + "1}")).failure().error, AuthError::kReplay);
  // No nonce, "" and 0 all sign without a nonce: one request.
  EXPECT_TRUE(Auth(Signed(base + "\"\"}")).ok());
  EXPECT_EQ(Auth(Signed(base + "0}")).failure().error, AuthError::kReplay);
  EXPECT_EQ(Auth(Signed(R"({"appid":"7a3c2b1e-0f4d-4e8a-9b6c-5d2e1f0a3b4c",
                            "timestamp":"1700000000000"})"))
                .failure()
                .error,
            AuthError::kReplay);
}

TEST_F(RequestAuthTest, NonceThatIsNeitherStringNorNumberIsRefused) {
  const std::string base = R"({"appid":"a","timestamp":"1700000000000","sign":"x","nonce":)";
  for (const char* nonce : {"[1]", R"({"length":65})", R"({"n":"1"})", "true", "null"}) {
    EXPECT_EQ(Message(base + nonce + "}"), "nonce must be a string or a number") << nonce;
  }
  EXPECT_EQ(MakeAuthFailure(AuthError::kNonceType).code, 400);
}

// One MAC is one request: bodies that verify with the signing string of an accepted request
// are replays, whatever their shape (the canonical string does not delimit values).
TEST_F(RequestAuthTest, SameSigningStringInAnotherShapeIsAReplay) {
  json::value original = Signed(R"({"appid":"7a3c2b1e-0f4d-4e8a-9b6c-5d2e1f0a3b4c",
                                    "timestamp":"1700000000000","nonce":"N",
                                    "payload":{"keyid":"k1"}})");
  ASSERT_TRUE(Auth(original, true).ok());
  const json::value sign = original.as_object().at("sign");
  // The string nonce "N&payload=keyid=k1": the same signing string, a new nonce.
  json::object string_nonce{{"appid", kAppid}, {"timestamp", "1700000000000"},
                            {"nonce", "N&payload=keyid=k1"}, {"sign", sign}};
  ASSERT_EQ(protocol::SigningString(string_nonce, protocol::EmptyValues::kDrop),
            protocol::SigningString(original.as_object(), protocol::EmptyValues::kDrop));
  AuthOutcome replayed = Auth(string_nonce);
  ASSERT_FALSE(replayed.ok());
  EXPECT_EQ(replayed.failure().error, AuthError::kReplay);
  // The object nonce {"N&payload": "keyid=k1"} signs the same too; it is refused by type.
  json::object object_nonce = string_nonce;
  object_nonce["nonce"] = json::object{{"N&payload", "keyid=k1"}};
  ASSERT_EQ(protocol::SigningString(object_nonce, protocol::EmptyValues::kDrop),
            protocol::SigningString(original.as_object(), protocol::EmptyValues::kDrop));
  EXPECT_EQ(Auth(object_nonce).failure().error, AuthError::kNonceType);
}

TEST_F(RequestAuthTest, ReplayCacheFullIsAClearError) {
  ReplayCache tiny(clock_, 1, ReplayCache::kDefaultWindowMs, {});
  RequestAuthenticator auth(clock_, verifier_, tiny);
  const std::string base = R"({"appid":"7a3c2b1e-0f4d-4e8a-9b6c-5d2e1f0a3b4c",
                              "timestamp":"1700000000000","nonce":)";
  ASSERT_TRUE(auth.Authenticate(Signed(base + "\"1\"}"), false).ok());
  AuthOutcome full = auth.Authenticate(Signed(base + "\"2\"}"), false);
  ASSERT_FALSE(full.ok());
  EXPECT_EQ(full.failure().error, AuthError::kReplayCacheFull);
  EXPECT_EQ(full.failure().code, 400);
  EXPECT_EQ(full.failure().message, "Too many requests in the replay window, please retry later");
}

TEST_F(RequestAuthTest, LooselyEmptyPayloadIsReportedAbsent) {
  const std::string base = R"({"appid":"7a3c2b1e-0f4d-4e8a-9b6c-5d2e1f0a3b4c",
                              "timestamp":"1700000000000","payload":)";
  int n = 0;
  for (const char* p : {"null", "\"\"", "0", "false"}) {
    clock_.Set(kNow + ++n);  // the timestamp stays acceptable; a fresh clock is irrelevant
    json::object body = protocol::ParseJson(base + p + "," + R"("nonce":")" + std::to_string(n) +
                                            "\"}")
                            ->as_object();
    body["sign"] = *protocol::ComputeRequestSign(
        kApikey, protocol::SigningString(body, protocol::EmptyValues::kDrop));
    AuthOutcome out = Auth(body);
    ASSERT_TRUE(out.ok()) << p << ": " << out.failure().message;
    EXPECT_EQ(out.result().payload, nullptr) << p;
  }
  json::value empty_payload = Signed(base + "{}}");  // the result borrows the body
  AuthOutcome with_empty = Auth(empty_payload);
  ASSERT_TRUE(with_empty.ok());
  ASSERT_NE(with_empty.result().payload, nullptr);
  EXPECT_TRUE(with_empty.result().payload->empty());
}

TEST(AuthFailure, EveryErrorHasCode400AndAMessage) {
  for (int e = static_cast<int>(AuthError::kMissingParameters);
       e <= static_cast<int>(AuthError::kTimestampBeforeStart); ++e) {
    AuthFailure f = MakeAuthFailure(static_cast<AuthError>(e));
    EXPECT_EQ(static_cast<int>(f.error), e);
    EXPECT_EQ(f.code, 400);
    EXPECT_FALSE(f.message.empty());
  }
}

}  // namespace
}  // namespace kms::api
