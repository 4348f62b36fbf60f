// Robustness: deterministic pseudo-random and malformed request bodies go through the whole
// front half of the request path (parse, authenticate, validate, canonicalise). Every input
// must end in a well-formed outcome: "Invalid JSON", a known 400 auth failure, a validator
// message, or success. Run under the sanitizer build to catch memory errors.

#include <gtest/gtest.h>

#include <boost/json/serialize.hpp>
#include <cstdio>
#include <random>
#include <set>
#include <string>

#include "api/payload_validator.h"
#include "api/request_auth.h"
#include "protocol/canonical.h"
#include "protocol/json_parse.h"
#include "protocol/request_sign.h"

namespace kms::api {
namespace {

namespace json = boost::json;

constexpr int64_t kNow = 1700000000000;
constexpr char kAppid[] = "7a3c2b1e-0f4d-4e8a-9b6c-5d2e1f0a3b4c";
constexpr char kApikey[] = "Nb3kqhJ4sTcv7WmE9xPzQ2fRyL8aUdG6";

class OneTenantVerifier : public RequestMacVerifier {
 public:
  StatusOr<bool> Verify(const std::string& appid, std::string_view signing_string,
                        std::string_view sign) override {
    if (appid != kAppid) return Status::NotFound("unknown");
    return protocol::RequestSignMatches(kApikey, signing_string, sign);
  }
};

constexpr std::string_view kKeyspecs[] = {"EH_AES_GCM_128", "EH_AES_GCM_256", "EH_RSA_3072"};
constexpr std::string_view kOrigins[] = {"EH_INTERNAL_KEY", "EH_EXTERNAL_KEY"};

const FieldSpec kSpecs[] = {
    UuidField("keyid", Presence::kRequired),
    ConstField("keyspec", Presence::kOptional, kKeyspecs),
    ConstField("origin", Presence::kOptional, kOrigins),
    Base64Field("plaintext", Presence::kOptional, 1, 64),
    Base64Field("aad", Presence::kOptional, std::nullopt, 64),
    IntField("keylen", Presence::kOptional, 1, 1024),
    StringField("secretName", Presence::kOptional, 1, 16),
};

class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}

  uint64_t Next(uint64_t n) { return rng_() % n; }

  std::string String() {
    static const char* kPieces[] = {"",
                                    "a",
                                    "0",
                                    " ",
                                    "=",
                                    "&",
                                    "\\\"",
                                    "\\u0000",
                                    "\xC3\xA9",
                                    "\xF0\x9F\x98\x80",
                                    "\xEF\xBF\xBF",
                                    "AAAA",
                                    "aGk=",
                                    "==",
                                    "7a3c2b1e-0f4d-4e8a-9b6c-5d2e1f0a3b4c",
                                    "EH_AES_GCM_256",
                                    "1700000000000",
                                    "\\n",
                                    "length"};
    std::string s;
    for (uint64_t i = Next(5); i > 0; --i) s += kPieces[Next(std::size(kPieces))];
    return s;
  }

  std::string Number() {
    static const char* kNumbers[] = {"0",
                                     "-0",
                                     "1",
                                     "-1",
                                     "32",
                                     "32.0",
                                     "1.5",
                                     "1e21",
                                     "1e400",
                                     "-1e-7",
                                     "1024",
                                     "1025",
                                     "18446744073709551615",
                                     "18446744073709551616",
                                     "-9223372036854775809",
                                     "4.963728e-18",
                                     "65",
                                     "1700000000000"};
    return kNumbers[Next(std::size(kNumbers))];
  }

  std::string Value(int depth) {
    switch (Next(depth > 0 ? 8 : 5)) {
      case 0:
        return "null";
      case 1:
        return Next(2) ? "true" : "false";
      case 2:
        return Number();
      case 3:
      case 4:
        return "\"" + String() + "\"";
      case 5:
      case 6:
        return Object(depth - 1);
      default: {
        std::string a = "[";
        for (uint64_t i = Next(4); i > 0; --i) a += Value(depth - 1) + (i > 1 ? "," : "");
        return a + "]";
      }
    }
  }

  std::string Object(int depth) {
    static const char* kKeys[] = {"appid",     "timestamp", "sign",    "nonce",
                                  "payload",   "keyid",     "keyspec", "origin",
                                  "plaintext", "aad",       "keylen",  "secretName",
                                  "length",    "",          "0",       "\xF0\x9F\x98\x80"};
    std::string o = "{";
    for (uint64_t i = Next(6); i > 0; --i) {
      o += "\"" + std::string(kKeys[Next(std::size(kKeys))]) + "\":" + Value(depth);
      if (i > 1) o += ",";
    }
    return o + "}";
  }

  // A plausible request: the envelope fields present with typical or hostile values, often
  // correctly signed so that the signature, replay and validation paths are reached.
  std::string Request() {
    json::object body;
    if (Next(10)) body["appid"] = Next(8) ? kAppid : String();
    if (Next(10)) {
      body["timestamp"] =
          Next(6) ? std::to_string(kNow + static_cast<int64_t>(Next(1400000)) - 700000) : String();
    }
    if (Next(2)) body["nonce"] = protocol::ParseJson(Value(2)).value();
    if (Next(6)) {
      json::value payload = protocol::ParseJson(Next(4) ? Object(2) : Value(2)).value();
      if (payload.is_object() && Next(4)) {
        payload.as_object()["keyid"] = "0b9a6f3e-2c1d-4b5a-8e7f-6a5b4c3d2e1f";
      }
      body["payload"] = std::move(payload);
    }
    for (uint64_t i = Next(3); i > 0; --i) {
      static const char* kFields[] = {"appid", "timestamp", "payload", "sign", "extra"};
      body[kFields[Next(std::size(kFields))]] = protocol::ParseJson(Value(2)).value();
    }
    if (Next(3)) {
      protocol::EmptyValues mode =
          Next(2) ? protocol::EmptyValues::kDrop : protocol::EmptyValues::kKeep;
      body["sign"] =
          protocol::ComputeRequestSign(kApikey, protocol::SigningString(body, mode)).value();
    } else if (Next(2)) {
      body["sign"] = String();
    }
    return json::serialize(body);
  }

  std::string Mutate(std::string s) {
    for (uint64_t i = Next(4); i > 0; --i) {
      if (s.empty()) break;
      size_t pos = Next(s.size());
      switch (Next(4)) {
        case 0:
          s[pos] = static_cast<char>(Next(256));
          break;
        case 1:
          s.erase(pos, 1);
          break;
        case 2:
          s.insert(pos, 1, "{}[]\",:\\0e-"[Next(11)]);
          break;
        default:
          s.resize(pos);
          break;
      }
    }
    return s;
  }

  std::string RandomBytes() {
    std::string s(Next(64), '\0');
    for (char& c : s) c = static_cast<char>(Next(256));
    return s;
  }

 private:
  std::mt19937_64 rng_;
};

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

TEST(RequestFuzz, EveryInputEndsInAWellFormedOutcome) {
  FakeClock clock(kNow);
  OneTenantVerifier verifier;
  ReplayCache replay(clock, 1 << 20, ReplayCache::kDefaultWindowMs, {});
  RequestAuthenticator auth(clock, verifier, replay);

  std::set<std::string_view> auth_messages;
  for (int e = static_cast<int>(AuthError::kMissingParameters);
       e <= static_cast<int>(AuthError::kTimestampBeforeStart); ++e) {
    auth_messages.insert(MakeAuthFailure(static_cast<AuthError>(e)).message);
  }

  Generator gen(20240606);
  int parsed = 0, authenticated = 0, validated = 0;
  constexpr int kIterations = 20000;
  for (int i = 0; i < kIterations; ++i) {
    std::string text;
    switch (i % 5) {
      case 0:
        text = gen.RandomBytes();
        break;
      case 1:
        text = gen.Mutate(gen.Request());
        break;
      case 2:
        text = gen.Object(3);
        break;
      default:
        text = gen.Request();
        break;
    }
    StatusOr<json::value> body = protocol::ParseJson(text);
    if (!body.ok()) {
      ASSERT_EQ(body.status().code(), Code::kInvalidArgument);
      ASSERT_EQ(body.status().message(), "Invalid JSON");
      continue;
    }
    ++parsed;
    if (const json::object* obj = body->if_object()) {
      (void)protocol::Canonicalize(*obj, protocol::EmptyValues::kDrop);
      (void)protocol::Canonicalize(*obj, protocol::EmptyValues::kKeep);
    }
    AuthOutcome out = auth.Authenticate(*body, /*payload_required=*/i % 2 == 0);
    if (!out.ok()) {
      ASSERT_EQ(out.failure().code, 400);
      ASSERT_TRUE(auth_messages.count(out.failure().message)) << out.failure().message;
      continue;
    }
    ++authenticated;
    ASSERT_EQ(out.result().appid, kAppid);
    static const json::object kEmpty;
    const json::object& payload = out.result().payload ? *out.result().payload : kEmpty;
    Status s = Validate(payload, kSpecs);
    if (s.ok()) {
      ++validated;
      (void)GetString(payload, "keyid");
      std::optional<int64_t> keylen = GetInt(payload, "keylen");
      if (keylen) {
        ASSERT_TRUE(*keylen >= 1 && *keylen <= 1024);
      }
    } else {
      ASSERT_EQ(s.code(), Code::kInvalidArgument);
      ASSERT_TRUE(StartsWith(s.message(), "Missing required parameters, The ") ||
                  StartsWith(s.message(), "Parameter invalid, The "))
          << s.message();
      ASSERT_EQ(s.message().back(), '.');
    }
  }
  // The generator must actually reach every stage, or this test proves little.
  EXPECT_GT(parsed, kIterations / 2);
  EXPECT_GT(authenticated, 500);
  EXPECT_GT(validated, 20);
  std::printf("parsed %d authenticated %d validated %d\n", parsed, authenticated, validated);
}

}  // namespace
}  // namespace kms::api
