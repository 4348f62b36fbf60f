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
#include "store/couch_test_env.h"

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

  // `ehsm-pccs <args...>` run to its end (import, status).
  CliRun Pccs(const std::vector<std::string>& args) { return Run(KmsProcess::BinaryPath("ehsm-pccs"), args); }

  // `ehsm-pccs import <collateral_dir> --at <at>` into <dir>/<name>-data; must succeed.
  void Import(const std::string& name, const std::string& collateral_dir, const std::string& at) {
    CliRun r = Pccs({"import", collateral_dir, "--data-dir", DataDir(name), "--at", at});
    EXPECT_EQ(r.rc, 0) << r.out << r.err;
  }
  std::string DataDir(const std::string& name) { return (dir_ / (name + "-data")).string(); }

  // ehsm-pccs on port 0 serving <dir>/<name>-data (its store and self-signed pair).
  std::unique_ptr<KmsProcess> StartPccs(const std::string& name,
                                        std::vector<std::string> args = {}) {
    auto p = std::make_unique<KmsProcess>(DataDir(name), std::move(args),
                                          KmsProcess::BinaryPath("ehsm-pccs"));
    EXPECT_NE(p->port(), 0) << p->output();
    return p;
  }
  std::string CaOf(const std::string& name) { return (dir_ / (name + "-data") / "tls.crt").string(); }
  static std::string Url(const KmsProcess& p) {
    return "https://127.0.0.1:" + std::to_string(p.port());
  }

  CliRun Ehsm(const std::vector<std::string>& args) { return Run(KmsProcess::BinaryPath("ehsm"), args); }

  CliRun Run(const std::string& binary, const std::vector<std::string>& args) {
    std::string cmd = binary;
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
  Import("p2025", CollateralDir("c2025", {"sgx_quote", "tdx_quote"}), "1751328000");
  Import("p2026", CollateralDir("c2026", {"tdx_quote_outdated"}), "1772323200");
  auto pccs2025 = StartPccs("p2025");
  auto pccs2026 = StartPccs("p2026");
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
  Import("p", CollateralDir("c", {"tdx_quote"}), "1751328000");
  auto pccs = StartPccs("p");
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

TEST_F(PccsProcess, ServesHealthzReadyzMetricsAnd404sOverHttps) {
  // Empty: alive but not ready.
  auto empty = StartPccs("e");
  ASSERT_TRUE(empty->running());
  TestHttpsClient empty_client(empty->port());
  EXPECT_EQ(empty_client.Send("GET", "/healthz", "", "")->status, 200);
  EXPECT_EQ(empty_client.Send("GET", "/readyz", "", "")->status, 503);
  // An import into its data dir by another process is served without a restart (the store
  // is looked at every 2 s).
  Import("e", CollateralDir("ce", {"tdx_quote"}), "1751328000");
  int ready = 0;
  for (int i = 0; i < 300 && ready != 200; ++i) {
    ready = empty_client.Send("GET", "/readyz", "", "")->status;
    if (ready != 200) usleep(100 * 1000);
  }
  EXPECT_EQ(ready, 200);
  EXPECT_EQ(empty_client.Send("GET", "/tdx/certification/v4/tcb?fmspc=B0C06F000000", "", "")->status,
            200);

  // --collateral-dir imports at start (here as of the vectors' time).
  auto pccs = StartPccs("p", {"--collateral-dir", CollateralDir("c", {"sgx_quote"}), "--at",
                              "1751328000"});
  ASSERT_TRUE(pccs->running());
  TestHttpsClient client(pccs->port());
  EXPECT_EQ(client.Send("GET", "/readyz", "", "")->status, 200);
  auto tcb = client.Send("GET", "/sgx/certification/v4/tcb?fmspc=00A067110000", "", "");
  ASSERT_TRUE(tcb.ok());
  EXPECT_EQ(tcb->status, 200);
  EXPECT_FALSE(tcb->header("tcb-info-issuer-chain").empty());
  auto unknown = client.Send("GET", "/sgx/certification/v4/tcb?fmspc=B0C06F000000", "", "");
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown->status, 404);
  auto metrics = client.Send("GET", "/metrics", "", "");
  ASSERT_TRUE(metrics.ok());
  EXPECT_NE(metrics->body.find("ehsm_pccs_requests_total{path=\"/sgx/certification/v4/tcb\","
                               "code=\"404\"} 1"),
            std::string::npos)
      << metrics->body;
  EXPECT_NE(metrics->body.find("ehsm_pccs_items{kind=\"tcb_info\"} 1"), std::string::npos);
  EXPECT_EQ(pccs->Stop(), 0);
}

TEST_F(PccsProcess, ImportRefusesTamperedAndExpiredCollateralAndStatusShowsWhatIsHeld) {
  Import("p", CollateralDir("c", {"sgx_quote"}), "1751328000");
  // Expired now (the vectors are from 2025): refused by default.
  CliRun expired = Pccs({"import", CollateralDir("t", {"tdx_quote"}), "--data-dir", DataDir("p")});
  EXPECT_EQ(expired.rc, 1) << expired.out << expired.err;
  EXPECT_NE(expired.err.find("CollateralExpired"), std::string::npos) << expired.err;
  EXPECT_NE(expired.err.find("tdx_quote.json"), std::string::npos) << expired.err;
  // Tampered: one digit of the signed TCB info changed.
  std::string text = Slurp(Vector("sgx_quote_collateral.json"));
  size_t at = text.find("\\\"tcbEvaluationDataNumber\\\":");
  ASSERT_NE(at, std::string::npos);
  text[at + 28] = text[at + 28] == '9' ? '8' : '9';
  fs::create_directories(dir_ / "bad");
  std::ofstream(dir_ / "bad" / "tampered.json") << text;
  CliRun tampered = Pccs({"import", (dir_ / "bad").string(), "--data-dir", DataDir("p"), "--at",
                          "1751328000"});
  EXPECT_EQ(tampered.rc, 1);
  EXPECT_NE(tampered.err.find("tampered.json: TCB info: TcbInfoSignatureInvalid"),
            std::string::npos)
      << tampered.err;

  CliRun status = Pccs({"status", "--data-dir", DataDir("p"), "--at", "1751328000"});
  EXPECT_EQ(status.rc, 0) << status.err;
  EXPECT_NE(status.out.find("4 item(s) held"), std::string::npos) << status.out;
  EXPECT_NE(status.out.find("TCB info sgx-00a067110000  issued 2025-06-19T10:56:11Z"),
            std::string::npos)
      << status.out;
  EXPECT_EQ(status.out.find("WARNING"), std::string::npos) << status.out;
  CliRun late = Pccs({"status", "--data-dir", DataDir("p"), "--at", "1752400000"});
  EXPECT_NE(late.out.find("WARNING: TCB info sgx-00a067110000 expires in"), std::string::npos)
      << late.out;
  EXPECT_EQ(late.rc, 1);  // it warned
  // What it served before is still what it serves.
  auto pccs = StartPccs("p");
  ASSERT_TRUE(pccs->running());
  json::object sgx = VerifyJson("sgx_quote", "1751328000",
                                {"--pccs-url", Url(*pccs), "--pccs-ca", CaOf("p")}, 0);
  EXPECT_EQ(sgx["qv_result"], "0xA008");
}

// --store couchdb: import and status work on the CouchDB document as on the SQLite file, a
// server started on it serves what was imported, and an import by another process afterwards
// is served without a restart (the document's revision changed).
TEST_F(PccsProcess, ImportStatusAndServeWithACouchDbStore) {
  auto url = kms::store::testing::TestCouchUrl();
  if (!url) {
    if (kms::store::testing::CouchRequired()) FAIL() << "EHSM_REQUIRE_COUCHDB=1 but no server";
    GTEST_SKIP() << "EHSM_TEST_COUCHDB_URL not set";
  }
  const std::vector<std::string> couch = {"--store", "couchdb", "--couchdb-url", *url,
                                          "--couchdb-db",
                                          kms::store::testing::UniqueDbName("pccs_it")};
  auto with_couch = [&](std::vector<std::string> args) {
    args.insert(args.end(), couch.begin(), couch.end());
    return args;
  };
  CliRun imported = Pccs(with_couch({"import", CollateralDir("c", {"sgx_quote"}), "--data-dir",
                                     DataDir("p"), "--at", "1751328000"}));
  ASSERT_EQ(imported.rc, 0) << imported.out << imported.err;
  EXPECT_FALSE(fs::exists(DataDir("p") + "/pccs.db"));  // nothing went to SQLite
  CliRun status = Pccs(with_couch({"status", "--data-dir", DataDir("p"), "--at", "1751328000"}));
  EXPECT_EQ(status.rc, 0) << status.err;
  EXPECT_NE(status.out.find("4 item(s) held"), std::string::npos) << status.out;
  // The password in the URL (the test server has one) never reaches the output.
  kms::store::CouchOptions parsed;
  parsed.url = *url;
  ASSERT_TRUE(kms::store::NormalizeCouchOptions(parsed).ok());
  const std::string password = parsed.password.empty() ? "\x01" : parsed.password;
  EXPECT_EQ((status.out + status.err + imported.out + imported.err).find(password),
            std::string::npos);

  auto pccs = StartPccs("p", with_couch({}));
  ASSERT_TRUE(pccs->running()) << pccs->output();
  TestHttpsClient client(pccs->port());
  EXPECT_EQ(client.Send("GET", "/sgx/certification/v4/tcb?fmspc=00A067110000", "", "")->status,
            200);
  const std::string tdx = "/tdx/certification/v4/tcb?fmspc=B0C06F000000";
  EXPECT_EQ(client.Send("GET", tdx, "", "")->status, 404);
  CliRun more = Pccs(with_couch({"import", CollateralDir("t", {"tdx_quote"}), "--data-dir",
                                 DataDir("p"), "--at", "1751328000"}));
  ASSERT_EQ(more.rc, 0) << more.out << more.err;
  int served = 0;
  for (int i = 0; i < 300 && served != 200; ++i) {
    served = client.Send("GET", tdx, "", "")->status;
    if (served != 200) usleep(100 * 1000);
  }
  EXPECT_EQ(served, 200);
  EXPECT_EQ(pccs->output().find(password), std::string::npos);
  EXPECT_EQ(pccs->Stop(), 0);
}

TEST_F(PccsProcess, FetchesThroughFromAnUpstreamPccs) {
  // The upstream: an ehsm-pccs holding the vectors. The front: empty, with the upstream. A
  // process verifies at the real time, when every recorded item has expired, so what this
  // shows is the wiring (flags, key file, the fetch, the refusal); fetch-through of valid
  // items with an injected clock is in src/pccs/fetch_through_test.cc.
  Import("up", CollateralDir("c", {"sgx_quote"}), "1751328000");
  auto up = StartPccs("up");
  ASSERT_TRUE(up->running());
  std::ofstream(dir_ / "api.key") << "not-a-real-key\n";
  auto front = StartPccs("front", {"--upstream", Url(*up), "--upstream-insecure",
                                   "--api-key-file", (dir_ / "api.key").string()});
  ASSERT_TRUE(front->running());
  TestHttpsClient client(front->port());
  EXPECT_EQ(client.Send("GET", "/readyz", "", "")->status, 200);
  auto tcb = client.Send("GET", "/sgx/certification/v4/tcb?fmspc=00A067110000", "", "");
  ASSERT_TRUE(tcb.ok());
  EXPECT_EQ(tcb->status, 503);  // fetched, but expired at the real time: refused
  EXPECT_NE(tcb->body.find("CollateralExpired"), std::string::npos) << tcb->body;
  auto metrics = client.Send("GET", "/metrics", "", "");
  EXPECT_NE(metrics->body.find("ehsm_pccs_upstream_fetches_total{result=\"refused\"} 1"),
            std::string::npos)
      << metrics->body;
  EXPECT_EQ(front->output().find("not-a-real-key"), std::string::npos);
}

TEST_F(PccsProcess, RefusesToStartWithUnusableCollateralOrFlags) {
  std::string bad = CollateralDir("bad", {});
  std::ofstream(fs::path(bad) / "broken.json") << "{}";
  KmsProcess broken((dir_ / "d2").string(), {"--collateral-dir", bad},
                    KmsProcess::BinaryPath("ehsm-pccs"));
  EXPECT_EQ(broken.WaitExit(), 1);
  EXPECT_NE(broken.output().find("broken.json"), std::string::npos) << broken.output();
  KmsProcess key_alone((dir_ / "d3").string(), {"--api-key-file", "/k"},
                       KmsProcess::BinaryPath("ehsm-pccs"));
  EXPECT_EQ(key_alone.WaitExit(), 2);
  EXPECT_NE(key_alone.output().find("--upstream"), std::string::npos) << key_alone.output();
}

TEST_F(PccsProcess, EhsmKmsTakesACollateralSource) {
  Import("p", CollateralDir("c", {"sgx_quote"}), "1751328000");
  auto pccs = StartPccs("p");
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
