// What the integration client signs, against expectations that do not come from kms_protocol:
// the canonical strings of test/vectors/canonical/canonical_vectors.json (computed by the
// reference JavaScript, gen_canonical_vectors.js) and the signatures of the API contract.
// The client, the SDK and the server all sign with kms_protocol, so without these a
// canonicaliser bug would be agreed on by every party and pass every integration test.

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <fstream>
#include <sstream>
#include <string>

#include "ehsm_client.h"
#include "protocol/json_parse.h"

namespace kms::testing {
namespace {
namespace json = boost::json;

constexpr char kAppid[] = "7a3c2b1e-0f4d-4e8a-9b6c-5d2e1f0a3b4c";
constexpr char kApikey[] = "Nb3kqhJ4sTcv7WmE9xPzQ2fRyL8aUdG6";
constexpr char kTimestamp[] = "1700000000000";

// No request is sent: the transport connects on first use only.
EhsmClient OfflineClient() { return EhsmClient(1); }

CallOptions Fixed(std::string nonce) {
  CallOptions o;
  o.nonce = std::move(nonce);
  o.timestamp = kTimestamp;
  return o;
}

json::array ReferenceCases() {
  std::ifstream in(KMS_TEST_DATA_DIR "/canonical/canonical_vectors.json");
  std::stringstream buf;
  buf << in.rdbuf();
  return json::parse(buf.str()).at("cases").as_array();
}

// The signed envelope of the contract: its four keys sorted, the payload canon() inline (an
// object is never skipped, even when its canon() is empty).
std::string Envelope(std::string_view nonce, std::string_view payload_canon) {
  return std::string("appid=") + kAppid + "&nonce=" + std::string(nonce) + "&payload=" +
         std::string(payload_canon) + "&timestamp=" + kTimestamp;
}

TEST(IntegrationClientSigning, PayloadCanonMatchesTheReferenceJavaScript) {
  json::array cases = ReferenceCases();
  ASSERT_GE(cases.size(), 100u) << "missing or short canonical_vectors.json";
  EhsmClient client = OfflineClient();
  Credentials who{kAppid, kApikey};
  for (const json::value& c : cases) {
    std::string_view input = c.at("input").as_string();
    StatusOr<json::value> payload = protocol::ParseJson(input);
    ASSERT_TRUE(payload.ok()) << input;
    for (bool keep : {false, true}) {
      CallOptions o = Fixed("n-1");
      o.keep_empty_values = keep;
      client.SignedBody(who, payload->as_object(), o);
      EXPECT_EQ(client.last_signing_string(),
                Envelope("n-1", c.at(keep ? "keep" : "drop").as_string()))
          << input << (keep ? " (keep)" : " (drop)");
    }
  }
}

TEST(IntegrationClientSigning, SignaturesMatchTheContract) {
  struct Vector {
    const char* payload;
    const char* nonce;
    const char* sign;
  };
  // API contract section 2.4 (also sdk/src/signing_test.cc).
  const Vector vectors[] = {
      {R"({"keyid":"0b9a6f3e-2c1d-4b5a-8e7f-6a5b4c3d2e1f","plaintext":"aGVsbG8gd29ybGQ=","aad":""})",
       "n-0001", "7N7PbHxc9dLMeAaH5EljeCkUHZ5O0OfER1xe9NgeQKU="},
  };
  EhsmClient client = OfflineClient();
  for (const Vector& v : vectors) {
    json::value body = json::parse(
        client.SignedBody({kAppid, kApikey}, json::parse(v.payload).as_object(), Fixed(v.nonce)));
    EXPECT_EQ(body.at("sign").as_string(), v.sign) << v.payload;
  }
}

}  // namespace
}  // namespace kms::testing
