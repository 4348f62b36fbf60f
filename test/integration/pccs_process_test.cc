// The real ehsm-pccs binary serving the DCAP vectors on loopback, and the real quotes verified
// with collateral fetched from it: through `ehsm quote verify --pccs-url` (the built CLI) and
// as ehsm-kms's configured source. Expected results are those of the offline vectors.

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "kms_process.h"
#include "net/testing/test_https_client.h"

namespace kms::testing {
namespace {

namespace fs = std::filesystem;
namespace json = boost::json;
using net::testing::TestHttpsClient;

std::string Vector(const std::string& name) {
  return std::string(KMS_TEST_DATA_DIR) + "/dcap/" + name;
}

std::string Slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct CliRun {
  int rc = -1;
  std::string out, err;
};

class PccsProcess : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("pccs_it_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  // A collateral directory `name` holding the bundles of `vectors`.
  std::string CollateralDir(const std::string& name, std::initializer_list<const char*> vectors) {
    fs::path d = dir_ / name;
    fs::create_directories(d);
    for (const char* v : vectors) {
      fs::copy_file(Vector(std::string(v) + "_collateral.json"), d / (std::string(v) + ".json"));
    }
    return d.string();
  }

  // ehsm-pccs on port 0 over `collateral_dir`, its self-signed pair in <dir>/<name>-data.
  std::unique_ptr<KmsProcess> StartPccs(const std::string& name,
                                        const std::string& collateral_dir) {
    auto p = std::make_unique<KmsProcess>((dir_ / (name + "-data")).string(),
                                          std::vector<std::string>{"--collateral-dir",
                                                                   collateral_dir},
                                          KmsProcess::BinaryPath("ehsm-pccs"));
    EXPECT_NE(p->port(), 0) << p->output();
    return p;
  }
  std::string CaOf(const std::string& name) { return (dir_ / (name + "-data") / "tls.crt").string(); }
  static std::string Url(const KmsProcess& p) {
    return "https://127.0.0.1:" + std::to_string(p.port());
  }

  CliRun Ehsm(const std::vector<std::string>& args) {
    std::string cmd = KmsProcess::BinaryPath("ehsm");
    for (const std::string& a : args) cmd += " '" + a + "'";
    fs::path out = dir_ / "cli.out", err = dir_ / "cli.err";
    int status = std::system((cmd + " >" + out.string() + " 2>" + err.string()).c_str());
    CliRun r;
    r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = Slurp(out);
    r.err = Slurp(err);
    return r;
  }

  json::object VerifyJson(const std::string& quote, const std::string& at,
                          std::vector<std::string> source, int expected_rc) {
    std::vector<std::string> args = {"--json", "quote", "verify", Vector(quote), "--at", at};
    args.insert(args.end(), source.begin(), source.end());
    CliRun r = Ehsm(args);
    EXPECT_EQ(r.rc, expected_rc) << quote << "\n" << r.out << r.err;
    json::value v = json::parse(r.out.empty() ? "{}" : r.out);
    return v.is_object() ? v.as_object() : json::object{};
  }

  fs::path dir_;
};

TEST_F(PccsProcess, EhsmQuoteVerifyFetchesFromEhsmPccs) {
  auto pccs2025 = StartPccs("p2025", CollateralDir("c2025", {"sgx_quote", "tdx_quote"}));
  auto pccs2026 = StartPccs("p2026", CollateralDir("c2026", {"tdx_quote_outdated"}));
  ASSERT_TRUE(pccs2025->running() && pccs2026->running());
  std::vector<std::string> via2025 = {"--pccs-url", Url(*pccs2025), "--pccs-ca", CaOf("p2025")};
  std::vector<std::string> via2026 = {"--pccs-url", Url(*pccs2026), "--pccs-ca", CaOf("p2026")};

  json::object sgx = VerifyJson("sgx_quote", "1751328000", via2025, 0);
  EXPECT_EQ(sgx["verified"], true);
  EXPECT_EQ(sgx["status"], "ConfigurationAndSWHardeningNeeded");
  EXPECT_EQ(sgx["qv_result"], "0xA008");
  EXPECT_EQ(sgx["advisory_ids"], json::array({"INTEL-SA-00289", "INTEL-SA-00615"}));
  EXPECT_EQ(sgx["fmspc"], "00a067110000");

  json::object tdx = VerifyJson("tdx_quote", "1751328000", via2025, 0);
  EXPECT_EQ(tdx["verified"], true);
  EXPECT_EQ(tdx["status"], "UpToDate");
  EXPECT_EQ(tdx["qv_result"], "0x0000");

  json::object outdated = VerifyJson("tdx_quote_outdated", "1772323200", via2026, 1);
  EXPECT_EQ(outdated["verified"], false);
  EXPECT_EQ(outdated["status"], "TcbNotSupported");
  EXPECT_EQ(outdated["qv_result"], "0xA006");
}

TEST_F(PccsProcess, UnknownFmspcAndUntrustedTlsAreClearFailures) {
  auto pccs = StartPccs("p", CollateralDir("c", {"tdx_quote"}));
  ASSERT_TRUE(pccs->running());
  json::object missing = VerifyJson("sgx_quote", "1751328000",
                                    {"--pccs-url", Url(*pccs), "--pccs-ca", CaOf("p")}, 1);
  EXPECT_EQ(missing["status"], "CollateralNotFound");
  EXPECT_NE(std::string(missing["error"].as_string()).find("HTTP 404"), std::string::npos)
      << missing["error"];

  // The self-signed certificate is not in the system store: refused unless trusted or waived.
  json::object untrusted = VerifyJson("tdx_quote", "1751328000", {"--pccs-url", Url(*pccs)}, 1);
  EXPECT_EQ(untrusted["status"], "CollateralUnavailable");
  json::object waived =
      VerifyJson("tdx_quote", "1751328000", {"--pccs-url", Url(*pccs), "--pccs-insecure"}, 0);
  EXPECT_EQ(waived["status"], "UpToDate");

  CliRun both = Ehsm({"quote", "verify", Vector("tdx_quote"), "--pccs-url", Url(*pccs),
                      "--collateral", Vector("tdx_quote_collateral.json")});
  EXPECT_EQ(both.rc, 2) << both.out << both.err;
}

TEST_F(PccsProcess, CollateralDirOnTheCommandLine) {
  std::string dir = CollateralDir("c", {"sgx_quote", "tdx_quote"});
  json::object sgx = VerifyJson("sgx_quote", "1751328000", {"--collateral-dir", dir}, 0);
  EXPECT_EQ(sgx["qv_result"], "0xA008");
  json::object tdx = VerifyJson("tdx_quote", "1751328000", {"--collateral-dir", dir}, 0);
  EXPECT_EQ(tdx["status"], "UpToDate");
  CliRun none = Ehsm({"quote", "verify", Vector("sgx_quote"), "--collateral-dir",
                      (dir_ / "nope").string()});
  EXPECT_EQ(none.rc, 2) << none.out << none.err;
}

TEST_F(PccsProcess, ServesHealthzAnd404sOverHttps) {
  auto pccs = StartPccs("p", CollateralDir("c", {"sgx_quote"}));
  ASSERT_TRUE(pccs->running());
  TestHttpsClient client(pccs->port());
  auto health = client.Send("GET", "/healthz", "", "");
  ASSERT_TRUE(health.ok()) << health.status().ToString();
  EXPECT_EQ(health->status, 200);
  auto tcb = client.Send("GET", "/sgx/certification/v4/tcb?fmspc=00A067110000", "", "");
  ASSERT_TRUE(tcb.ok());
  EXPECT_EQ(tcb->status, 200);
  EXPECT_FALSE(tcb->header("tcb-info-issuer-chain").empty());
  auto unknown = client.Send("GET", "/sgx/certification/v4/tcb?fmspc=B0C06F000000", "", "");
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown->status, 404);
  EXPECT_EQ(pccs->Stop(), 0);
}

TEST_F(PccsProcess, RefusesToStartWithoutUsableCollateral) {
  KmsProcess no_dir((dir_ / "d1").string(), {}, KmsProcess::BinaryPath("ehsm-pccs"));
  EXPECT_EQ(no_dir.WaitExit(), 2);
  EXPECT_NE(no_dir.output().find("--collateral-dir"), std::string::npos) << no_dir.output();
  std::string bad = CollateralDir("bad", {});
  std::ofstream(fs::path(bad) / "broken.json") << "{}";
  KmsProcess broken((dir_ / "d2").string(), {"--collateral-dir", bad},
                    KmsProcess::BinaryPath("ehsm-pccs"));
  EXPECT_EQ(broken.WaitExit(), 1);
  EXPECT_NE(broken.output().find("broken.json"), std::string::npos) << broken.output();
}

TEST_F(PccsProcess, EhsmKmsTakesACollateralSource) {
  auto pccs = StartPccs("p", CollateralDir("c", {"sgx_quote"}));
  ASSERT_TRUE(pccs->running());
  KmsProcess with_pccs((dir_ / "kms1").string(),
                       {"--pccs-url", Url(*pccs), "--pccs-ca-file", CaOf("p")});
  EXPECT_TRUE(with_pccs.running()) << with_pccs.output();
  KmsProcess with_dir((dir_ / "kms2").string(),
                      {"--collateral-dir", (dir_ / "c").string()});
  EXPECT_TRUE(with_dir.running()) << with_dir.output();
  KmsProcess missing((dir_ / "kms3").string(),
                     {"--collateral-dir", (dir_ / "nope").string()});
  EXPECT_EQ(missing.WaitExit(), 1);
  EXPECT_NE(missing.output().find("nope"), std::string::npos) << missing.output();
}

}  // namespace
}  // namespace kms::testing
