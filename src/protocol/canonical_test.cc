#include "protocol/canonical.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <fstream>
#include <sstream>
#include <string>

#include "protocol/json_parse.h"
#include "protocol/request_sign.h"

namespace kms::protocol {
namespace {

namespace json = boost::json;

constexpr char kApikey[] = "Nb3kqhJ4sTcv7WmE9xPzQ2fRyL8aUdG6";
constexpr char kAppid[] = "7a3c2b1e-0f4d-4e8a-9b6c-5d2e1f0a3b4c";

json::object Obj(std::string_view text) {
  auto v = ParseJson(text);
  EXPECT_TRUE(v.ok()) << text;
  return v.ok() ? v->as_object() : json::object();
}

std::string Canon(std::string_view text, EmptyValues mode = EmptyValues::kDrop) {
  return Canonicalize(Obj(text), mode);
}

struct SignVector {
  const char* body;
  const char* canonical;
  const char* sign;
};

// The signed examples of the protocol description (appid, apikey and timestamp shared).
const SignVector kSignVectors[] = {
    {R"({"appid":"7a3c2b1e-0f4d-4e8a-9b6c-5d2e1f0a3b4c","timestamp":"1700000000000",
         "payload":{"keyspec":"EH_AES_GCM_256","origin":"EH_INTERNAL_KEY",
                    "keyusage":"EH_KEYUSAGE_ENCRYPT_DECRYPT"}})",
     "appid=7a3c2b1e-0f4d-4e8a-9b6c-5d2e1f0a3b4c&payload=keyspec=EH_AES_GCM_256&keyusage="
     "EH_KEYUSAGE_ENCRYPT_DECRYPT&origin=EH_INTERNAL_KEY&timestamp=1700000000000",
     "ci6ZjhBRHB4ACmx9Rjs3PZuaR4ntFhCA99ZBlLYio3U="},
    {R"({"appid":"7a3c2b1e-0f4d-4e8a-9b6c-5d2e1f0a3b4c","timestamp":"1700000000000",
         "nonce":"n-0001","payload":{"keyid":"0b9a6f3e-2c1d-4b5a-8e7f-6a5b4c3d2e1f",
                                     "plaintext":"aGVsbG8gd29ybGQ=","aad":""}})",
     "appid=7a3c2b1e-0f4d-4e8a-9b6c-5d2e1f0a3b4c&nonce=n-0001&payload=keyid=0b9a6f3e-2c1d-4b5a-"
     "8e7f-6a5b4c3d2e1f&plaintext=aGVsbG8gd29ybGQ=&timestamp=1700000000000",
     "7N7PbHxc9dLMeAaH5EljeCkUHZ5O0OfER1xe9NgeQKU="},
    {R"({"appid":"7a3c2b1e-0f4d-4e8a-9b6c-5d2e1f0a3b4c","timestamp":"1700000000000"})",
     "appid=7a3c2b1e-0f4d-4e8a-9b6c-5d2e1f0a3b4c&timestamp=1700000000000",
     "xRwuFQ0o3Chu3iZmWuIpCCb+4F2SQR4xvjNs94s8fJY="},
    {R"({"appid":"7a3c2b1e-0f4d-4e8a-9b6c-5d2e1f0a3b4c","timestamp":"1700000000000",
         "payload":{"keylen":32,"keyid":"0b9a6f3e-2c1d-4b5a-8e7f-6a5b4c3d2e1f"}})",
     "appid=7a3c2b1e-0f4d-4e8a-9b6c-5d2e1f0a3b4c&payload=keyid=0b9a6f3e-2c1d-4b5a-8e7f-"
     "6a5b4c3d2e1f&keylen=32&timestamp=1700000000000",
     "ybUT9yQb0HONDsE2NV+Yt5zGCGq1dSEUyYkgWIiAmHw="},
};

TEST(SigningString, ProtocolVectors) {
  for (const SignVector& v : kSignVectors) {
    json::object body = Obj(v.body);
    body["sign"] = v.sign;      // never signed
    body["extra"] = "ignored";  // never signed
    std::string canonical = SigningString(body, EmptyValues::kDrop);
    EXPECT_EQ(canonical, v.canonical);
    auto sign = ComputeRequestSign(kApikey, canonical);
    ASSERT_TRUE(sign.ok());
    EXPECT_EQ(*sign, v.sign);
    EXPECT_TRUE(RequestSignMatches(kApikey, canonical, v.sign));
  }
}

TEST(RequestSignKey, SignsAsComputeRequestSignUnderItsOwnKeyOnly) {
  auto key = RequestSignKey::New(kApikey);
  ASSERT_TRUE(key.ok());
  for (const SignVector& v : kSignVectors) {
    auto sign = (*key)->Sign(v.canonical);
    ASSERT_TRUE(sign.ok());
    EXPECT_EQ(*sign, v.sign);
  }
  auto other = RequestSignKey::New("Nb3kqhJ4sTcv7WmE9xPzQ2fRyL8aUdG7");
  ASSERT_TRUE(other.ok());
  EXPECT_NE(*(*other)->Sign(kSignVectors[0].canonical), kSignVectors[0].sign);
}

TEST(SigningString, KeepModeDiffersOnlyByEmptyStrings) {
  json::object body = Obj(kSignVectors[1].body);
  EXPECT_EQ(SigningString(body, EmptyValues::kKeep),
            "appid=7a3c2b1e-0f4d-4e8a-9b6c-5d2e1f0a3b4c&nonce=n-0001&payload=aad=&keyid=0b9a6f3e-"
            "2c1d-4b5a-8e7f-6a5b4c3d2e1f&plaintext=aGVsbG8gd29ybGQ=&timestamp=1700000000000");
  json::object no_empty = Obj(kSignVectors[0].body);
  EXPECT_EQ(SigningString(no_empty, EmptyValues::kKeep),
            SigningString(no_empty, EmptyValues::kDrop));
}

TEST(SigningString, WrongSignsDoNotMatch) {
  const SignVector& v = kSignVectors[0];
  std::string upper = v.sign;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_FALSE(RequestSignMatches(kApikey, v.canonical, upper));
  EXPECT_FALSE(RequestSignMatches(kApikey, v.canonical, ""));
  EXPECT_FALSE(RequestSignMatches("Nb3kqhJ4sTcv7WmE9xPzQ2fRyL8aUdG7", v.canonical, v.sign));
  EXPECT_FALSE(RequestSignMatches(kApikey, std::string(v.canonical) + "&", v.sign));
}

TEST(SigningString, AbsentAndEmptyFields) {
  EXPECT_EQ(SigningString(json::object(), EmptyValues::kDrop), "");
  EXPECT_EQ(SigningString(Obj(R"({"appid":"a","timestamp":"1","payload":{}})"), EmptyValues::kDrop),
            "appid=a&payload=&timestamp=1");
  EXPECT_EQ(SigningString(Obj(R"({"appid":"a","timestamp":"1","nonce":"","payload":null})"),
                          EmptyValues::kDrop),
            "appid=a&timestamp=1");
  EXPECT_EQ(SigningString(Obj(R"({"appid":"a","timestamp":"1","nonce":"","payload":null})"),
                          EmptyValues::kKeep),
            "appid=a&nonce=&timestamp=1");
  EXPECT_EQ(SigningString(Obj(R"({"appid":"a","timestamp":"1","nonce":0})"), EmptyValues::kDrop),
            "appid=a&timestamp=1");
  EXPECT_EQ(SigningString(Obj(R"({"appid":"a","timestamp":"1","nonce":123})"), EmptyValues::kDrop),
            "appid=a&nonce=123&timestamp=1");
}

TEST(Canonicalize, SpecEdgeCase) {
  const char* input =
      R"({"a":"","b":0,"c":false,"d":null,"e":[],"f":[0],"g":{},"h":true,"i":1.5,"j":"0",
          "k":" ","l":[null],"m":["x","y"],"n":{"z":1,"y":{"q":""}},"o":-0,"p":1e21,
          "q":[[]],"r":"a&b=c","s":10,"t":2})";
  EXPECT_EQ(Canon(input), "f=&g=&h=true&i=1.5&j=0&k= &m=0=x&1=y&n=y=&z=1&p=1e+21&r=a&b=c&s=10&t=2");
  EXPECT_EQ(Canon(input, EmptyValues::kKeep),
            "a=&f=&g=&h=true&i=1.5&j=0&k= &m=0=x&1=y&n=y=q=&z=1&p=1e+21&r=a&b=c&s=10&t=2");
}

TEST(Canonicalize, NegativeZeroDoubleIsSkipped) {
  json::object obj;
  obj["z"] = -0.0;
  obj["y"] = 0.0;
  obj["x"] = 0;
  obj["w"] = json::value(static_cast<uint64_t>(0));
  obj["v"] = 1;
  EXPECT_EQ(Canonicalize(obj), "v=1");
}

TEST(Canonicalize, LooselyEmptyArrays) {
  EXPECT_EQ(Canon(R"({"a":[],"b":[null],"c":[""],"d":[[]],"e":[[null]],"f":[[[""]]]})"), "");
  // Two elements always print a comma, so these are kept even if every element is skipped.
  EXPECT_EQ(Canon(R"({"a":[null,null],"b":[[],[]],"c":["",""]})"), "a=&b=&c=");
  EXPECT_EQ(Canon(R"({"a":[false],"b":[0],"c":[{}],"d":[" "]})"), "a=&b=&c=0=&d=0= ");
  EXPECT_EQ(Canon(R"({"c":[""]})", EmptyValues::kKeep), "");
  EXPECT_EQ(Canon(R"({"c":["",""]})", EmptyValues::kKeep), "c=0=&1=");
}

TEST(Canonicalize, ArrayIndicesSortAsStrings) {
  EXPECT_EQ(Canon(R"({"a":[1,2,3,4,5,6,7,8,9,10,11,12]})"),
            "a=0=1&1=2&10=11&11=12&2=3&3=4&4=5&5=6&6=7&7=8&8=9&9=10");
}

TEST(Canonicalize, NumberFormatting) {
  EXPECT_EQ(Canon(R"({"a":16,"b":-1,"c":1.5,"d":1e21,"e":-1e-7,"f":1e-6,"g":32.0,"h":1e20})"),
            "a=16&b=-1&c=1.5&d=1e+21&e=-1e-7&f=0.000001&g=32&h=100000000000000000000");
  EXPECT_EQ(Canon(R"({"a":9007199254740993,"b":18446744073709551615,"c":-9223372036854775808})"),
            "a=9007199254740992&b=18446744073709552000&c=-9223372036854776000");
  EXPECT_EQ(Canon(R"({"a":1e400,"b":-1e400,"c":123456789012345678901234567890})"),
            "a=Infinity&b=-Infinity&c=1.2345678901234568e+29");
  EXPECT_EQ(Canon(R"({"a":4.963728e-18,"b":0.30000000000000004,"c":true,"d":false})"),
            "a=4.963728e-18&b=0.30000000000000004&c=true");
}

TEST(Canonicalize, UnicodeKeysSortByUtf16CodeUnits) {
  // U+E000 and U+FFFF sort after U+1F600 (surrogates D83D DE00) in UTF-16 order, although
  // they come first in code point / UTF-8 byte order.
  EXPECT_EQ(Canon("{\"\xEE\x80\x80\":1,\"\xF0\x9F\x98\x80\":2,\"\xEF\xBF\xBF\":3,"
                  "\"\xC3\xA9\":4,\"z\":5,\"\":6}"),
            "=6&z=5&\xC3\xA9=4&\xF0\x9F\x98\x80=2&\xEE\x80\x80=1&\xEF\xBF\xBF=3");
  EXPECT_EQ(Canon(R"({"b":1,"B":2,"_":3,"a":4,"Z":5})"), "B=2&Z=5&_=3&a=4&b=1");
}

TEST(Canonicalize, NoEscapingAndNestedFlattening) {
  EXPECT_EQ(Canon(R"({"a":"1&b=2"})"), Canon(R"({"a":"1","b":"2"})"));
  EXPECT_EQ(Canon(R"({"p":{"x":{"y":{"z":"deep"}},"k":"v=&"}})"), "p=k=v=&&x=y=z=deep");
}

TEST(CanonicalText, IsWhatFollowsTheKey) {
  auto text = [](std::string_view v, EmptyValues mode = EmptyValues::kDrop) {
    return CanonicalText(*ParseJson(v), mode);
  };
  EXPECT_EQ(text(R"("n-1")"), "n-1");
  EXPECT_EQ(text("123"), "123");
  EXPECT_EQ(text("1.5e300"), "1.5e+300");
  EXPECT_EQ(text("true"), "true");
  EXPECT_EQ(text(R"({"b":1,"a":""})"), "b=1");
  EXPECT_EQ(text(R"({"b":1,"a":""})", EmptyValues::kKeep), "a=&b=1");
  EXPECT_EQ(text("[\"x\",\"y\"]"), "0=x&1=y");
  for (const char* skipped : {"null", "\"\"", "0", "-0", "false", "[]", "[null]"}) {
    EXPECT_EQ(text(skipped), "") << skipped;
  }
  EXPECT_EQ(text("{}"), "");
}

// Differential vectors: random JSON texts canonicalised by the reference JavaScript function
// (test/vectors/canonical/gen_canonical_vectors.js).
TEST(Canonicalize, MatchesJavaScriptReferenceOnRandomInputs) {
  std::ifstream in(KMS_TEST_DATA_DIR "/canonical/canonical_vectors.json");
  ASSERT_TRUE(in) << "missing canonical_vectors.json";
  std::stringstream buf;
  buf << in.rdbuf();
  json::value file = json::parse(buf.str());
  const json::array& cases = file.at("cases").as_array();
  ASSERT_GE(cases.size(), 100u);
  for (const json::value& c : cases) {
    std::string_view input = c.at("input").as_string();
    auto parsed = ParseJson(input);
    ASSERT_TRUE(parsed.ok()) << input;
    const json::object& obj = parsed->as_object();
    EXPECT_EQ(Canonicalize(obj, EmptyValues::kDrop), std::string_view(c.at("drop").as_string()))
        << input;
    EXPECT_EQ(Canonicalize(obj, EmptyValues::kKeep), std::string_view(c.at("keep").as_string()))
        << input;
  }
}

}  // namespace
}  // namespace kms::protocol
