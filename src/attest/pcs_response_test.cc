// PCS response bodies: the signed object is cut out byte for byte, never re-serialised.

#include "attest/pcs_response.h"

#include <gtest/gtest.h>

#include "attest/dcap_test_util.h"

namespace kms::attest {
namespace {
using namespace kms::attest::testing;

TEST(PcsResponse, RoundTripsTheVectorTextsExactly) {
  for (const char* name : {"sgx_quote", "tdx_quote", "tdx_quote_outdated"}) {
    Collateral c = LoadCollateral(name);
    std::string body = PcsSignedJsonBody("tcbInfo", c.tcb_info, c.tcb_info_signature);
    EXPECT_EQ(body.rfind("{\"tcbInfo\":{", 0), 0u);
    auto parsed = ParsePcsSignedJson(body, "tcbInfo");
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    EXPECT_EQ(parsed->text, c.tcb_info) << name;
    EXPECT_EQ(parsed->signature, c.tcb_info_signature);
    auto qe = ParsePcsSignedJson(
        PcsSignedJsonBody("enclaveIdentity", c.qe_identity, c.qe_identity_signature),
        "enclaveIdentity");
    ASSERT_TRUE(qe.ok()) << qe.status().ToString();
    EXPECT_EQ(qe->text, c.qe_identity);
  }
}

TEST(PcsResponse, KeepsWhitespaceAndOrderOfTheSignedObject) {
  const std::string inner = "{ \"b\" : [1, {\"}\":\"{\"}], \"a\":\"x\\\"}\" }";
  std::string body = "{\"signature\":\"" + std::string(128, 'a') + "\",\n \"tcbInfo\" : " +
                     inner + " }";
  auto parsed = ParsePcsSignedJson(body, "tcbInfo");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->text, inner);
}

TEST(PcsResponse, ADecoyInsideAStringIsNotTheMember) {
  std::string sig(128, '0');
  std::string body = "{\"note\":\"\\\"tcbInfo\\\":{}\",\"tcbInfo\":{\"x\":1},\"signature\":\"" +
                     sig + "\"}";
  auto parsed = ParsePcsSignedJson(body, "tcbInfo");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->text, "{\"x\":1}");
}

TEST(PcsResponse, RefusesMalformedBodies) {
  std::string sig = "\"signature\":\"" + std::string(128, '0') + "\"";
  for (const std::string& body : std::vector<std::string>{std::string("not json"), std::string("[]"),
                           "{" + sig + "}",                                  // no tcbInfo
                           "{\"tcbInfo\":{}}",                               // no signature
                           "{\"tcbInfo\":\"text\"," + sig + "}",             // not an object
                           "{\"tcbInfo\":{},\"signature\":\"abcd\"}",       // short signature
                           "{\"tcbInfo\":{\"a\":1},\"tcbInfo\":{\"a\":2}," + sig + "}",  // twice
                           std::string(kMaxCollateralJsonSize + 1, ' ')}) {
    auto parsed = ParsePcsSignedJson(body, "tcbInfo");
    EXPECT_EQ(parsed.status().code(), Code::kInvalidArgument) << body.substr(0, 80);
  }
}

}  // namespace
}  // namespace kms::attest
