#include "request_signer.h"

#include <gtest/gtest.h>

#include <set>
#include <stdexcept>

#include "protocol/canonical.h"
#include "protocol/json_parse.h"
#include "protocol/request_sign.h"

namespace kms::bench {
namespace {

constexpr std::string_view kApikey = "0123456789ABCDEFGHJKLMNPQRSTUVWX";

TEST(RequestSigner, BodyIsValidJsonAndItsSignatureVerifiesWithTheServerCanonicaliser) {
  RequestSigner signer("d6b8b4e2-5f7c-4c8e-9d1a-3b2f9a7c6e51", kApikey, "ab-");
  std::vector<Field> fields = {{"plaintext", "aGVsbG8="}, {"keylen", "32", true},
                               {"keyid", "5e1f3c2a-0b7d-4e9f-8a6c-1d2e3f4a5b6c"}};
  std::string body = signer.Body(fields, 1700000000123);

  auto parsed = protocol::ParseJson(body);
  ASSERT_TRUE(parsed.ok()) << body;
  const boost::json::object& o = parsed->as_object();
  EXPECT_EQ(o.at("timestamp").as_string(), "1700000000123");
  EXPECT_EQ(o.at("payload").as_object().at("keylen").as_int64(), 32);
  std::string server_string = protocol::SigningString(o, protocol::EmptyValues::kDrop);
  EXPECT_EQ(server_string, signer.last_signing_string());
  // Keys sorted whatever the field order, the number printed as JavaScript prints it.
  EXPECT_EQ(signer.last_signing_string(),
            "appid=d6b8b4e2-5f7c-4c8e-9d1a-3b2f9a7c6e51&nonce=ab-1&payload=keyid=5e1f3c2a-0b7d-"
            "4e9f-8a6c-1d2e3f4a5b6c&keylen=32&plaintext=aGVsbG8=&timestamp=1700000000123");
  EXPECT_TRUE(protocol::RequestSignMatches(kApikey, server_string,
                                      std::string(o.at("sign").as_string())));
}

TEST(RequestSigner, NoncesNeverRepeatAndSignaturesDiffer) {
  RequestSigner signer("app", kApikey, "p-");
  std::vector<Field> fields = {{"keyid", "k"}};
  std::set<std::string> nonces, signs;
  for (int i = 0; i < 1000; ++i) {
    auto o = protocol::ParseJson(signer.Body(fields, 1700000000000));
    ASSERT_TRUE(o.ok());
    nonces.insert(std::string(o->as_object().at("nonce").as_string()));
    signs.insert(std::string(o->as_object().at("sign").as_string()));
  }
  EXPECT_EQ(nonces.size(), 1000u);
  EXPECT_EQ(signs.size(), 1000u);
}

TEST(RequestSigner, LooselyEmptyValuesAreLeftOutOfTheSignedStringAsTheServerDoes) {
  RequestSigner signer("app", kApikey, "p-");
  std::vector<Field> fields = {{"aad", ""}, {"keyid", "k"}, {"n", "0", true}};
  auto o = protocol::ParseJson(signer.Body(fields, 1700000000000));
  ASSERT_TRUE(o.ok());
  EXPECT_EQ(protocol::SigningString(o->as_object(), protocol::EmptyValues::kDrop),
            signer.last_signing_string());
  EXPECT_EQ(signer.last_signing_string(),
            "appid=app&nonce=p-1&payload=keyid=k&timestamp=1700000000000");
}

TEST(RequestSigner, NumberFieldsMustBeIntegers) {
  RequestSigner signer("app", kApikey, "p-");
  std::vector<Field> fields = {{"keylen", "3x", true}};
  EXPECT_THROW(signer.Body(fields, 1700000000000), std::invalid_argument);
}

}  // namespace
}  // namespace kms::bench
