// ehsm-pccs's endpoints over real HTTPS: Intel's paths, headers, encodings and status codes.

#include "pccs/pccs_handler.h"

#include <gtest/gtest.h>

#include "attest/pcs_response.h"
#include "common/percent_encoding.h"
#include "net/testing/test_https_client.h"
#include "pccs/pccs_test_server.h"

namespace kms::pccs {
namespace {
using namespace kms::pccs::testing;
using kms::attest::testing::LoadCollateral;
using kms::net::testing::TestHttpResponse;
using kms::net::testing::TestHttpsClient;

class PccsHandlerTest : public ::testing::Test {
 protected:
  PccsHandlerTest() : pccs_(VectorStore(tmp_, {"sgx_quote", "tdx_quote"})), client_(pccs_.port()) {}

  TestHttpResponse Get(const std::string& target, std::string_view method = "GET") {
    auto r = client_.Send(method, target, "", "");
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : TestHttpResponse{};
  }

  crypto::testing::TempDir tmp_;
  TestPccs pccs_;
  TestHttpsClient client_;
};

TEST_F(PccsHandlerTest, TcbInfoIsTheSignedTextWithItsChainHeader) {
  attest::Collateral sgx = LoadCollateral("sgx_quote");
  TestHttpResponse r = Get("/sgx/certification/v4/tcb?fmspc=00A067110000");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.header("content-type"), "application/json");
  EXPECT_EQ(r.body, attest::PcsSignedJsonBody("tcbInfo", sgx.tcb_info, sgx.tcb_info_signature));
  EXPECT_EQ(PercentDecode(r.header("tcb-info-issuer-chain")), sgx.tcb_info_issuer_chain);
  // FMSPC case does not matter; the TDX one lives under /tdx.
  EXPECT_EQ(Get("/sgx/certification/v4/tcb?fmspc=00a067110000").status, 200);
  attest::Collateral tdx = LoadCollateral("tdx_quote");
  TestHttpResponse t = Get("/tdx/certification/v4/tcb?fmspc=B0C06F000000");
  ASSERT_EQ(t.status, 200);
  EXPECT_EQ(t.body, attest::PcsSignedJsonBody("tcbInfo", tdx.tcb_info, tdx.tcb_info_signature));
}

TEST_F(PccsHandlerTest, UnknownFmspcIs404AndAMalformedOne400) {
  EXPECT_EQ(Get("/sgx/certification/v4/tcb?fmspc=B0C06F000000").status, 404);  // TDX FMSPC
  EXPECT_EQ(Get("/tdx/certification/v4/tcb?fmspc=00A067110000").status, 404);
  EXPECT_EQ(Get("/sgx/certification/v4/tcb?fmspc=123456789abc").status, 404);
  for (const char* bad : {"", "?fmspc=", "?fmspc=00A06711000", "?fmspc=00A06711000g",
                          "?fmspc=00A067110000%"}) {
    EXPECT_EQ(Get(std::string("/sgx/certification/v4/tcb") + bad).status, 400) << bad;
  }
}

TEST_F(PccsHandlerTest, QeIdentityPerTee) {
  attest::Collateral sgx = LoadCollateral("sgx_quote");
  attest::Collateral tdx = LoadCollateral("tdx_quote");
  TestHttpResponse s = Get("/sgx/certification/v4/qe/identity");
  ASSERT_EQ(s.status, 200);
  EXPECT_EQ(s.body, attest::PcsSignedJsonBody("enclaveIdentity", sgx.qe_identity,
                                              sgx.qe_identity_signature));
  EXPECT_EQ(PercentDecode(s.header("sgx-enclave-identity-issuer-chain")),
            sgx.qe_identity_issuer_chain);
  TestHttpResponse t = Get("/tdx/certification/v4/qe/identity");
  ASSERT_EQ(t.status, 200);
  EXPECT_NE(t.body.find("\"id\":\"TD_QE\""), std::string::npos);
}

TEST_F(PccsHandlerTest, PckCrlAsHexOrDerWithItsChain) {
  attest::Collateral sgx = LoadCollateral("sgx_quote");
  TestHttpResponse hex = Get("/sgx/certification/v4/pckcrl?ca=processor");
  ASSERT_EQ(hex.status, 200);
  EXPECT_EQ(hex.body, HexEncode(sgx.pck_crl));
  EXPECT_EQ(PercentDecode(hex.header("sgx-pck-crl-issuer-chain")), sgx.pck_crl_issuer_chain);
  TestHttpResponse der = Get("/sgx/certification/v4/pckcrl?ca=processor&encoding=der");
  ASSERT_EQ(der.status, 200);
  EXPECT_EQ(der.body, std::string(AsChars(sgx.pck_crl)));
  EXPECT_EQ(der.header("content-type"), "application/pkix-crl");
  attest::Collateral tdx = LoadCollateral("tdx_quote");
  EXPECT_EQ(Get("/sgx/certification/v4/pckcrl?ca=platform").body, HexEncode(tdx.pck_crl));
  EXPECT_EQ(Get("/sgx/certification/v4/pckcrl?ca=other").status, 400);
  EXPECT_EQ(Get("/sgx/certification/v4/pckcrl").status, 400);
  EXPECT_EQ(Get("/tdx/certification/v4/pckcrl?ca=platform").status, 404);
}

TEST_F(PccsHandlerTest, RootCaCrlHealthzAndTheRest) {
  attest::Collateral sgx = LoadCollateral("sgx_quote");
  TestHttpResponse root = Get("/sgx/certification/v4/rootcacrl");
  ASSERT_EQ(root.status, 200);
  EXPECT_EQ(root.body, HexEncode(sgx.root_ca_crl));
  TestHttpResponse health = Get("/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.body, "ok\n");
  // pckcert: a malformed query is 400; a well-formed one not cached, without upstream, 404.
  EXPECT_EQ(Get("/sgx/certification/v4/pckcert?qeid=00").status, 400);
  const std::string query = "?encrypted_ppid=" + std::string(768, 'a') + "&cpusvn=" +
                            std::string(32, '0') + "&pcesvn=0b00&pceid=0000";
  EXPECT_EQ(Get("/sgx/certification/v4/pckcert" + query).status, 404);
  EXPECT_EQ(Get("/sgx/certification/v3/pckcert" + query).status, 404);
  EXPECT_EQ(Get("/tdx/certification/v4/pckcert" + query).status, 404);  // no such resource
  EXPECT_EQ(Get("/sgx/certification/v4/qve/identity").status, 404);  // not imported
  EXPECT_EQ(Get("/").status, 404);
  EXPECT_EQ(Get("/sgx/certification/v4/rootcacrl", "POST").status, 405);
}

TEST_F(PccsHandlerTest, V3PathsCarryV3sHeaderName) {
  attest::Collateral sgx = LoadCollateral("sgx_quote");
  TestHttpResponse r = Get("/sgx/certification/v3/tcb?fmspc=00A067110000");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body, attest::PcsSignedJsonBody("tcbInfo", sgx.tcb_info, sgx.tcb_info_signature));
  EXPECT_EQ(PercentDecode(r.header("sgx-tcb-info-issuer-chain")), sgx.tcb_info_issuer_chain);
  EXPECT_EQ(r.header("tcb-info-issuer-chain"), "");
  EXPECT_EQ(Get("/sgx/certification/v3/qe/identity").status, 200);
  EXPECT_EQ(Get("/sgx/certification/v3/pckcrl?ca=processor").status, 200);
}

TEST_F(PccsHandlerTest, ReadyzAndMetrics) {
  EXPECT_EQ(Get("/readyz").status, 200);
  Get("/sgx/certification/v4/tcb?fmspc=00A067110000");
  Get("/sgx/certification/v4/tcb?fmspc=123456789abc");
  Get("/no/such/thing");
  TestHttpResponse m = Get("/metrics");
  ASSERT_EQ(m.status, 200);
  EXPECT_NE(m.body.find("ehsm_pccs_requests_total{path=\"/sgx/certification/v4/tcb\",code=\"200\"} 1\n"),
            std::string::npos) << m.body;
  EXPECT_NE(m.body.find("ehsm_pccs_requests_total{path=\"/sgx/certification/v4/tcb\",code=\"404\"} 1\n"),
            std::string::npos) << m.body;
  EXPECT_NE(m.body.find("ehsm_pccs_requests_total{path=\"other\",code=\"404\"} 1\n"),
            std::string::npos) << m.body;
  EXPECT_NE(m.body.find("ehsm_pccs_items{kind=\"tcb_info\"} 2\n"), std::string::npos) << m.body;
  EXPECT_NE(m.body.find("ehsm_pccs_items{kind=\"enclave_identity\"} 2\n"), std::string::npos);
  EXPECT_NE(m.body.find("ehsm_pccs_items{kind=\"pck_crl\"} 2\n"), std::string::npos);
  EXPECT_NE(m.body.find("ehsm_pccs_next_update_seconds "), std::string::npos);
}

TEST(PccsHandlerEmpty, AnEmptyStoreAnswers404EverywhereAndIsNotReady) {
  crypto::testing::TempDir tmp;
  TestPccs pccs(VectorStore(tmp, {}));
  for (const char* t : {"/sgx/certification/v4/tcb?fmspc=00A067110000",
                        "/sgx/certification/v4/qe/identity", "/tdx/certification/v4/qe/identity",
                        "/sgx/certification/v4/pckcrl?ca=processor",
                        "/sgx/certification/v4/rootcacrl"}) {
    EXPECT_EQ(pccs.handler().Answer("GET", t).status, 404) << t;
  }
  EXPECT_EQ(pccs.handler().Answer("GET", "/healthz").status, 200);
  net::HttpResponse ready = pccs.handler().Answer("GET", "/readyz");
  EXPECT_EQ(ready.status, 503);
  EXPECT_NE(ready.body.find("no TCB info"), std::string::npos) << ready.body;
  // No nextUpdate to count down to.
  EXPECT_EQ(pccs.handler().Answer("GET", "/metrics").body.find("next_update_seconds"),
            std::string::npos);
}

}  // namespace
}  // namespace kms::pccs
