// ehsm-pccs settings: flags over EHSM_PCCS_* over the TOML file, and refusals.

#include "pccs/pccs_config.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace kms::pccs {
namespace {

StatusOr<PccsConfig> Load(std::vector<std::string> args) {
  args.insert(args.begin(), "ehsm-pccs");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return LoadPccsConfig(static_cast<int>(argv.size()), argv.data());
}

class PccsConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    unsetenv("EHSM_PCCS_PORT");
    file_ = std::filesystem::temp_directory_path() / ("pccs_cfg_" + std::to_string(getpid()));
  }
  void TearDown() override {
    unsetenv("EHSM_PCCS_PORT");
    std::filesystem::remove(file_);
  }
  std::filesystem::path file_;
};

TEST_F(PccsConfigTest, FlagsBeatEnvironmentWhichBeatsFile) {
  std::ofstream(file_) << "port = 1111\ncollateral_dir = \"/from/file\"\n";
  auto c = Load({"--config", file_.string()});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->port, 1111);
  EXPECT_EQ(c->collateral_dir, "/from/file");
  EXPECT_EQ(c->data_dir, "/var/lib/ehsm-pccs");
  setenv("EHSM_PCCS_PORT", "2222", 1);
  c = Load({"--config", file_.string()});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->port, 2222);
  c = Load({"--config", file_.string(), "--port", "3333"});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->port, 3333);
  EXPECT_NE(c->Summary().find("collateral_dir=/from/file"), std::string::npos);
}

TEST_F(PccsConfigTest, RefusesMissingOrBadSettings) {
  auto none = Load({});
  ASSERT_EQ(none.status().code(), Code::kInvalidArgument);
  EXPECT_NE(none.status().message().find("--collateral-dir"), std::string::npos);
  EXPECT_EQ(Load({"--collateral-dir", "/d", "--port", "70000"}).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(Load({"--collateral-dir", "/d", "--tls-cert", "/c"}).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(Load({"--collateral-dir", "/d", "--threads", "0"}).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(Load({"--collateral-dir", "/d", "--log-level", "loud"}).status().code(),
            Code::kInvalidArgument);
  std::ofstream(file_) << "collateral_dir = \"/d\"\nno_such_key = 1\n";
  EXPECT_EQ(Load({"--config", file_.string()}).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace kms::pccs
