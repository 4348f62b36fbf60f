#include "api/payload_validator.h"

#include <gtest/gtest.h>

#include <string>

#include "protocol/json_parse.h"

namespace kms::api {
namespace {

namespace json = boost::json;

json::object Obj(std::string_view text) {
  auto v = protocol::ParseJson(text);
  EXPECT_TRUE(v.ok()) << text;
  return v.ok() ? v->as_object() : json::object();
}

std::string Check(std::string_view payload, std::span<const FieldSpec> specs) {
  Status s = Validate(Obj(payload), specs);
  if (s.ok()) return "OK";
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  return s.message();
}

constexpr std::string_view kOrigins[] = {"EH_INTERNAL_KEY", "EH_EXTERNAL_KEY"};

// The upstream's /^(\d{1,4}[d,h,m,s]{1})$/, written out (std::regex trips g++ 12's
// -Wmaybe-uninitialized under the sanitizer build).
bool RotationInterval(std::string_view s) {
  if (s.size() < 2 || s.size() > 5) return false;
  for (size_t i = 0; i + 1 < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return std::string_view("d,hms").find(s.back()) != std::string_view::npos;
}

const FieldSpec kEncrypt[] = {
    UuidField("keyid", Presence::kRequired),
    Base64Field("plaintext", Presence::kRequired, 1, 8192),
    Base64Field("aad", Presence::kOptional, std::nullopt, 8192),
};

TEST(Validate, RequiredMissingNullOrEmpty) {
  EXPECT_EQ(Check(R"({})", kEncrypt), "Missing required parameters, The keyid cannot be empty.");
  EXPECT_EQ(Check(R"({"keyid":null})", kEncrypt),
            "Missing required parameters, The keyid cannot be empty.");
  EXPECT_EQ(Check(R"({"keyid":""})", kEncrypt),
            "Missing required parameters, The keyid cannot be empty.");
  EXPECT_EQ(Check(R"({"keyid":"0b9a6f3e-2c1d-4b5a-8e7f-6a5b4c3d2e1f"})", kEncrypt),
            "Missing required parameters, The plaintext cannot be empty.");
}

TEST(Validate, FirstFailureInDeclarationOrderWins) {
  // plaintext is bad too, but keyid is declared first.
  EXPECT_EQ(Check(R"({"plaintext":5,"keyid":"X"})", kEncrypt),
            "Parameter invalid, The keyid length error.");
  EXPECT_EQ(Check(R"({"keyid":"0b9a6f3e-2c1d-4b5a-8e7f-6a5b4c3d2e1f","plaintext":"AA","aad":"x"})",
                  kEncrypt),
            "Parameter invalid, The plaintext not a vailed base64 string.");
}

TEST(Validate, UuidChecks) {
  const FieldSpec spec[] = {UuidField("keyid", Presence::kRequired)};
  EXPECT_EQ(Check(R"({"keyid":"0b9a6f3e-2c1d-4b5a-8e7f-6a5b4c3d2e1f"})", spec), "OK");
  EXPECT_EQ(Check(R"({"keyid":"zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz"})", spec), "OK");
  EXPECT_EQ(Check(R"({"keyid":5})", spec), "Parameter invalid, The keyid must be of string type.");
  EXPECT_EQ(Check(R"({"keyid":["0b9a6f3e-2c1d-4b5a-8e7f-6a5b4c3d2e1f"]})", spec),
            "Parameter invalid, The keyid must be of string type.");
  EXPECT_EQ(Check(R"({"keyid":"0b9a6f3e-2c1d-4b5a-8e7f-6a5b4c3d2e1"})", spec),
            "Parameter invalid, The keyid length error.");
  EXPECT_EQ(Check(R"({"keyid":"0B9A6F3E-2C1D-4B5A-8E7F-6A5B4C3D2E1F"})", spec),
            "Parameter invalid, The keyid format wrong.");
  EXPECT_EQ(Check(R"({"keyid":"0b9a6f3e2c1d-4b5a-8e7f-6a5b4c3d2e1f-"})", spec),
            "Parameter invalid, The keyid format wrong.");
  // 36 UTF-16 units but not ASCII: a length match, then a format failure.
  EXPECT_EQ(Check("{\"keyid\":\"\xC3\xA9"
                  "b9a6f3e-2c1d-4b5a-8e7f-6a5b4c3d2e1f\"}",
                  spec),
            "Parameter invalid, The keyid format wrong.");
  EXPECT_TRUE(MatchesUuid("0b9a6f3e-2c1d-4b5a-8e7f-6a5b4c3d2e1f"));
  EXPECT_FALSE(MatchesUuid("0b9a6f3e-2c1d-4b5a-8e7f-6a5b4c3d2e1f0"));
}

TEST(Validate, StringLengthInUtf16UnitsMaxFirst) {
  const FieldSpec spec[] = {StringField("secretName", Presence::kRequired, 1, 4)};
  EXPECT_EQ(Check(R"({"secretName":"abcd"})", spec), "OK");
  EXPECT_EQ(Check(R"({"secretName":"abcde"})", spec),
            "Parameter invalid, The secretName length error.");
  // Two emoji are 4 UTF-16 units (8 UTF-8 bytes): accepted; three are 6 units: rejected.
  EXPECT_EQ(Check("{\"secretName\":\"\xF0\x9F\x98\x80\xF0\x9F\x98\x80\"}", spec), "OK");
  EXPECT_EQ(Check("{\"secretName\":\"\xF0\x9F\x98\x80\xF0\x9F\x98\x80\xF0\x9F\x98\x80\"}", spec),
            "Parameter invalid, The secretName length error.");
  const FieldSpec fixed[] = {StringField("mr_signer", Presence::kRequired, 64, 64)};
  EXPECT_EQ(Check(R"({"mr_signer":"abc"})", fixed),
            "Parameter invalid, The mr_signer length error.");
  EXPECT_EQ(Check(R"({"mr_signer":true})", fixed),
            "Parameter invalid, The mr_signer must be of string type.");
}

TEST(Validate, StringFormatRunsAfterLength) {
  const FieldSpec spec[] = {
      StringField("rotationInterval", Presence::kOptional, 0, 5, &RotationInterval)};
  EXPECT_EQ(Check(R"({"rotationInterval":"30d"})", spec), "OK");
  EXPECT_EQ(Check(R"({"rotationInterval":"1,"})", spec), "OK");  // upstream's [d,h,m,s] quirk
  EXPECT_EQ(Check(R"({"rotationInterval":"30x"})", spec),
            "Parameter invalid, The rotationInterval format wrong.");
  EXPECT_EQ(Check(R"({"rotationInterval":"123456d"})", spec),
            "Parameter invalid, The rotationInterval length error.");
  EXPECT_EQ(Check(R"({"rotationInterval":""})", spec), "OK");  // optional and empty: skipped
}

TEST(Validate, Base64Checks) {
  const FieldSpec spec[] = {Base64Field("challenge", Presence::kRequired, 1, 8)};
  EXPECT_EQ(Check(R"({"challenge":"aGk="})", spec), "OK");
  EXPECT_EQ(Check(R"({"challenge":"aGVsbG8h"})", spec), "OK");
  EXPECT_EQ(Check(R"({"challenge":"aGVsbG8hAA=="})", spec),
            "Parameter invalid, The challenge length error.");
  for (const char* bad : {"aGk", "a===", "====", "aG-_", "aGk=\n", "aG=k", "a b="}) {
    json::object p;
    p["challenge"] = bad;
    Status s = Validate(p, spec);
    EXPECT_EQ(s.message(), "Parameter invalid, The challenge not a vailed base64 string.") << bad;
  }
  EXPECT_EQ(Check(R"({"challenge":{"a":1}})", spec),
            "Parameter invalid, The challenge must be of string type.");
}

TEST(Validate, IntChecks) {
  const FieldSpec spec[] = {IntField("keylen", Presence::kRequired, 1, 1024)};
  EXPECT_EQ(Check(R"({"keylen":32})", spec), "OK");
  EXPECT_EQ(Check(R"({"keylen":1024})", spec), "OK");
  EXPECT_EQ(Check(R"({"keylen":32.0})", spec), "OK");  // Number.isInteger(32.0) is true
  EXPECT_EQ(Check(R"({"keylen":3.2e1})", spec), "OK");
  EXPECT_EQ(Check(R"({"keylen":"16"})", spec),
            "Parameter invalid, The keylen must be of integer type.");
  EXPECT_EQ(Check(R"({"keylen":1.5})", spec),
            "Parameter invalid, The keylen must be of integer type.");
  EXPECT_EQ(Check(R"({"keylen":true})", spec),
            "Parameter invalid, The keylen must be of integer type.");
  EXPECT_EQ(Check(R"({"keylen":1e21})", spec),
            "Parameter invalid, The keylen must be of integer type.");
  EXPECT_EQ(Check(R"({"keylen":1025})", spec),
            "Parameter invalid, The keylen value must be less than or equal to 1024.");
  EXPECT_EQ(Check(R"({"keylen":0})", spec),
            "Parameter invalid, The keylen value must be greater than or equal to 1.");
  EXPECT_EQ(Check(R"({"keylen":-0.0})", spec),
            "Parameter invalid, The keylen value must be greater than or equal to 1.");
  EXPECT_EQ(Check(R"({"keylen":18446744073709551615})", spec),
            "Parameter invalid, The keylen value must be less than or equal to 1024.");
}

TEST(Validate, IntWithoutBoundsStaysWithinInt64) {
  const FieldSpec spec[] = {IntField("versionId", Presence::kOptional, 1, std::nullopt)};
  EXPECT_EQ(Check(R"({"versionId":9223372036854775807})", spec), "OK");
  EXPECT_EQ(Check(R"({"versionId":1e20})", spec),
            "Parameter invalid, The versionId value must be less than or equal to "
            "9223372036854775807.");
  EXPECT_EQ(Check(R"({"versionId":-1e20})", spec),
            "Parameter invalid, The versionId value must be greater than or equal to 1.");
  EXPECT_EQ(Check(R"({"versionId":null})", spec), "OK");
}

TEST(Validate, ConstChecks) {
  const FieldSpec spec[] = {ConstField("origin", Presence::kRequired, kOrigins)};
  EXPECT_EQ(Check(R"({"origin":"EH_EXTERNAL_KEY"})", spec), "OK");
  EXPECT_EQ(Check(R"({"origin":"eh_external_key"})", spec),
            "Parameter invalid, The origin type is incorrect.");
  EXPECT_EQ(Check(R"({"origin":0})", spec), "Parameter invalid, The origin type is incorrect.");
  EXPECT_EQ(Check(R"({"origin":false})", spec), "Parameter invalid, The origin type is incorrect.");
  EXPECT_EQ(Check(R"({"origin":["EH_EXTERNAL_KEY"]})", spec),
            "Parameter invalid, The origin type is incorrect.");
}

TEST(Validate, UndeclaredFieldsAndEmptySpecPass) {
  EXPECT_EQ(Check(R"({"anything":[1,{"x":null}]})", {}), "OK");
  const FieldSpec spec[] = {StringField("secretName", Presence::kOptional, 1, 64)};
  EXPECT_EQ(Check(R"({"other":5})", spec), "OK");
}

TEST(Getters, ReadValidatedFields) {
  json::object p = Obj(R"({"s":"abc","n":42,"d":16.0,"big":1e30,"t":"16","z":null})");
  EXPECT_EQ(GetString(p, "s"), "abc");
  EXPECT_EQ(GetString(p, "n"), "");
  EXPECT_EQ(GetString(p, "missing"), "");
  EXPECT_EQ(GetInt(p, "n"), 42);
  EXPECT_EQ(GetInt(p, "d"), 16);
  EXPECT_EQ(GetInt(p, "big"), std::nullopt);
  EXPECT_EQ(GetInt(p, "t"), std::nullopt);
  EXPECT_EQ(GetInt(p, "z"), std::nullopt);
  EXPECT_EQ(GetInt(p, "missing"), std::nullopt);
}

}  // namespace
}  // namespace kms::api
