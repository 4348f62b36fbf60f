// The remote-attestation actions in process: payload validation of each (the messages clients
// see), the judgements of api/quote_check.h, and the sim round trip through the handlers.

#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json/serialize.hpp>

#include "api/api_test_env.h"
#include "api/payload_validator.h"
#include "api/quote_check.h"
#include "crypto/hmac.h"

namespace kms::api {
namespace {

using boost::json::object;

constexpr char kHex64[] = "c30446b4be9baf0f69728423ea613ef81a63e72acf7439fa0549001fd5482835";

class QuoteActions : public ::testing::Test {
 protected:
  FakeClock clock_{testing::kStartMs};
  testing::ApiTestEnv<store::testing::ForwardingStore> env_{clock_, ServiceOptions{},
                                                            /*attested=*/true};

  std::string B64(std::string_view s) { return crypto::Base64Encode(AsBytes(s)); }
  void ExpectRefused(ActionHandler h, const object& payload, std::string_view message) {
    Reply r = env_.Run(h, payload);
    EXPECT_EQ(r.code, 400) << boost::json::serialize(payload);
    EXPECT_EQ(r.message, message) << boost::json::serialize(payload);
  }
};

TEST_F(QuoteActions, GenerateQuoteValidatesTheChallenge) {
  ExpectRefused(&GenerateQuote, {}, "Missing required parameters, The challenge cannot be empty.");
  ExpectRefused(&GenerateQuote, {{"challenge", "a b"}},
                "Parameter invalid, The challenge not a vailed base64 string.");
  ExpectRefused(&GenerateQuote, {{"challenge", std::string(4100, 'A')}},
                "Parameter invalid, The challenge length error.");
}

TEST_F(QuoteActions, VerifyQuoteValidatesQuoteNonceAndPolicyId) {
  const std::string quote = B64("q");
  ExpectRefused(&VerifyQuote, {{"nonce", B64("n")}},
                "Missing required parameters, The quote cannot be empty.");
  ExpectRefused(&VerifyQuote, {{"quote", quote}},
                "Missing required parameters, The nonce cannot be empty.");
  ExpectRefused(&VerifyQuote, {{"quote", std::string(10928, 'A')}, {"nonce", B64("n")}},
                "Parameter invalid, The quote length error.");
  ExpectRefused(&VerifyQuote, {{"quote", quote}, {"nonce", B64("n")}, {"policyId", "x"}},
                "Parameter invalid, The policyId length error.");
  ExpectRefused(
      &VerifyQuote,
      {{"quote", quote}, {"nonce", B64("n")}, {"policyId", "0f5b6a7c-1d2e-4f30-8a41-b2c3d4e5f607"}},
      "Invalid  policyId.");
}

TEST_F(QuoteActions, UploadQuotePolicyWantsSixtyFourHexDigits) {
  ExpectRefused(&UploadQuotePolicy, {{"mr_signer", kHex64}},
                "Missing required parameters, The mr_enclave cannot be empty.");
  ExpectRefused(&UploadQuotePolicy, {{"mr_enclave", std::string(63, 'a')}, {"mr_signer", kHex64}},
                "Parameter invalid, The mr_enclave length error.");
  ExpectRefused(&UploadQuotePolicy, {{"mr_enclave", kHex64}, {"mr_signer", std::string(65, 'a')}},
                "Parameter invalid, The mr_signer length error.");
  ExpectRefused(&UploadQuotePolicy,
                {{"mr_enclave", std::string(63, 'a') + "z"}, {"mr_signer", kHex64}},
                "Parameter invalid, The mr_enclave format wrong.");
  Reply ok = env_.Run(&UploadQuotePolicy, {{"mr_enclave", kHex64}, {"mr_signer", kHex64}});
  EXPECT_EQ(ok.code, 200) << ok.message;
  EXPECT_TRUE(
      MatchesUuid(testing::ApiTestEnv<store::testing::ForwardingStore>::Field(ok, "policyId")));
}

TEST_F(QuoteActions, GetQuotePolicyOfUnknownIdIs400) {
  ExpectRefused(&GetQuotePolicy, {}, "Missing required parameters, The policyId cannot be empty.");
  ExpectRefused(&GetQuotePolicy, {{"policyId", "0f5b6a7c-1d2e-4f30-8a41-b2c3d4e5f607"}},
                "Invalid  policyId.");
}

TEST_F(QuoteActions, RoundTripThroughTheHandlers) {
  Reply q = env_.Run(&GenerateQuote, {{"challenge", B64("c")}});
  ASSERT_EQ(q.code, 200) << q.message;
  std::string quote = testing::ApiTestEnv<store::testing::ForwardingStore>::Field(q, "quote");
  Reply v = env_.Run(&VerifyQuote, {{"quote", quote}, {"nonce", B64("n")}});
  ASSERT_EQ(v.code, 200) << v.message;
  EXPECT_EQ(v.result.at("result"), true) << boost::json::serialize(v.result);
  EXPECT_EQ(v.result.at("qv_result"), 0);
}

TEST(QuoteCheck, ChallengeReportDataIsSha256OfTheTextThenZeros) {
  auto rd = ChallengeReportData("Y2hhbGxlbmdl");
  ASSERT_TRUE(rd.ok());
  ASSERT_EQ(rd->size(), 64u);
  auto digest = crypto::Sha256(AsBytes(std::string_view("Y2hhbGxlbmdl")));
  EXPECT_TRUE(std::equal(digest->begin(), digest->end(), rd->begin()));
  EXPECT_TRUE(std::all_of(rd->begin() + 32, rd->end(), [](uint8_t b) { return b == 0; }));
}

TEST(QuoteCheck, BrokenQuoteStatusesAreTheSignatureAndBindingFailures) {
  attest::QuoteVerdict v;
  for (const char* s : {"QuoteSignatureInvalid", "QeReportSignatureInvalid", "QeReportDataMismatch",
                        "UnsupportedCertificationData"}) {
    v.status = s;
    EXPECT_TRUE(VerdictMeansBrokenQuote(v)) << s;
  }
  for (const char* s : {"SimulationNotAllowed", "PckChainError", "CollateralExpired", "Revoked",
                        "TcbNotSupported"}) {
    v.status = s;
    EXPECT_FALSE(VerdictMeansBrokenQuote(v)) << s;
  }
  v.verified = true;
  v.status = "QuoteSignatureInvalid";
  EXPECT_FALSE(VerdictMeansBrokenQuote(v));
}

TEST(QuoteCheck, PolicyMismatchNamesTheMeasurementAndIgnoresCase) {
  attest::QuoteIdentity id;
  id.tee = "sim";
  id.mrenclave = *HexDecode(kHex64);
  id.mrsigner = Bytes(32, 0xab);
  store::QuotePolicyRecord p;
  p.mr_enclave = kHex64;
  for (int i = 0; i < 32; ++i) p.mr_signer += "AB";  // upper case, as a tenant may upload
  EXPECT_EQ(PolicyMismatch(id, p), "");
  p.mr_enclave = std::string(64, '0');
  EXPECT_NE(PolicyMismatch(id, p).find("MRENCLAVE"), std::string::npos);
  id.tee = "tdx";
  EXPECT_NE(PolicyMismatch(id, p).find("TDX"), std::string::npos);
}

TEST(QuoteCheck, SigningStringKeepsFalseAndZero) {
  object result{{"result", false}, {"qv_result", 0}, {"nonce", "bg=="}, {"reason", "why"}};
  EXPECT_EQ(VerifyQuoteSigningString(result), "nonce=bg==&qv_result=0&reason=why&result=false");
  object ok{{"result", true}, {"qv_result", 40968}, {"nonce", "bg=="}};
  EXPECT_EQ(VerifyQuoteSigningString(ok), "nonce=bg==&qv_result=40968&result=true");
}

}  // namespace
}  // namespace kms::api
