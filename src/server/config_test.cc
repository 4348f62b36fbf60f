#include "server/config.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>

namespace kms::server {
namespace {

StatusOr<KmsConfig> Load(std::vector<std::string> args) {
  args.insert(args.begin(), "ehsm-kms");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return LoadConfig(static_cast<int>(argv.size()), argv.data());
}

constexpr const char* kCouchEnv[] = {
    "EHSM_CONFIG_COUCHDB_SERVER",   "EHSM_CONFIG_COUCHDB_PORT", "EHSM_CONFIG_COUCHDB_USERNAME",
    "EHSM_CONFIG_COUCHDB_PASSWORD", "EHSM_CONFIG_COUCHDB_DB",   "EHSM_COUCHDB_URL",
    "EHSM_COUCHDB_DB",              "EHSM_STORE",               "EHSM_MAX_CONNECTIONS"};

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    unsetenv("EHSM_PORT");
    unsetenv("EHSM_CONFIG");
    for (const char* name : kCouchEnv) unsetenv(name);
    file_ = std::filesystem::temp_directory_path() / ("kms_cfg_" + std::to_string(getpid()));
  }
  void TearDown() override {
    unsetenv("EHSM_PORT");
    for (const char* name : kCouchEnv) unsetenv(name);
    std::filesystem::remove(file_);
  }
  void WriteFile(const std::string& text) { std::ofstream(file_) << text; }
  std::filesystem::path file_;
};

TEST_F(ConfigTest, DefaultsAndDerivedPaths) {
  auto c = Load({"--data-dir", "/tmp/x"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->port, 9000);
  EXPECT_EQ(c->run_mode, "single");
  EXPECT_EQ(c->store, "sqlite");
  EXPECT_EQ(c->sqlite_path, "/tmp/x/kms.db");
  EXPECT_EQ(c->audit_log, "/tmp/x/audit.log");
}

TEST_F(ConfigTest, ClusterModeSettings) {
  auto single = Load({"--data-dir", "/tmp/x"});
  ASSERT_TRUE(single.ok());
  EXPECT_EQ(single->dkeycache_socket, "/var/run/ehsm/dkeyprovision.sock");
  EXPECT_EQ(single->platform_secret, "/tmp/x/platform.secret");
  EXPECT_EQ(single->identity.platform_secret, "/tmp/x/platform.secret");
  EXPECT_EQ(single->identity.tee, "sim");
  EXPECT_EQ(single->identity.sim_mrenclave.size(), 64u);

  auto no_policy = Load({"--run-mode", "cluster"});
  ASSERT_FALSE(no_policy.ok());
  EXPECT_NE(no_policy.status().message().find("--policy"), std::string::npos);

  auto cluster = Load({"--run-mode", "cluster", "--policy", "/p.toml", "--dkeycache-socket",
                       "/run/x.sock", "--platform-secret", "/node/secret", "--sim-isvsvn", "3"});
  ASSERT_TRUE(cluster.ok()) << cluster.status().ToString();
  EXPECT_EQ(cluster->dkeycache_socket, "/run/x.sock");
  EXPECT_EQ(cluster->policy, "/p.toml");
  EXPECT_EQ(cluster->platform_secret, "/node/secret");
  EXPECT_EQ(cluster->identity.sim_isvsvn, 3);
  EXPECT_NE(cluster->Summary().find("mode=cluster store=sqlite dkeycache_socket=/run/x.sock "
                                    "policy=/p.toml"),
            std::string::npos);

  auto bad = Load({"--sim-mrsigner", "xyz"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("sim_mrsigner"), std::string::npos);
}

TEST_F(ConfigTest, SimIdentityAndAllowSimulationFromFlagsEnvAndFile) {
  auto d = Load({});
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  // SHA-256("ehsm-kms sim mrenclave") and SHA-256("ehsm-kms sim mrsigner").
  EXPECT_EQ(d->identity.sim_mrenclave, tee::DefaultIdentity("ehsm-kms", 0).sim_mrenclave);
  EXPECT_EQ(d->identity.sim_mrsigner.size(), 64u);
  EXPECT_EQ(d->identity.sim_isvprodid, 0);
  EXPECT_FALSE(d->identity.sim_debug);
  EXPECT_FALSE(d->allow_simulation);
  EXPECT_NE(d->Summary().find("allow_simulation=false"), std::string::npos);

  const std::string a(64, 'a'), b(64, 'b'), c(64, 'c');
  WriteFile("sim_mrenclave = \"" + a + "\"\nsim_isvsvn = 4\nallow_simulation = true\n");
  auto from_file = Load({"--config", file_.string()});
  ASSERT_TRUE(from_file.ok()) << from_file.status().ToString();
  EXPECT_EQ(from_file->identity.sim_mrenclave, a);
  EXPECT_EQ(from_file->identity.sim_isvsvn, 4);
  EXPECT_TRUE(from_file->allow_simulation);

  setenv("EHSM_SIM_MRENCLAVE", b.c_str(), 1);
  setenv("EHSM_SIM_DEBUG", "true", 1);
  auto from_env = Load({"--config", file_.string()});
  auto from_flag = Load({"--config", file_.string(), "--sim-mrenclave", c, "--sim-isvprodid", "9",
                         "--sim-mrsigner", a});
  unsetenv("EHSM_SIM_MRENCLAVE");
  unsetenv("EHSM_SIM_DEBUG");
  ASSERT_TRUE(from_env.ok()) << from_env.status().ToString();
  EXPECT_EQ(from_env->identity.sim_mrenclave, b);
  EXPECT_TRUE(from_env->identity.sim_debug);
  ASSERT_TRUE(from_flag.ok()) << from_flag.status().ToString();
  EXPECT_EQ(from_flag->identity.sim_mrenclave, c);
  EXPECT_EQ(from_flag->identity.sim_mrsigner, a);
  EXPECT_EQ(from_flag->identity.sim_isvprodid, 9);
  EXPECT_NE(from_flag->Summary().find("sim_mrenclave=" + c), std::string::npos);
  EXPECT_NE(from_flag->Summary().find("sim_debug=true allow_simulation=true"), std::string::npos)
      << from_flag->Summary();

  EXPECT_TRUE(Load({"--allow-simulation"})->allow_simulation);
  EXPECT_NE(Load({"--sim-mrsigner", "abc"}).status().message().find("sim_mrsigner"),
            std::string::npos);
  EXPECT_NE(Load({"--sim-isvsvn", "65536"}).status().message().find("sim_isvsvn"),
            std::string::npos);
}

TEST_F(ConfigTest, FlagsBeatEnvironmentWhichBeatsFile) {
  WriteFile("port = 7000\nlog_level = \"warn\"\n");
  auto from_file = Load({"--config", file_.string()});
  ASSERT_TRUE(from_file.ok()) << from_file.status().ToString();
  EXPECT_EQ(from_file->port, 7000);
  EXPECT_EQ(from_file->log_level, "warn");

  setenv("EHSM_PORT", "7001", 1);
  auto from_env = Load({"--config", file_.string()});
  ASSERT_TRUE(from_env.ok());
  EXPECT_EQ(from_env->port, 7001);

  auto from_flag = Load({"--config", file_.string(), "--port", "7002"});
  ASSERT_TRUE(from_flag.ok());
  EXPECT_EQ(from_flag->port, 7002);
  EXPECT_EQ(from_flag->log_level, "warn");  // still from the file
}

TEST_F(ConfigTest, BadValuesAreNamed) {
  EXPECT_NE(Load({"--port", "70000"}).status().message().find("port"), std::string::npos);
  EXPECT_NE(Load({"--run-mode", "both"}).status().message().find("run_mode"),
            std::string::npos);
  EXPECT_FALSE(Load({"--port", "abc"}).ok());
  EXPECT_FALSE(Load({"--tls-cert", "/a"}).ok());  // key missing
  // Deletions must happen within a minute of their time.
  EXPECT_NE(Load({"--secret-sweep-interval-ms", "30001"}).status().message().find(
                "secret_sweep_interval_ms"),
            std::string::npos);
  EXPECT_FALSE(Load({"--secret-sweep-interval-ms", "9"}).ok());
  EXPECT_EQ(Load({"--secret-sweep-interval-ms", "100"})->secret_sweep_interval_ms, 100);
  // A lifetime whose ms value overflows is refused, not wrapped into a past expiry.
  EXPECT_NE(Load({"--key-lifetime-days", "106751991167301"}).status().message().find(
                "key_lifetime_days must be 0..365000"),
            std::string::npos);
  EXPECT_FALSE(Load({"--key-lifetime-days", "365001"}).ok());
  EXPECT_EQ(Load({"--key-lifetime-days", "365000"})->key_lifetime_days, 365000);
  WriteFile("prot = 1\n");
  auto typo = Load({"--config", file_.string()});
  EXPECT_NE(typo.status().message().find("unknown key prot"), std::string::npos);
  WriteFile("port = [1\n");
  EXPECT_NE(Load({"--config", file_.string()}).status().message().find("line"),
            std::string::npos);
}

TEST_F(ConfigTest, ConnectionLimitsComeFromFlagsEnvironmentAndFile) {
  auto defaults = Load({});
  ASSERT_TRUE(defaults.ok()) << defaults.status().ToString();
  EXPECT_EQ(defaults->max_connections, 0);  // derived from the open-file limit at start
  EXPECT_EQ(defaults->max_connections_per_ip, 0);
  EXPECT_EQ(defaults->first_request_timeout_ms, 10000);
  EXPECT_NE(defaults->Summary().find("max_connections=auto max_connections_per_ip=0 "
                                     "first_request_timeout_ms=10000"),
            std::string::npos);

  WriteFile("max_connections = 500\nmax_connections_per_ip = 7\nfirst_request_timeout_ms = 2000\n");
  auto from_file = Load({"--config", file_.string()});
  ASSERT_TRUE(from_file.ok()) << from_file.status().ToString();
  EXPECT_EQ(from_file->max_connections, 500);
  EXPECT_EQ(from_file->max_connections_per_ip, 7);
  EXPECT_EQ(from_file->first_request_timeout_ms, 2000);

  setenv("EHSM_MAX_CONNECTIONS", "600", 1);
  EXPECT_EQ(Load({"--config", file_.string()})->max_connections, 600);
  auto from_flag = Load({"--config", file_.string(), "--max-connections", "700"});
  ASSERT_TRUE(from_flag.ok()) << from_flag.status().ToString();
  EXPECT_EQ(from_flag->max_connections, 700);
  EXPECT_NE(from_flag->Summary().find("max_connections=700 max_connections_per_ip=7 "
                                      "first_request_timeout_ms=2000"),
            std::string::npos);
}

TEST_F(ConfigTest, BadConnectionLimitsAreRefusedNamingTheFlag) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--max-connections", "-1"}, "--max-connections"},
      {{"--max-connections", "abc"}, "--max-connections"},
      {{"--max-connections", "16777217"}, "--max-connections"},
      {{"--max-connections-per-ip", "-1"}, "--max-connections-per-ip"},
      {{"--first-request-timeout-ms", "0"}, "--first-request-timeout-ms"},
      {{"--first-request-timeout-ms", "600001"}, "--first-request-timeout-ms"},
  };
  for (const auto& [args, named] : cases) {
    auto c = Load(args);
    ASSERT_FALSE(c.ok()) << args[0] << " " << args[1];
    EXPECT_NE(c.status().message().find(named), std::string::npos)
        << args[0] << " " << args[1] << ": " << c.status().message();
  }
  EXPECT_EQ(Load({"--max-connections", "16777216"})->max_connections, 16777216);
  EXPECT_EQ(Load({"--first-request-timeout-ms", "100"})->first_request_timeout_ms, 100);
}

TEST_F(ConfigTest, UpstreamCouchdbEnvironment) {
  setenv("EHSM_CONFIG_COUCHDB_SERVER", "couch", 1);
  setenv("EHSM_CONFIG_COUCHDB_PORT", "5985", 1);
  setenv("EHSM_CONFIG_COUCHDB_USERNAME", "admin", 1);
  setenv("EHSM_CONFIG_COUCHDB_PASSWORD", "s3cret", 1);
  setenv("EHSM_CONFIG_COUCHDB_DB", "kmsdb", 1);
  auto c = Load({"--store", "couchdb"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->couchdb_url, "http://couch:5985");
  EXPECT_EQ(c->couchdb_user, "admin");
  EXPECT_EQ(c->couchdb_password, "s3cret");
  EXPECT_EQ(c->couchdb_db, "kmsdb");
}

TEST_F(ConfigTest, UpstreamCouchdbServerMayBeAUrlWithCredentials) {
  setenv("EHSM_CONFIG_COUCHDB_SERVER", "https://u%40x:p%3Aw@couch.example/", 1);
  setenv("EHSM_CONFIG_COUCHDB_PORT", "6984", 1);
  auto c = Load({"--store", "couchdb"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->couchdb_url, "https://couch.example:6984");
  EXPECT_EQ(c->couchdb_user, "u@x");
  EXPECT_EQ(c->couchdb_password, "p:w");

  setenv("EHSM_CONFIG_COUCHDB_SERVER", "http://couch.example:7000", 1);
  auto own_port = Load({"--store", "couchdb"});
  ASSERT_TRUE(own_port.ok()) << own_port.status().ToString();
  EXPECT_EQ(own_port->couchdb_url, "http://couch.example:7000");
}

TEST_F(ConfigTest, OurCouchdbSettingsBeatUpstreamWhichBeatsTheFile) {
  setenv("EHSM_CONFIG_COUCHDB_SERVER", "upstream", 1);
  setenv("EHSM_CONFIG_COUCHDB_DB", "upstream_db", 1);
  WriteFile("store = \"couchdb\"\ncouchdb_url = \"http://file:1\"\ncouchdb_db = \"file_db\"\n");
  auto from_env = Load({"--config", file_.string()});
  ASSERT_TRUE(from_env.ok()) << from_env.status().ToString();
  EXPECT_EQ(from_env->couchdb_url, "http://upstream:5984");
  EXPECT_EQ(from_env->couchdb_db, "upstream_db");

  setenv("EHSM_COUCHDB_DB", "our_db", 1);
  auto ours = Load({"--config", file_.string(), "--couchdb-url", "http://flag:2"});
  unsetenv("EHSM_COUCHDB_DB");
  ASSERT_TRUE(ours.ok()) << ours.status().ToString();
  EXPECT_EQ(ours->couchdb_url, "http://flag:2");
  EXPECT_EQ(ours->couchdb_db, "our_db");
}

TEST_F(ConfigTest, CouchdbSettingsAreChecked) {
  EXPECT_NE(Load({"--store", "couchdb"}).status().message().find("couchdb_url"),
            std::string::npos);
  EXPECT_NE(Load({"--store", "couchdb", "--couchdb-url", "couch:5984"}).status().message().find(
                "couchdb_url"),
            std::string::npos);
  setenv("EHSM_CONFIG_COUCHDB_SERVER", "couch", 1);
  setenv("EHSM_CONFIG_COUCHDB_PORT", "99999", 1);
  EXPECT_NE(Load({"--store", "couchdb"}).status().message().find("EHSM_CONFIG_COUCHDB_PORT"),
            std::string::npos);
  EXPECT_TRUE(Load({}).ok());  // SQLite does not care
  EXPECT_FALSE(Load({"--store-connect-timeout-ms", "-1"}).ok());
  EXPECT_FALSE(Load({"--key-cache-ttl-ms", "-1"}).ok());
}

TEST_F(ConfigTest, SummaryHasNoPassword) {
  auto c = Load({"--couchdb-password", "hunter2", "--store", "couchdb", "--couchdb-url",
                 "http://couch:5984"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->Summary().find("hunter2"), std::string::npos);
  EXPECT_NE(c->Summary().find("couchdb_url=http://couch:5984"), std::string::npos);

  // Credentials written into the URL move out of it.
  auto in_url = Load({"--store", "couchdb", "--couchdb-url", "http://admin:hunter3@couch:5984/"});
  ASSERT_TRUE(in_url.ok()) << in_url.status().ToString();
  EXPECT_EQ(in_url->couchdb_url, "http://couch:5984");
  EXPECT_EQ(in_url->couchdb_user, "admin");
  EXPECT_EQ(in_url->couchdb_password, "hunter3");
  EXPECT_EQ(in_url->Summary().find("hunter3"), std::string::npos);
}

}  // namespace
}  // namespace kms::server

namespace kms::server {
namespace {

TEST_F(ConfigTest, LogFormatAndMetricsToken) {
  auto c = Load({"--data-dir", "/tmp/x"});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->log_format, "text");
  EXPECT_TRUE(c->metrics_token.empty());
  EXPECT_NE(c->Summary().find("metrics_token=none"), std::string::npos);
  c = Load({"--data-dir", "/tmp/x", "--log-format", "json", "--metrics-token", "hush"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->log_format, "json");
  EXPECT_EQ(c->metrics_token, "hush");
  EXPECT_EQ(c->Summary().find("hush"), std::string::npos);
  EXPECT_NE(c->Summary().find("metrics_token=set"), std::string::npos);
  auto bad = Load({"--data-dir", "/tmp/x", "--log-format", "xml"});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("log_format"), std::string::npos);
}

TEST_F(ConfigTest, HelpShowsNoSecretFromTheConfigFile) {
  std::ofstream(file_) << "metrics_token = \"m-t0ken-in-file\"\n"
                       << "enroll_token = \"e-t0ken-in-file\"\n"
                       << "couchdb_password = \"pa55-in-file\"\n"
                       << "port = 7005\n";
  auto used = Load({"--config", file_.string()});
  ASSERT_TRUE(used.ok()) << used.status().ToString();
  EXPECT_EQ(used->metrics_token, "m-t0ken-in-file");
  ::testing::internal::CaptureStdout();
  auto help = Load({"--config", file_.string(), "--help"});
  const std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_FALSE(help.ok());
  EXPECT_NE(out.find("--metrics-token"), std::string::npos) << out;
  EXPECT_NE(out.find("7005"), std::string::npos) << out;  // other file values are shown
  for (const char* secret : {"m-t0ken", "e-t0ken", "pa55"}) {
    EXPECT_EQ(out.find(secret), std::string::npos) << secret << " in\n" << out;
  }
}

TEST(EventLoops, ThreadsWhenSetElseOnePerCore) {
  KmsConfig c;
  c.threads = 3;
  EXPECT_EQ(EventLoops(c), 3);
  c.threads = 0;
  EXPECT_EQ(EventLoops(c), Cores());
  EXPECT_GE(Cores(), 1);
}

}  // namespace
}  // namespace kms::server

namespace kms::server {
namespace {

TEST(MaxConnections, DefaultLeavesTenPercentOfTheOpenFileLimitWithinBounds) {
  EXPECT_EQ(DefaultMaxConnections(1024), 768);        // reserve at least 256
  EXPECT_EQ(DefaultMaxConnections(65536), 58983);     // 10 %
  EXPECT_EQ(DefaultMaxConnections(1048576), 943719);  // 10 %
  EXPECT_EQ(DefaultMaxConnections(300), 150);         // at most half
}

TEST(MaxConnections, ExplicitValueMustLeaveTheReserve) {
  EXPECT_EQ(*ResolveMaxConnections(0, 1024), 768);
  EXPECT_EQ(*ResolveMaxConnections(500, 1024), 500);
  EXPECT_EQ(*ResolveMaxConnections(1024 - kMinFdReserve, 1024), 1024 - kMinFdReserve);
  auto too_many = ResolveMaxConnections(1024 - kMinFdReserve + 1, 1024);
  ASSERT_FALSE(too_many.ok());
  EXPECT_EQ(too_many.status().code(), Code::kInvalidArgument);
  EXPECT_NE(too_many.status().message().find("--max-connections 961"), std::string::npos);
  EXPECT_NE(too_many.status().message().find("1024"), std::string::npos);
}

TEST_F(ConfigTest, CollateralSourceFromFlagsEnvironmentAndFile) {
  WriteFile("pccs_url = \"https://file-pccs:8081\"\n");
  auto c = Load({"--config", file_.string()});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->collateral.pccs_url, "https://file-pccs:8081");
  EXPECT_FALSE(c->collateral.pccs_insecure);
  setenv("EHSM_PCCS_URL", "https://env-pccs:8081", 1);
  c = Load({"--config", file_.string(), "--pccs-insecure"});
  unsetenv("EHSM_PCCS_URL");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->collateral.pccs_url, "https://env-pccs:8081");
  EXPECT_TRUE(c->collateral.pccs_insecure);
  EXPECT_NE(c->Summary().find("pccs_url=https://env-pccs:8081"), std::string::npos);
  c = Load({"--collateral-dir", "/srv/collateral"});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->collateral.collateral_dir, "/srv/collateral");
}

TEST_F(ConfigTest, TeeBackendIsSimOrGramine) {
  auto c = Load({});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->tee, "sim");
  c = Load({"--tee", "gramine", "--gramine-root", "/tmp/attestation"});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->tee, "gramine");
  EXPECT_EQ(c->gramine_root, "/tmp/attestation");
  EXPECT_NE(c->Summary().find("tee=gramine gramine_root=/tmp/attestation"), std::string::npos);
  auto bad = Load({"--tee", "sgx"});
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("tee must be sim or gramine"), std::string::npos);
}

TEST_F(ConfigTest, CollateralSourceConflictsAreRefused) {
  auto both = Load({"--pccs-url", "https://p:8081", "--collateral-dir", "/d"});
  EXPECT_EQ(both.status().code(), Code::kInvalidArgument);
  EXPECT_NE(both.status().message().find("not both"), std::string::npos);
  EXPECT_EQ(Load({"--pccs-insecure"}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(Load({"--pccs-ca-file", "/ca.pem"}).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace kms::server
