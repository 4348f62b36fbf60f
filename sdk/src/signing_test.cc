#include "kms/signing.h"

#include <gtest/gtest.h>

#include <set>

#include <boost/json.hpp>

namespace kms::client {
namespace {
namespace json = boost::json;

constexpr char kAppid[] = "7a3c2b1e-0f4d-4e8a-9b6c-5d2e1f0a3b4c";
constexpr char kApikey[] = "Nb3kqhJ4sTcv7WmE9xPzQ2fRyL8aUdG6";
constexpr int64_t kTimestamp = 1700000000000;

struct Vector {
  const char* name;
  const char* payload;  // JSON or nullptr
  const char* nonce;
  const char* canonical;
  const char* sign;
};

// The signing vectors of the API contract (section 2.4).
const Vector kVectors[] = {
    {"CreateKey",
     R"({"keyspec":"EH_AES_GCM_256","origin":"EH_INTERNAL_KEY","keyusage":"EH_KEYUSAGE_ENCRYPT_DECRYPT"})",
     "",
     "appid=7a3c2b1e-0f4d-4e8a-9b6c-5d2e1f0a3b4c&payload=keyspec=EH_AES_GCM_256&keyusage=EH_"
     "KEYUSAGE_ENCRYPT_DECRYPT&origin=EH_INTERNAL_KEY&timestamp=1700000000000",
     "ci6ZjhBRHB4ACmx9Rjs3PZuaR4ntFhCA99ZBlLYio3U="},
    {"EncryptWithNonceAndEmptyAad",
     R"({"keyid":"0b9a6f3e-2c1d-4b5a-8e7f-6a5b4c3d2e1f","plaintext":"aGVsbG8gd29ybGQ=","aad":""})",
     "n-0001",
     "appid=7a3c2b1e-0f4d-4e8a-9b6c-5d2e1f0a3b4c&nonce=n-0001&payload=keyid=0b9a6f3e-2c1d-4b5a-"
     "8e7f-6a5b4c3d2e1f&plaintext=aGVsbG8gd29ybGQ=&timestamp=1700000000000",
     "7N7PbHxc9dLMeAaH5EljeCkUHZ5O0OfER1xe9NgeQKU="},
    {"NoPayload", nullptr, "",
     "appid=7a3c2b1e-0f4d-4e8a-9b6c-5d2e1f0a3b4c&timestamp=1700000000000",
     "xRwuFQ0o3Chu3iZmWuIpCCb+4F2SQR4xvjNs94s8fJY="},
    {"IntegerField", R"({"keylen":32,"keyid":"0b9a6f3e-2c1d-4b5a-8e7f-6a5b4c3d2e1f"})", "",
     "appid=7a3c2b1e-0f4d-4e8a-9b6c-5d2e1f0a3b4c&payload=keyid=0b9a6f3e-2c1d-4b5a-8e7f-"
     "6a5b4c3d2e1f&keylen=32&timestamp=1700000000000",
     "ybUT9yQb0HONDsE2NV+Yt5zGCGq1dSEUyYkgWIiAmHw="},
};

class SigningVectors : public ::testing::TestWithParam<Vector> {};

TEST_P(SigningVectors, SignBodyMatchesTheContract) {
  const Vector& v = GetParam();
  json::object body;
  if (v.payload != nullptr) body["payload"] = json::parse(v.payload);
  SignBody(body, kAppid, kApikey, kTimestamp, v.nonce);

  json::object signed_fields;
  for (const char* k : {"appid", "nonce", "payload", "timestamp"}) {
    if (body.contains(k)) signed_fields[k] = body[k];
  }
  EXPECT_EQ(Canonicalize(signed_fields), v.canonical);
  EXPECT_EQ(body["sign"].as_string(), v.sign);
  EXPECT_EQ(SignCanonical(kApikey, v.canonical), v.sign);
  EXPECT_EQ(body["timestamp"].as_string(), "1700000000000");
  EXPECT_EQ(body["timestamp"].as_string().size(), 13u);
}

INSTANTIATE_TEST_SUITE_P(Contract, SigningVectors, ::testing::ValuesIn(kVectors),
                         [](const auto& test_info) { return std::string(test_info.param.name); });

TEST(Canonicalize, JavaScriptEdgeCases) {
  // Checked against the server's JavaScript canonicaliser (contract section 2.3).
  auto v = json::parse(R"({"a":"","b":0,"c":false,"d":null,"e":[],"f":[0],"g":{},"h":true,
      "i":1.5,"j":"0","k":" ","l":[null],"m":["x","y"],"n":{"z":1,"y":{"q":""}},"o":-0.0,
      "p":1e21,"q":[[]],"r":"a&b=c","s":10,"t":2})");
  EXPECT_EQ(Canonicalize(v), "f=&g=&h=true&i=1.5&j=0&k= &m=0=x&1=y&n=y=&z=1&p=1e+21&r=a&b=c&s=10&t=2");
}

TEST(Canonicalize, ArrayIndicesSortAsStrings) {
  json::array a;
  for (int i = 0; i < 12; ++i) a.push_back(i + 1);
  json::object o;
  o["a"] = a;
  // JavaScript sorts "10" and "11" before "2".
  EXPECT_EQ(Canonicalize(o), "a=0=1&1=2&10=11&11=12&2=3&3=4&4=5&5=6&6=7&7=8&8=9&9=10");
}

TEST(Canonicalize, KeysSortByUtf16CodeUnits) {
  // U+1F600 is a surrogate pair (0xD83D..) and sorts before U+FF01 in UTF-16, after it in UTF-8.
  auto v = json::parse("{\"\xEF\xBC\x81\":\"1\",\"\xF0\x9F\x98\x80\":\"2\",\"B\":\"3\",\"_\":\"4\","
                       "\"a\":\"5\"}");
  EXPECT_EQ(Canonicalize(v), "B=3&_=4&a=5&\xF0\x9F\x98\x80=2&\xEF\xBC\x81=1");
}

TEST(Canonicalize, NumbersUseJavaScriptFormatting) {
  auto v = json::parse(R"({"a":1e-7,"b":0.000001,"c":123456789012,"d":-2.5,"e":1.5e300,
      "f":100,"g":-7})");
  EXPECT_EQ(Canonicalize(v), "a=1e-7&b=0.000001&c=123456789012&d=-2.5&e=1.5e+300&f=100&g=-7");
}

TEST(Canonicalize, ScalarsAreTheirJavaScriptString) {
  EXPECT_EQ(Canonicalize(json::value(nullptr)), "null");
  EXPECT_EQ(Canonicalize(json::value(false)), "false");
  EXPECT_EQ(Canonicalize(json::value(true)), "true");
  EXPECT_EQ(Canonicalize(json::value(0)), "0");
  EXPECT_EQ(Canonicalize(json::value(-0.0)), "0");
  EXPECT_EQ(Canonicalize(json::value(1e21)), "1e+21");
  EXPECT_EQ(Canonicalize(json::value("")), "");
  EXPECT_EQ(Canonicalize(json::value("a&b")), "a&b");
  EXPECT_EQ(Canonicalize(json::parse(R"([0,"x",null])")), "1=x");
}

TEST(SignBody, ReplacesAnOldSignatureAndIgnoresExtraFields) {
  json::object body;
  body["payload"] = json::parse(R"({"keylen":32,"keyid":"0b9a6f3e-2c1d-4b5a-8e7f-6a5b4c3d2e1f"})");
  body["sign"] = "stale";
  body["extra"] = "not signed";
  SignBody(body, kAppid, kApikey, kTimestamp, "");
  EXPECT_EQ(body["sign"].as_string(), "ybUT9yQb0HONDsE2NV+Yt5zGCGq1dSEUyYkgWIiAmHw=");
}

TEST(NewNonce, IsShortHexAndFresh) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    std::string n = NewNonce();
    EXPECT_EQ(n.size(), 32u);
    EXPECT_EQ(n.find_first_not_of("0123456789abcdef"), std::string::npos);
    seen.insert(n);
  }
  EXPECT_EQ(seen.size(), 100u);
}

}  // namespace
}  // namespace kms::client
