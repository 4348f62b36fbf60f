// PccsClient against a real PCCS-protocol server on loopback: the vectors verified end to end,
// the cache and nextUpdate (injected clock), TLS verification, and broken or hostile answers.

#include "attest/pccs_client.h"

#include <gtest/gtest.h>

#include <chrono>

#include "attest/dcap_verifier.h"
#include "common/clock.h"
#include "pccs/pccs_test_server.h"

namespace kms::pccs {
namespace {
using namespace kms::pccs::testing;
using namespace kms::attest::testing;
using attest::CollateralRequest;
using attest::PccsClient;
using attest::PccsClientOptions;

constexpr int64_t kMs = 1000;

// Options for `url`; TLS unverified unless `ca_file` is given.
PccsClientOptions Options(std::string url, const Clock* clock, std::string ca_file = "",
                          bool verify_tls = false) {
  PccsClientOptions o;
  o.url = std::move(url);
  o.http.ca_file = std::move(ca_file);
  o.http.insecure = !verify_tls && o.http.ca_file.empty();
  o.clock = clock;
  return o;
}

CollateralRequest SgxRequest() {
  return {.tdx = false, .fmspc = *HexDecode("00A067110000"), .ca = "processor"};
}

class PccsClientTest : public ::testing::Test {
 protected:
  PccsClientTest() : pccs_(VectorStore(tmp_, {"sgx_quote", "tdx_quote"})) {}

  PccsClientOptions Defaults() { return Options(pccs_.url(), &clock_); }
  std::unique_ptr<PccsClient> Client() { return Client(Defaults()); }
  std::unique_ptr<PccsClient> Client(PccsClientOptions o) {
    auto c = PccsClient::New(o);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    return c.ok() ? std::move(c).value() : nullptr;
  }

  crypto::testing::TempDir tmp_;
  TestPccs pccs_;
  FakeClock clock_{kSgx.at * kMs};
};

std::chrono::system_clock::time_point At(int64_t s) {
  return std::chrono::system_clock::time_point(std::chrono::seconds(s));
}

TEST_F(PccsClientTest, VerifiesTheVectorsWithFetchedCollateral) {
  std::shared_ptr<PccsClient> client = Client();
  auto verifier = attest::DcapQuoteVerifier::New(client);
  ASSERT_TRUE(verifier.ok());
  auto sgx = (*verifier)->Verify(QuoteBytes("sgx_quote"), At(kSgx.at));
  ASSERT_TRUE(sgx.ok()) << sgx.status().ToString();
  EXPECT_TRUE(sgx->verified) << sgx->error;
  EXPECT_EQ(sgx->status, "ConfigurationAndSWHardeningNeeded");
  EXPECT_EQ(sgx->qv_result, 0xA008u);
  EXPECT_EQ(sgx->advisory_ids, (std::vector<std::string>{"INTEL-SA-00289", "INTEL-SA-00615"}));
  auto tdx = (*verifier)->Verify(QuoteBytes("tdx_quote"), At(kTdx.at));
  ASSERT_TRUE(tdx.ok()) << tdx.status().ToString();
  EXPECT_TRUE(tdx->verified) << tdx->error;
  EXPECT_EQ(tdx->status, "UpToDate");
  EXPECT_EQ(tdx->qv_result, 0u);
}

TEST(PccsClientOutdated, TheOutdatedTdxVectorHasNoTcbLevel) {
  crypto::testing::TempDir tmp;
  TestPccs pccs(VectorStore(tmp, {"tdx_quote_outdated"}));
  FakeClock clock(kTdxOutdated.at * kMs);
  auto client = PccsClient::New(Options(pccs.url(), &clock));
  ASSERT_TRUE(client.ok());
  auto verifier = attest::DcapQuoteVerifier::New(std::move(client).value());
  ASSERT_TRUE(verifier.ok());
  auto v = (*verifier)->Verify(QuoteBytes("tdx_quote_outdated"), At(kTdxOutdated.at));
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_FALSE(v->verified);
  EXPECT_EQ(v->status, "TcbNotSupported") << v->error;
  EXPECT_EQ(v->qv_result, 0xA006u);
}

TEST_F(PccsClientTest, CachesEachItemUntilItsOwnNextUpdate) {
  auto client = Client();
  ASSERT_TRUE(client->Get(SgxRequest()).ok());
  EXPECT_EQ(client->requests_sent(), 4);  // TCB info, QE identity, PCK CRL, root CA CRL
  EXPECT_EQ(pccs_.requests(), 4);
  ASSERT_TRUE(client->Get(SgxRequest()).ok());
  EXPECT_EQ(client->requests_sent(), 4);  // all cached
  EXPECT_EQ(client->cached_items(), 4u);

  // 2025-10-09: the 30-day items (TCB info, QE identity, PCK CRL) are past their nextUpdate,
  // the root CA CRL (nextUpdate 2026-04-03) is not.
  clock_.Set(1760000000 * kMs);
  ASSERT_TRUE(client->Get(SgxRequest()).ok());
  EXPECT_EQ(client->requests_sent(), 7);
  // What came back was already stale, so it was not kept: asked again next time.
  ASSERT_TRUE(client->Get(SgxRequest()).ok());
  EXPECT_EQ(client->requests_sent(), 10);
  EXPECT_EQ(client->cached_items(), 1u);

  clock_.Set(1780000000 * kMs);  // 2026-05: the root CA CRL too
  ASSERT_TRUE(client->Get(SgxRequest()).ok());
  EXPECT_EQ(client->requests_sent(), 14);
  EXPECT_EQ(client->cached_items(), 0u);
}

TEST_F(PccsClientTest, TheCacheIsBounded) {
  PccsClientOptions o = Defaults();
  o.max_cache_entries = 2;
  auto client = Client(o);
  ASSERT_TRUE(client->Get(SgxRequest()).ok());
  ASSERT_TRUE(client->Get({.tdx = true, .fmspc = *HexDecode("B0C06F000000"), .ca = "platform"})
                  .ok());
  EXPECT_EQ(client->cached_items(), 2u);
}

TEST_F(PccsClientTest, UnknownFmspcIsNotFoundBeforeAnythingElseIsFetched) {
  auto client = Client();
  auto c = client->Get({.tdx = false, .fmspc = *HexDecode("123456789ABC"), .ca = "processor"});
  ASSERT_EQ(c.status().code(), Code::kNotFound) << c.status().ToString();
  EXPECT_NE(c.status().message().find("HTTP 404"), std::string::npos) << c.status().message();
  EXPECT_NE(c.status().message().find("fmspc=123456789abc"), std::string::npos);
  EXPECT_EQ(client->requests_sent(), 1);
}

TEST_F(PccsClientTest, AcceptsTheQcnlUrlForm) {
  auto client = Client(Options(pccs_.url() + "/sgx/certification/v4/", &clock_));
  EXPECT_EQ(client->base_url(), pccs_.url());
  EXPECT_TRUE(client->Get(SgxRequest()).ok());
}

TEST_F(PccsClientTest, VerifiesTlsByDefaultAndTrustsAGivenCa) {
  auto strict = PccsClient::New(Options(pccs_.url(), &clock_, "", /*verify_tls=*/true));
  ASSERT_TRUE(strict.ok());
  auto refused = (*strict)->Get(SgxRequest());
  ASSERT_EQ(refused.status().code(), Code::kUnavailable);
  EXPECT_NE(refused.status().message().find("unreachable"), std::string::npos)
      << refused.status().message();
  std::string ca = tmp_.Write("pccs-ca.pem", AsBytes(pccs_.cert_pem()));
  auto trusted = PccsClient::New(Options(pccs_.url(), &clock_, ca));
  ASSERT_TRUE(trusted.ok());
  EXPECT_TRUE((*trusted)->Get(SgxRequest()).ok());
}

TEST_F(PccsClientTest, UnreachablePccsIsUnavailable) {
  uint16_t port = 0;
  {
    crypto::testing::TempDir tmp;
    TestPccs gone(VectorStore(tmp, {}));
    port = gone.port();
  }  // stopped: nothing listens there now
  auto client = Client(Options("https://127.0.0.1:" + std::to_string(port), &clock_));
  auto c = client->Get(SgxRequest());
  ASSERT_EQ(c.status().code(), Code::kUnavailable);
  EXPECT_NE(c.status().message().find("unreachable"), std::string::npos) << c.status().message();
}

TEST_F(PccsClientTest, RefusesOversizedAnswers) {
  pccs_.set_tamper([](const std::string& target, net::HttpResponse& r) {
    if (target.find("/tcb?") != std::string::npos) r.body.append(2 << 20, ' ');
  });
  auto c = Client()->Get(SgxRequest());
  ASSERT_EQ(c.status().code(), Code::kUnavailable);
  EXPECT_NE(c.status().message().find("exceeds"), std::string::npos) << c.status().message();
  // A smaller bound applies to every item.
  pccs_.set_tamper(nullptr);
  PccsClientOptions o = Defaults();
  o.http.max_body_bytes = 1000;
  auto small = Client(o)->Get(SgxRequest());
  EXPECT_EQ(small.status().code(), Code::kUnavailable);
  pccs_.set_tamper([](const std::string&, net::HttpResponse& r) {
    for (int i = 0; i < 8; ++i) {  // 80 KiB of headers, each field of a size HTTP allows
      r.headers.emplace_back("X-Padding-" + std::to_string(i), std::string(10 << 10, 'a'));
    }
  });
  auto headers = Client()->Get(SgxRequest());
  ASSERT_EQ(headers.status().code(), Code::kUnavailable);
  EXPECT_NE(headers.status().message().find("exceeds"), std::string::npos)
      << headers.status().message();
}

struct Breakage {
  const char* name;
  const char* path_part;  // which answer is broken
  std::function<void(net::HttpResponse&)> apply;
  const char* message;
};

TEST_F(PccsClientTest, RefusesMalformedAnswersWithClearErrors) {
  const std::vector<Breakage> cases = {
      {"no chain header", "/tcb?", [](net::HttpResponse& r) { r.headers.clear(); },
       "no tcb-info-issuer-chain header"},
      {"chain not PEM", "/qe/identity",
       [](net::HttpResponse& r) { r.headers[0].second = "garbage"; }, "not a percent-encoded PEM"},
      {"bad escape", "/pckcrl",
       [](net::HttpResponse& r) { r.headers[0].second += "%G"; }, "not a percent-encoded PEM"},
      {"body not JSON", "/tcb?", [](net::HttpResponse& r) { r.body = "<html>"; },
       "not a JSON object"},
      {"signed text not TCB info", "/qe/identity",
       [](net::HttpResponse& r) {
         r.body = "{\"enclaveIdentity\":{\"id\":\"QE\"},\"signature\":\"" +
                  std::string(128, '0') + "\"}";
       },
       "malformed PCCS response"},
      {"CRL garbage", "/rootcacrl", [](net::HttpResponse& r) { r.body = "zz"; },
       "malformed PCCS response"},
      {"server error", "/pckcrl", [](net::HttpResponse& r) { r.status = 500; }, "HTTP 500"},
  };
  for (const Breakage& b : cases) {
    pccs_.set_tamper([&b](const std::string& target, net::HttpResponse& r) {
      if (target.find(b.path_part) != std::string::npos) b.apply(r);
    });
    auto c = Client()->Get(SgxRequest());
    ASSERT_EQ(c.status().code(), Code::kUnavailable) << b.name << ": " << c.status().ToString();
    EXPECT_NE(c.status().message().find(b.message), std::string::npos)
        << b.name << ": " << c.status().message();
  }
}

TEST_F(PccsClientTest, AcceptsTheV3TcbChainHeaderName) {
  pccs_.set_tamper([](const std::string& target, net::HttpResponse& r) {
    if (target.find("/tcb?") != std::string::npos) r.headers[0].first = "SGX-TCB-Info-Issuer-Chain";
  });
  EXPECT_TRUE(Client()->Get(SgxRequest()).ok());
}

TEST(PccsClientNew, RefusesBadUrlsAndBounds) {
  EXPECT_EQ(PccsClient::New(Options("ftp://x", nullptr)).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(PccsClient::New(Options("", nullptr)).status().code(), Code::kInvalidArgument);
  PccsClientOptions o = Options("https://x", nullptr);
  o.max_cache_entries = 0;
  EXPECT_EQ(PccsClient::New(o).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace kms::pccs
