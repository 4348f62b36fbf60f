#include "dkey/dkeyserver_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "crypto/hmac.h"

namespace kms::dkey {
namespace {

using ::testing::HasSubstr;

StatusOr<DkeyServerConfig> Load(std::vector<std::string> args) {
  args.insert(args.begin(), "ehsm-dkeyserver");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return LoadDkeyServerConfig(static_cast<int>(argv.size()), argv.data());
}

std::string Sha256Hex(std::string_view s) { return HexEncode(crypto::Sha256(AsBytes(s)).value()); }

const std::vector<std::string> kRequired = {"--data-dir", "/tmp/d", "--policy", "/tmp/p.toml"};

std::vector<std::string> With(std::vector<std::string> extra) {
  std::vector<std::string> out = kRequired;
  out.insert(out.end(), extra.begin(), extra.end());
  return out;
}

constexpr const char* kEnv[] = {"EHSM_DKEYSERVER_PORT", "EHSM_DKEYSERVER_CONFIG",
                                "EHSM_DKEYSERVER_INIT", "EHSM_DKEYSERVER_SIM_DEBUG",
                                "EHSM_DKEYSERVER_SIM_ISVSVN", "EHSM_DKEYSERVER_PCCS_URL",
                                "EHSM_DKEYSERVER_COLLATERAL_DIR"};

class DkeyServerConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* e : kEnv) unsetenv(e);
    file_ = std::filesystem::temp_directory_path() / ("dkeyserver_cfg_" + std::to_string(getpid()));
  }
  void TearDown() override {
    for (const char* e : kEnv) unsetenv(e);
    std::filesystem::remove(file_);
  }
  void WriteFile(const std::string& text) { std::ofstream(file_) << text; }
  std::filesystem::path file_;
};

TEST_F(DkeyServerConfigTest, DefaultsAndDerivedPlatformSecret) {
  auto c = Load(kRequired);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->port, 8888);
  EXPECT_EQ(c->host, "0.0.0.0");
  EXPECT_FALSE(c->init);
  EXPECT_EQ(c->health_port, -1);
  EXPECT_EQ(c->peer, "");
  EXPECT_EQ(c->identity.tee, "sim");
  EXPECT_EQ(c->identity.platform_secret, "/tmp/d/platform.secret");
  EXPECT_EQ(c->identity.sim_mrsigner, Sha256Hex("ehsm-kms sim mrsigner"));
  EXPECT_EQ(c->identity.sim_mrenclave, Sha256Hex("ehsm-dkeyserver sim mrenclave"));
  EXPECT_EQ(c->identity.sim_isvprodid, 0);
  EXPECT_EQ(c->identity.sim_isvsvn, 0);
  EXPECT_FALSE(c->identity.sim_debug);
}

TEST_F(DkeyServerConfigTest, TeeGramineIsAccepted) {
  auto c = Load(With({"--tee", "gramine", "--gramine-root", "/tmp/fake-attestation"}));
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->identity.tee, "gramine");
  tee::PlatformSpec spec = tee::ToPlatformSpec(c->identity);
  EXPECT_EQ(spec.tee, "gramine");
  EXPECT_EQ(spec.gramine.root, "/tmp/fake-attestation");
  EXPECT_NE(c->Summary().find("gramine_root=/tmp/fake-attestation"), std::string::npos);
  // Outside an enclave the backend refuses to open, saying why.
  auto platform = tee::OpenPlatform(spec);
  EXPECT_EQ(platform.status().code(), Code::kFailedPrecondition);
  EXPECT_THAT(platform.status().message(), HasSubstr("not running inside a Gramine SGX enclave"));
}

TEST_F(DkeyServerConfigTest, EveryFlag) {
  const std::string enclave(64, 'e');
  const std::string signer(64, 'f');
  auto c = Load(With({"--port", "0", "--host", "127.0.0.1", "--peer", "dkey-0.dkey:8888",
                      "--init", "--health-port", "8889", "--tee", "sim", "--platform-secret",
                      "/tmp/s", "--sim-mrenclave", enclave, "--sim-mrsigner", signer,
                      "--sim-isvprodid", "3", "--sim-isvsvn", "4", "--sim-debug", "--log-level",
                      "warn", "--log-format", "json"}));
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->port, 0);
  EXPECT_EQ(c->host, "127.0.0.1");
  EXPECT_EQ(c->peer, "dkey-0.dkey:8888");
  EXPECT_TRUE(c->init);
  EXPECT_EQ(c->health_port, 8889);
  EXPECT_EQ(c->identity.platform_secret, "/tmp/s");
  EXPECT_EQ(c->identity.sim_mrenclave, enclave);
  EXPECT_EQ(c->identity.sim_mrsigner, signer);
  EXPECT_EQ(c->identity.sim_isvprodid, 3);
  EXPECT_EQ(c->identity.sim_isvsvn, 4);
  EXPECT_TRUE(c->identity.sim_debug);
  EXPECT_EQ(c->log_level, "warn");
  EXPECT_EQ(c->log_format, "json");
  EXPECT_THAT(c->Summary(), HasSubstr("log_level=warn log_format=json"));
  EXPECT_THAT(c->Summary(), HasSubstr("peer=dkey-0.dkey:8888 init=true health_port=8889"));
  EXPECT_THAT(c->Summary(), HasSubstr("sim_debug=true"));
}

TEST_F(DkeyServerConfigTest, FlagsOverEnvOverFile) {
  WriteFile("port = 1111\ninit = true\nsim_isvsvn = 5\nsim_debug = true\n"
            "data_dir = \"/tmp/from-file\"\npolicy = \"/tmp/p.toml\"\n");
  auto from_file = Load({"--config", file_.string()});
  ASSERT_TRUE(from_file.ok()) << from_file.status().message();
  EXPECT_EQ(from_file->port, 1111);
  EXPECT_TRUE(from_file->init);
  EXPECT_TRUE(from_file->identity.sim_debug);
  EXPECT_EQ(from_file->identity.sim_isvsvn, 5);
  EXPECT_EQ(from_file->data_dir, "/tmp/from-file");
  EXPECT_EQ(from_file->identity.platform_secret, "/tmp/from-file/platform.secret");

  setenv("EHSM_DKEYSERVER_PORT", "2222", 1);
  setenv("EHSM_DKEYSERVER_SIM_ISVSVN", "6", 1);
  auto from_env = Load({"--config", file_.string()});
  ASSERT_TRUE(from_env.ok()) << from_env.status().message();
  EXPECT_EQ(from_env->port, 2222);
  EXPECT_EQ(from_env->identity.sim_isvsvn, 6);

  auto from_flag = Load({"--config", file_.string(), "--port", "3333"});
  ASSERT_TRUE(from_flag.ok());
  EXPECT_EQ(from_flag->port, 3333);

  // The config file may also come from the environment.
  setenv("EHSM_DKEYSERVER_CONFIG", file_.string().c_str(), 1);
  auto env_file = Load({});
  ASSERT_TRUE(env_file.ok()) << env_file.status().message();
  EXPECT_EQ(env_file->config_file, file_.string());
  EXPECT_TRUE(env_file->init);
}

TEST_F(DkeyServerConfigTest, SwitchesFromTheEnvironment) {
  setenv("EHSM_DKEYSERVER_INIT", "true", 1);
  setenv("EHSM_DKEYSERVER_SIM_DEBUG", "1", 1);
  auto c = Load(kRequired);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_TRUE(c->init);
  EXPECT_TRUE(c->identity.sim_debug);
}

TEST_F(DkeyServerConfigTest, BadInputNamesTheSetting) {
  auto error = [](std::vector<std::string> args) {
    auto c = Load(std::move(args));
    EXPECT_FALSE(c.ok());
    if (c.ok()) return std::string();
    EXPECT_EQ(c.status().code(), Code::kInvalidArgument);
    return c.status().message();
  };
  EXPECT_EQ(error({"--policy", "/p"}), "--data-dir is required");
  EXPECT_EQ(error({"--data-dir", "/d"}), "--policy is required");
  EXPECT_THAT(error(With({"--port", "70000"})), HasSubstr("port must be 0..65535"));
  EXPECT_THAT(error(With({"--port", "http"})), HasSubstr("--port"));
  EXPECT_THAT(error(With({"--health-port", "-2"})), HasSubstr("health_port must be"));
  EXPECT_THAT(error(With({"--peer", "nohost"})), HasSubstr("peer must be HOST:PORT"));
  EXPECT_THAT(error(With({"--peer", "host:0"})), HasSubstr("peer must be HOST:PORT"));
  EXPECT_THAT(error(With({"--peer", "host:99999"})), HasSubstr("peer must be HOST:PORT"));
  EXPECT_THAT(error(With({"--tee", "sgx"})), HasSubstr("tee must be sim or gramine"));
  EXPECT_THAT(error(With({"--sim-mrenclave", "abc"})),
              HasSubstr("sim_mrenclave must be 64 hex digits"));
  EXPECT_THAT(error(With({"--sim-mrsigner", std::string(64, 'z')})),
              HasSubstr("sim_mrsigner must be 64 hex digits"));
  EXPECT_THAT(error(With({"--sim-isvsvn", "65536"})), HasSubstr("sim_isvsvn must be 0..65535"));
  EXPECT_THAT(error(With({"--sim-isvprodid", "-1"})), HasSubstr("sim_isvprodid must be 0..65535"));
  EXPECT_THAT(error(With({"--sim-debug=maybe"})), HasSubstr("sim-debug"));
  EXPECT_THAT(error(With({"--no-such-flag"})), HasSubstr("--no-such-flag"));
  EXPECT_THAT(error(With({"--log-level", "loud"})), HasSubstr("log_level must be"));
  EXPECT_THAT(error(With({"--log-format", "xml"})), HasSubstr("log_format must be"));
}

TEST_F(DkeyServerConfigTest, UnknownOrMalformedConfigFileIsAnError) {
  WriteFile("prot = 1\n");
  auto unknown = Load(With({"--config", file_.string()}));
  EXPECT_THAT(unknown.status().message(), HasSubstr("unknown key prot"));
  WriteFile("port = \n");
  auto broken = Load(With({"--config", file_.string()}));
  EXPECT_THAT(broken.status().message(), HasSubstr("at line 1"));
}

// The collateral settings have the KMS's names: flag over environment over file.
TEST_F(DkeyServerConfigTest, CollateralSettingsLikeTheKms) {
  auto none = Load(kRequired);
  ASSERT_TRUE(none.ok());
  EXPECT_THAT(none->Summary(), HasSubstr(" pccs_url=- collateral_dir=- "));
  WriteFile("pccs_url = \"https://file-pccs:8081\"\n");
  auto from_file = Load(With({"--config", file_.string()}));
  ASSERT_TRUE(from_file.ok()) << from_file.status().message();
  EXPECT_EQ(from_file->collateral.pccs_url, "https://file-pccs:8081");
  setenv("EHSM_DKEYSERVER_PCCS_URL", "https://env-pccs:8081", 1);
  auto from_env = Load(With({"--config", file_.string()}));
  ASSERT_TRUE(from_env.ok());
  EXPECT_EQ(from_env->collateral.pccs_url, "https://env-pccs:8081");
  auto from_flag = Load(With({"--config", file_.string(), "--pccs-url", "https://flag-pccs:8081",
                              "--pccs-ca-file", "/etc/ca.pem"}));
  ASSERT_TRUE(from_flag.ok());
  EXPECT_EQ(from_flag->collateral.pccs_url, "https://flag-pccs:8081");
  EXPECT_EQ(from_flag->collateral.pccs_ca_file, "/etc/ca.pem");
  EXPECT_THAT(from_flag->Summary(), HasSubstr("pccs_url=https://flag-pccs:8081 collateral_dir=-"));
  unsetenv("EHSM_DKEYSERVER_PCCS_URL");
  setenv("EHSM_DKEYSERVER_COLLATERAL_DIR", "/srv/collateral", 1);
  auto dir = Load(kRequired);
  ASSERT_TRUE(dir.ok());
  EXPECT_EQ(dir->collateral.collateral_dir, "/srv/collateral");
  EXPECT_THAT(Load(With({"--pccs-url", "https://p:1"})).status().message(), HasSubstr("not both"));
}

}  // namespace
}  // namespace kms::dkey
