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

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    unsetenv("EHSM_PORT");
    unsetenv("EHSM_CONFIG");
    unsetenv("EHSM_CONFIG_COUCHDB_SERVER");
    file_ = std::filesystem::temp_directory_path() / ("kms_cfg_" + std::to_string(getpid()));
  }
  void TearDown() override {
    unsetenv("EHSM_PORT");
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
  WriteFile("prot = 1\n");
  auto typo = Load({"--config", file_.string()});
  EXPECT_NE(typo.status().message().find("unknown key prot"), std::string::npos);
  WriteFile("port = [1\n");
  EXPECT_NE(Load({"--config", file_.string()}).status().message().find("line"),
            std::string::npos);
}

TEST_F(ConfigTest, UpstreamCouchdbEnvironment) {
  setenv("EHSM_CONFIG_COUCHDB_SERVER", "couch", 1);
  setenv("EHSM_CONFIG_COUCHDB_PORT", "5985", 1);
  auto c = Load({});
  unsetenv("EHSM_CONFIG_COUCHDB_SERVER");
  unsetenv("EHSM_CONFIG_COUCHDB_PORT");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->couchdb_url, "http://couch:5985");
}

TEST_F(ConfigTest, SummaryHasNoPassword) {
  auto c = Load({"--couchdb-password", "hunter2", "--store", "couchdb"});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->Summary().find("hunter2"), std::string::npos);
}

}  // namespace
}  // namespace kms::server
