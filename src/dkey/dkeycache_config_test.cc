#include "dkey/dkeycache_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "crypto/hmac.h"

namespace kms::dkey {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

StatusOr<DkeyCacheConfig> Load(std::vector<std::string> args) {
  args.insert(args.begin(), "ehsm-dkeycache");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return LoadDkeyCacheConfig(static_cast<int>(argv.size()), argv.data());
}

const std::vector<std::string> kRequired = {"--dkeyserver", "10.0.0.1:8888", "--data-dir",
                                            "/tmp/d", "--policy", "/tmp/p.toml"};

std::vector<std::string> With(std::vector<std::string> extra) {
  std::vector<std::string> out = kRequired;
  out.insert(out.end(), extra.begin(), extra.end());
  return out;
}

constexpr const char* kEnv[] = {"EHSM_DKEYCACHE_SOCKET", "EHSM_DKEYCACHE_CONFIG",
                                "EHSM_DKEYCACHE_HEALTH_PORT", "EHSM_DKEYCACHE_SIM_DEBUG",
                                "EHSM_DKEYCACHE_PCCS_URL", "EHSM_DKEYCACHE_PCCS_INSECURE"};

class DkeyCacheConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* e : kEnv) unsetenv(e);
    file_ = std::filesystem::temp_directory_path() / ("dkeycache_cfg_" + std::to_string(getpid()));
  }
  void TearDown() override {
    for (const char* e : kEnv) unsetenv(e);
    std::filesystem::remove(file_);
  }
  std::filesystem::path file_;
};

TEST_F(DkeyCacheConfigTest, Defaults) {
  auto c = Load(kRequired);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->socket, "/var/run/ehsm/dkeyprovision.sock");
  EXPECT_EQ(c->health_port, -1);
  EXPECT_THAT(c->dkeyservers, ElementsAre("10.0.0.1:8888"));
  EXPECT_EQ(c->identity.platform_secret, "/tmp/d/platform.secret");
  EXPECT_EQ(c->identity.sim_mrenclave,
            HexEncode(crypto::Sha256(AsBytes("ehsm-dkeycache sim mrenclave")).value()));
  EXPECT_THAT(c->Summary(), HasSubstr("dkeyserver=10.0.0.1:8888 socket=/var/run/ehsm/"));
}

TEST_F(DkeyCacheConfigTest, SeveralDkeyserversAndEveryFlag) {
  auto c = Load({"--dkeyserver", "a:1,[::1]:2,b.c:8888", "--socket", "/tmp/x.sock",
                 "--data-dir", "/d", "--policy", "/p", "--health-port", "0", "--sim-debug",
                 "--retry-initial-ms", "10", "--retry-max-ms", "20", "--revalidate-ms", "30"});
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_THAT(c->dkeyservers, ElementsAre("a:1", "[::1]:2", "b.c:8888"));
  EXPECT_EQ(c->socket, "/tmp/x.sock");
  EXPECT_EQ(c->health_port, 0);
  EXPECT_TRUE(c->identity.sim_debug);
  EXPECT_EQ(c->retry_initial_ms, 10);
  EXPECT_EQ(c->retry_max_ms, 20);
  EXPECT_EQ(c->revalidate_ms, 30);
}

TEST_F(DkeyCacheConfigTest, FlagsOverEnvOverFile) {
  std::ofstream(file_) << "socket = \"/from/file\"\nhealth_port = 1\n";
  auto from_file = Load(With({"--config", file_.string()}));
  ASSERT_TRUE(from_file.ok()) << from_file.status().message();
  EXPECT_EQ(from_file->socket, "/from/file");
  EXPECT_EQ(from_file->health_port, 1);
  setenv("EHSM_DKEYCACHE_SOCKET", "/from/env", 1);
  auto from_env = Load(With({"--config", file_.string()}));
  ASSERT_TRUE(from_env.ok());
  EXPECT_EQ(from_env->socket, "/from/env");
  EXPECT_EQ(from_env->health_port, 1);
  auto from_flag = Load(With({"--config", file_.string(), "--socket", "/from/flag"}));
  ASSERT_TRUE(from_flag.ok());
  EXPECT_EQ(from_flag->socket, "/from/flag");
}

TEST_F(DkeyCacheConfigTest, BadInputNamesTheSetting) {
  auto error = [](std::vector<std::string> args) {
    auto c = Load(std::move(args));
    EXPECT_FALSE(c.ok());
    return c.ok() ? std::string() : c.status().message();
  };
  EXPECT_EQ(error({"--data-dir", "/d", "--policy", "/p"}), "--dkeyserver is required");
  EXPECT_EQ(error({"--dkeyserver", "a:1", "--policy", "/p"}), "--data-dir is required");
  EXPECT_EQ(error({"--dkeyserver", "a:1", "--data-dir", "/d"}), "--policy is required");
  for (const char* bad : {"a:1,nohost", "a:1,,b:2", "a:0", "a:1,"}) {
    EXPECT_THAT(error({"--dkeyserver", bad, "--data-dir", "/d", "--policy", "/p"}),
                HasSubstr("dkeyserver must be HOST:PORT[,HOST:PORT...]"))
        << bad;
  }
  EXPECT_THAT(error(With({"--health-port", "70000"})), HasSubstr("health_port must be"));
  EXPECT_THAT(error(With({"--retry-max-ms", "1"})), HasSubstr("retry_initial_ms"));
  EXPECT_THAT(error(With({"--tee", "sgx"})), HasSubstr("tee must be sim"));
  EXPECT_THAT(error(With({"--log-format", "yaml"})), HasSubstr("log_format must be"));
  auto json = Load(With({"--log-format", "json"}));
  ASSERT_TRUE(json.ok()) << json.status().message();
  EXPECT_THAT(json->Summary(), HasSubstr("log_format=json"));
}

// The collateral settings have the KMS's names: flag over environment over file.
TEST_F(DkeyCacheConfigTest, CollateralSettingsLikeTheKms) {
  auto none = Load(kRequired);
  ASSERT_TRUE(none.ok());
  EXPECT_THAT(none->Summary(), HasSubstr(" pccs_url=- collateral_dir=- "));
  std::ofstream(file_) << "pccs_url = \"https://file-pccs:8081\"\npccs_ca_file = \"/etc/ca.pem\"\n";
  auto from_file = Load(With({"--config", file_.string()}));
  ASSERT_TRUE(from_file.ok()) << from_file.status().message();
  EXPECT_EQ(from_file->collateral.pccs_url, "https://file-pccs:8081");
  EXPECT_EQ(from_file->collateral.pccs_ca_file, "/etc/ca.pem");
  setenv("EHSM_DKEYCACHE_PCCS_URL", "https://env-pccs:8081", 1);
  setenv("EHSM_DKEYCACHE_PCCS_INSECURE", "true", 1);
  auto from_env = Load(With({"--config", file_.string()}));
  ASSERT_TRUE(from_env.ok()) << from_env.status().message();
  EXPECT_EQ(from_env->collateral.pccs_url, "https://env-pccs:8081");
  EXPECT_TRUE(from_env->collateral.pccs_insecure);
  EXPECT_THAT(from_env->Summary(), HasSubstr("pccs_url=https://env-pccs:8081 pccs_insecure=true"));
  auto from_flag = Load(With({"--config", file_.string(), "--pccs-url", "https://flag-pccs:8081"}));
  ASSERT_TRUE(from_flag.ok());
  EXPECT_EQ(from_flag->collateral.pccs_url, "https://flag-pccs:8081");
  unsetenv("EHSM_DKEYCACHE_PCCS_URL");
  unsetenv("EHSM_DKEYCACHE_PCCS_INSECURE");
  auto dir = Load(With({"--collateral-dir", "/srv/collateral"}));
  ASSERT_TRUE(dir.ok());
  EXPECT_EQ(dir->collateral.collateral_dir, "/srv/collateral");
  EXPECT_THAT(Load(With({"--collateral-dir", "/c", "--pccs-url", "https://p:1"})).status().message(),
              HasSubstr("not both"));
  EXPECT_THAT(Load(With({"--pccs-insecure"})).status().message(), HasSubstr("need pccs_url"));
}

}  // namespace
}  // namespace kms::dkey
