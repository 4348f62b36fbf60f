// `ehsm quote verify`: the real binary on the DCAP vectors (test/vectors/dcap), its JSON and
// human output, exit codes and usage errors.

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>

#include "bigdl/bigdl_cli_test_util.h"
#include "common/bytes.h"
#include "tee/sim/sim_platform.h"

namespace ehsm_cli {
namespace {
using namespace kms::bigdl::testing;
using namespace ehsm_cli::bigdl::testing;
namespace json = boost::json;
using V = std::vector<std::string>;

std::string Vec(const std::string& name) {
  return std::string(KMS_TEST_DATA_DIR) + "/dcap/" + name;
}

class QuoteCliTest : public ::testing::Test {
 protected:
  Outcome Verify(const std::string& quote, V extra, bool as_json = true) {
    V args = {EhsmBinary()};
    if (as_json) args.push_back("--json");
    V rest = {"quote", "verify", Vec(quote), "--collateral", Vec(quote + "_collateral.json")};
    args.insert(args.end(), rest.begin(), rest.end());
    args.insert(args.end(), extra.begin(), extra.end());
    return Spawn(args, tmp_.path());
  }
  static json::object Json(const Outcome& o) {
    json::value v = json::parse(o.out);
    EXPECT_TRUE(v.is_object()) << o.out;
    return v.as_object();
  }
  TempDir tmp_;
};

TEST_F(QuoteCliTest, SgxVectorJson) {
  Outcome o = Verify("sgx_quote", {"--at", "1751328000"});
  ASSERT_EQ(o.rc, 0) << o.err << o.out;
  json::object j = Json(o);
  EXPECT_EQ(j["verified"], true);
  EXPECT_EQ(j["status"], "ConfigurationAndSWHardeningNeeded");
  EXPECT_EQ(j["qv_result"], "0xA008");
  EXPECT_EQ(j["advisory_ids"], json::array({"INTEL-SA-00289", "INTEL-SA-00615"}));
  EXPECT_EQ(j["tee"], "sgx");
  EXPECT_EQ(j["version"], 3);
  EXPECT_EQ(j["fmspc"], "00a067110000");
  EXPECT_EQ(j["mrenclave"], "33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb");
  EXPECT_EQ(j["mrsigner"], "815f42f11cf64430c30bab7816ba596a1da0130c3b028b673133a66cf9a3e0e6");
  EXPECT_EQ(j["isvprodid"], 0);
  EXPECT_EQ(j["isvsvn"], 0);
  EXPECT_EQ(std::string(j["report_data"].as_string()).substr(0, 26),
            "48656c6c6f2c20776f726c6421");  // "Hello, world!"
  EXPECT_FALSE(j.contains("error"));
  EXPECT_FALSE(j.contains("mrtd"));
}

TEST_F(QuoteCliTest, TdxVectorJson) {
  Outcome o = Verify("tdx_quote", {"--at", "1751328000"});
  ASSERT_EQ(o.rc, 0) << o.err << o.out;
  json::object j = Json(o);
  EXPECT_EQ(j["verified"], true);
  EXPECT_EQ(j["status"], "UpToDate");
  EXPECT_EQ(j["qv_result"], "0x0000");
  EXPECT_EQ(j["advisory_ids"], json::array());
  EXPECT_EQ(j["tee"], "tdx");
  EXPECT_EQ(j["version"], 4);
  EXPECT_EQ(j["fmspc"], "b0c06f000000");
  EXPECT_EQ(j["mrtd"],
            "91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27428b"
            "2538873118b7");
  for (const char* r : {"rtmr0", "rtmr1", "rtmr2", "rtmr3"}) {
    EXPECT_EQ(j[r].as_string().size(), 96u) << r;
  }
  EXPECT_FALSE(j.contains("mrenclave"));
}

TEST_F(QuoteCliTest, OutdatedTdxVectorIsNotVerified) {
  Outcome o = Verify("tdx_quote_outdated", {"--at", "1772323200"});
  EXPECT_EQ(o.rc, 1) << o.err;
  json::object j = Json(o);
  EXPECT_EQ(j["verified"], false);
  EXPECT_EQ(j["status"], "TcbNotSupported");
  EXPECT_EQ(j["qv_result"], "0xA006");
  EXPECT_EQ(j["tee"], "tdx");
  EXPECT_EQ(j["version"], 5);
  EXPECT_FALSE(j["error"].as_string().empty());
}

TEST_F(QuoteCliTest, ExpiredCollateralAndDefaultTimeAreNotVerified) {
  Outcome o = Verify("sgx_quote", {"--at", "1752919278"});
  EXPECT_EQ(o.rc, 1);
  EXPECT_EQ(Json(o)["status"], "CollateralExpired");
  Outcome now = Verify("sgx_quote", {});  // today: long after the window
  EXPECT_EQ(now.rc, 1);
  EXPECT_EQ(Json(now)["status"], "CollateralExpired");
}

TEST_F(QuoteCliTest, HumanSummary) {
  Outcome o = Verify("sgx_quote", {"--at", "1751328000"}, false);
  ASSERT_EQ(o.rc, 0) << o.err;
  EXPECT_NE(o.out.find("verified: ConfigurationAndSWHardeningNeeded (qv_result 0xA008)"),
            std::string::npos)
      << o.out;
  EXPECT_NE(o.out.find("advisories: INTEL-SA-00289 INTEL-SA-00615"), std::string::npos);
  EXPECT_NE(o.out.find("mrenclave: 33d8736d"), std::string::npos);
  Outcome bad = Verify("tdx_quote_outdated", {"--at", "1772323200"}, false);
  EXPECT_EQ(bad.rc, 1);
  EXPECT_NE(bad.out.find("NOT VERIFIED: TcbNotSupported (qv_result 0xA006)"), std::string::npos)
      << bad.out;
  EXPECT_NE(bad.out.find("error: "), std::string::npos);
}

TEST_F(QuoteCliTest, RootCaOption) {
  // The built-in root given explicitly (DER) verifies; another certificate (PEM) does not.
  Outcome same =
      Verify("sgx_quote", {"--at", "1751328000", "--root-ca", Vec("IntelSGXRootCA.der")});
  EXPECT_EQ(same.rc, 0) << same.err << same.out;
  json::object c = json::parse(ReadFile(Vec("sgx_quote_collateral.json"))).as_object();
  std::string chain(c["tcb_info_issuer_chain"].as_string());
  WriteFile(tmp_ / "signing.pem", chain.substr(0, chain.find("-----END CERTIFICATE-----") + 26));
  Outcome other = Verify("sgx_quote", {"--at", "1751328000", "--root-ca", tmp_ / "signing.pem"});
  EXPECT_EQ(other.rc, 1) << other.err;
  EXPECT_EQ(Json(other)["status"], "PckChainError");
  WriteFile(tmp_ / "junk", "junk");
  EXPECT_EQ(Verify("sgx_quote", {"--root-ca", tmp_ / "junk"}).rc, 2);
}

TEST_F(QuoteCliTest, NotAQuoteIsNotVerified) {
  std::string quote = ReadFile(Vec("sgx_quote"));
  WriteFile(tmp_ / "short", quote.substr(0, 1000));
  Outcome o = Spawn({EhsmBinary(), "--json", "quote", "verify", tmp_ / "short", "--collateral",
                     Vec("sgx_quote_collateral.json"), "--at", "1751328000"},
                    tmp_.path());
  EXPECT_EQ(o.rc, 1) << o.err;
  json::object j = Json(o);
  EXPECT_EQ(j["verified"], false);
  EXPECT_EQ(j["status"], "InvalidQuote");
  EXPECT_FALSE(j.contains("tee"));
}

TEST_F(QuoteCliTest, UsageErrorsExitTwo) {
  const std::string coll = Vec("sgx_quote_collateral.json");
  WriteFile(tmp_ / "notjson", "{");
  for (const V& args : std::vector<V>{
           {"quote", "verify", tmp_ / "missing", "--collateral", coll},
           {"quote", "verify", Vec("sgx_quote"), "--collateral", tmp_ / "missing"},
           {"quote", "verify", Vec("sgx_quote"), "--collateral", tmp_ / "notjson"},
           {"quote", "verify", Vec("sgx_quote")},
           {"quote", "verify", Vec("sgx_quote"), "--collateral", coll, "--at", "soon"},
           {"quote", "verify", Vec("sgx_quote"), "--collateral", coll, "--bogus"},
           {"quote", "verify"},
       }) {
    V full = {EhsmBinary()};
    full.insert(full.end(), args.begin(), args.end());
    Outcome o = Spawn(full, tmp_.path());
    EXPECT_EQ(o.rc, 2) << args.back() << ": " << o.out << o.err;
  }
}

// A sim quote verifies only with --allow-simulation and its sim root.
TEST_F(QuoteCliTest, SimQuoteNeedsAllowSimulation) {
  const std::string secret = tmp_ / "platform.secret";
  kms::tee::TeeIdentity id;
  id.mrenclave = kms::Bytes(32, 0xab);
  id.mrsigner = kms::Bytes(32, 0xcd);
  id.prod_id = 4;
  id.svn = 2;
  auto p = kms::tee::SimPlatform::Open({.secret_path = secret, .identity = id});
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  auto q = (*p)->GenerateQuote(kms::Bytes(64, 0x11));
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  WriteFile(tmp_ / "sim.quote", std::string(kms::AsChars(*q)));
  const std::string root = tmp_ / "sim_root.der";
  auto root_der = (*p)->SimRootCaDer();
  ASSERT_TRUE(root_der.ok()) << root_der.status().ToString();
  WriteFile(root, std::string(kms::AsChars(*root_der)));

  Outcome ok = Spawn({EhsmBinary(), "--json", "quote", "verify", tmp_ / "sim.quote",
                      "--allow-simulation", "--root-ca", root},
                     tmp_.path());
  ASSERT_EQ(ok.rc, 0) << ok.err << ok.out;
  json::object j = Json(ok);
  EXPECT_EQ(j["tee"], "sim");
  EXPECT_EQ(j["status"], "UpToDate");
  EXPECT_EQ(j["mrenclave"].as_string(), kms::HexEncode(kms::Bytes(32, 0xab)));
  EXPECT_EQ(j["isvprodid"], 4);
  EXPECT_EQ(j["report_data"].as_string(), kms::HexEncode(kms::Bytes(64, 0x11)));

  Outcome refused = Spawn({EhsmBinary(), "--json", "quote", "verify", tmp_ / "sim.quote",
                           "--collateral", Vec("sgx_quote_collateral.json")},
                          tmp_.path());
  EXPECT_EQ(refused.rc, 1) << refused.err;
  EXPECT_EQ(Json(refused)["status"], "SimulationNotAllowed");

  Outcome no_root = Spawn(
      {EhsmBinary(), "quote", "verify", tmp_ / "sim.quote", "--allow-simulation"}, tmp_.path());
  EXPECT_EQ(no_root.rc, 2) << no_root.out;
}

// The root `ehsm-kms --export-sim-root` writes is the one the platform's quotes chain to.
TEST_F(QuoteCliTest, KmsExportsTheSimRoot) {
  const std::string data_dir = tmp_ / "kms";
  std::filesystem::create_directories(data_dir);
  const std::string root = tmp_ / "exported.der";
  Outcome exported = Spawn({std::string(KMS_BINARY_DIR) + "/bin/ehsm-kms", "--data-dir", data_dir,
                            "--export-sim-root", root},
                           tmp_.path());
  ASSERT_EQ(exported.rc, 0) << exported.err;
  // The export writes only where asked: the data dir holds the platform secret alone.
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(data_dir)) {
    names.push_back(e.path().filename().string());
  }
  EXPECT_EQ(names, std::vector<std::string>{"platform.secret"});
  // This process derives the sim chain from the same secret: its quote verifies under the root
  // the other process exported.
  auto p = kms::tee::SimPlatform::Open(
      {.secret_path = data_dir + "/platform.secret", .identity = {}});
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  auto q = (*p)->GenerateQuote(kms::Bytes(64, 0x22));
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  WriteFile(tmp_ / "sim.quote", std::string(kms::AsChars(*q)));
  Outcome o = Spawn({EhsmBinary(), "--json", "quote", "verify", tmp_ / "sim.quote",
                     "--allow-simulation", "--root-ca", root},
                    tmp_.path());
  EXPECT_EQ(o.rc, 0) << o.err << o.out;
  EXPECT_EQ(Json(o)["tee"], "sim");
}

}  // namespace
}  // namespace ehsm_cli
