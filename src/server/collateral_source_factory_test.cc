// MakeCollateralSource: which source the configuration gives, and refusals at start.

#include "server/collateral_source_factory.h"

#include <gtest/gtest.h>

#include <chrono>

#include "attest/dcap_test_util.h"
#include "attest/pccs_client.h"
#include "crypto/test_util.h"

namespace kms::server {
namespace {
using namespace kms::attest::testing;

TEST(CollateralSourceFactory, NoneConfiguredGivesNull) {
  auto s = MakeCollateralSource(KmsConfig{});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(*s, nullptr);
}

TEST(CollateralSourceFactory, ADirectoryVerifiesTheVectors) {
  crypto::testing::TempDir tmp;
  tmp.Write("sgx-00a067110000.json", AsBytes(ReadVector("sgx_quote_collateral.json")));
  KmsConfig c;
  c.collateral_dir = tmp.path("");
  auto s = MakeCollateralSource(c);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_NE(*s, nullptr);
  auto verifier = attest::DcapQuoteVerifier::New(std::shared_ptr<attest::CollateralSource>(
      std::move(s).value()));
  ASSERT_TRUE(verifier.ok());
  auto v = (*verifier)->Verify(QuoteBytes("sgx_quote"),
                               std::chrono::system_clock::time_point(std::chrono::seconds(kSgx.at)));
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->qv_result, 0xA008u) << v->error;
}

TEST(CollateralSourceFactory, AnUnreadableDirectoryFailsTheStart) {
  KmsConfig c;
  c.collateral_dir = "/nonexistent/collateral";
  auto s = MakeCollateralSource(c);
  ASSERT_EQ(s.status().code(), Code::kNotFound);
  EXPECT_NE(s.status().message().find("/nonexistent/collateral"), std::string::npos);
}

TEST(CollateralSourceFactory, APccsUrlGivesAPccsClient) {
  KmsConfig c;
  c.pccs_url = "https://pccs.example:8081/sgx/certification/v4/";
  auto s = MakeCollateralSource(c);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  auto* client = dynamic_cast<attest::PccsClient*>(s->get());
  ASSERT_NE(client, nullptr);
  EXPECT_EQ(client->base_url(), "https://pccs.example:8081");
  c.pccs_url = "pccs.example:8081";
  EXPECT_EQ(MakeCollateralSource(c).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace kms::server
