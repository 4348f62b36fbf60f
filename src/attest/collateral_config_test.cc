// The collateral settings: which source they give, and refusals at start.

#include "attest/collateral_config.h"

#include <gtest/gtest.h>

#include <chrono>

#include "attest/dcap_test_util.h"
#include "attest/pccs_client.h"
#include "crypto/test_util.h"

namespace kms::attest {
namespace {
using namespace kms::attest::testing;

TEST(CollateralConfig, NoneConfiguredGivesNull) {
  auto s = MakeCollateralSource(CollateralConfig{}, "test");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(*s, nullptr);
  EXPECT_EQ(CollateralSummary(CollateralConfig{}), "pccs_url=- collateral_dir=-");
}

TEST(CollateralConfig, ADirectoryVerifiesTheVectors) {
  crypto::testing::TempDir tmp;
  tmp.Write("sgx-00a067110000.json", AsBytes(ReadVector("sgx_quote_collateral.json")));
  CollateralConfig c;
  c.collateral_dir = tmp.path("");
  auto s = MakeCollateralSource(c, "test");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_NE(*s, nullptr);
  auto verifier = DcapQuoteVerifier::New(std::shared_ptr<CollateralSource>(std::move(s).value()));
  ASSERT_TRUE(verifier.ok());
  auto v = (*verifier)->Verify(QuoteBytes("sgx_quote"),
                               std::chrono::system_clock::time_point(std::chrono::seconds(kSgx.at)));
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->qv_result, 0xA008u) << v->error;
}

TEST(CollateralConfig, AnUnreadableDirectoryFailsTheStart) {
  CollateralConfig c;
  c.collateral_dir = "/nonexistent/collateral";
  auto s = MakeCollateralSource(c, "test");
  ASSERT_EQ(s.status().code(), Code::kNotFound);
  EXPECT_NE(s.status().message().find("/nonexistent/collateral"), std::string::npos);
}

TEST(CollateralConfig, APccsUrlGivesAPccsClient) {
  CollateralConfig c;
  c.pccs_url = "https://pccs.example:8081/sgx/certification/v4/";
  auto s = MakeCollateralSource(c, "test");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  auto* client = dynamic_cast<PccsClient*>(s->get());
  ASSERT_NE(client, nullptr);
  EXPECT_EQ(client->base_url(), "https://pccs.example:8081");
  c.pccs_url = "pccs.example:8081";
  EXPECT_EQ(MakeCollateralSource(c, "test").status().code(), Code::kInvalidArgument);
}

TEST(CollateralConfig, ChecksRefuseContradictions) {
  CollateralConfig c;
  c.pccs_url = "https://pccs:8081";
  c.collateral_dir = "/srv/collateral";
  EXPECT_EQ(CheckCollateral(c).code(), Code::kInvalidArgument);
  c = CollateralConfig();
  c.pccs_ca_file = "/etc/ca.pem";
  EXPECT_EQ(CheckCollateral(c).code(), Code::kInvalidArgument);
  c = CollateralConfig();
  c.pccs_insecure = true;
  EXPECT_EQ(CheckCollateral(c).code(), Code::kInvalidArgument);
  c.pccs_url = "https://pccs:8081";
  c.pccs_ca_file = "/etc/ca.pem";
  EXPECT_TRUE(CheckCollateral(c).ok());
  EXPECT_EQ(CollateralSummary(c), "pccs_url=https://pccs:8081 pccs_insecure=true collateral_dir=-");
}

}  // namespace
}  // namespace kms::attest
