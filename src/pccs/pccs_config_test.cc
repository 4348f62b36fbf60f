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

TEST_F(PccsConfigTest, RefusesBadSettings) {
  EXPECT_EQ(Load({"--port", "70000"}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(Load({"--tls-cert", "/c"}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(Load({"--threads", "0"}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(Load({"--log-level", "loud"}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(Load({"--log-format", "xml"}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(Load({"--log-format", "json"})->log_format, "json");
  EXPECT_EQ(Load({"--data-dir", ""}).status().code(), Code::kInvalidArgument);
  auto key_alone = Load({"--api-key-file", "/k"});
  EXPECT_EQ(key_alone.status().code(), Code::kInvalidArgument);
  EXPECT_NE(key_alone.status().message().find("--upstream"), std::string::npos);
  std::ofstream(file_) << "collateral_dir = \"/d\"\nno_such_key = 1\n";
  EXPECT_EQ(Load({"--config", file_.string()}).status().code(), Code::kInvalidArgument);
}

// Intel's PCS keeps the root CA CRL on another host; another PCCS serves it itself.
TEST_F(PccsConfigTest, IntelPcsUpstreamGetsItsRootCaCrlUrl) {
  auto pcs = Load({"--upstream", "https://api.trustedservices.intel.com"});
  ASSERT_TRUE(pcs.ok()) << pcs.status().ToString();
  EXPECT_EQ(pcs->root_ca_crl_url,
            "https://certificates.trustedservices.intel.com/IntelSGXRootCA.der");
  auto pccs = Load({"--upstream", "https://pccs.example:8081"});
  ASSERT_TRUE(pccs.ok());
  EXPECT_EQ(pccs->root_ca_crl_url, "");
  auto set = Load({"--upstream", "https://api.trustedservices.intel.com", "--root-ca-crl-url",
                   "https://mirror/crl.der"});
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set->root_ca_crl_url, "https://mirror/crl.der");
}

TEST_F(PccsConfigTest, CommandsAndTheirArguments) {
  auto serve = Load({"--data-dir", "/d"});
  ASSERT_TRUE(serve.ok()) << serve.status().ToString();
  EXPECT_EQ(serve->command, PccsCommand::kServe);
  EXPECT_EQ(serve->DbPath(), "/d/pccs.db");
  auto import = Load({"import", "/in", "--data-dir=/d", "--at", "1751328000"});
  ASSERT_TRUE(import.ok()) << import.status().ToString();
  EXPECT_EQ(import->command, PccsCommand::kImport);
  EXPECT_EQ(import->import_path, "/in");
  EXPECT_EQ(import->at, 1751328000);
  EXPECT_EQ(Load({"import", "--data-dir=/d"}).status().code(), Code::kInvalidArgument);
  auto status = Load({"status", "--data-dir=/d", "--db", "/x.db"});
  ASSERT_TRUE(status.ok()) << status.status().ToString();
  EXPECT_EQ(status->command, PccsCommand::kStatus);
  EXPECT_EQ(status->DbPath(), "/x.db");
  auto up = Load({"--upstream", "https://pcs", "--api-key-file", "/k"});
  ASSERT_TRUE(up.ok());
  EXPECT_EQ(up->Summary().find("/k"), std::string::npos);  // the file is not shown either
}

// The --couchdb-* settings as ehsm-kms names and checks them: credentials in the URL move out
// of it and are never shown; couchdb without a URL is refused; sqlite ignores them.
TEST_F(PccsConfigTest, CouchDbStoreSettings) {
  auto sqlite = Load({});
  ASSERT_TRUE(sqlite.ok());
  EXPECT_EQ(sqlite->store, "sqlite");
  EXPECT_EQ(sqlite->couchdb_db, "ehsm_pccs");
  auto couch = Load({"status", "--store", "couchdb", "--couchdb-url",
                     "http://pccs:s3cr%40t@couch:5984/", "--couchdb-timeout-ms", "500"});
  ASSERT_TRUE(couch.ok()) << couch.status().ToString();
  EXPECT_EQ(couch->couchdb_url, "http://couch:5984");
  EXPECT_EQ(couch->couchdb_user, "pccs");
  EXPECT_EQ(couch->couchdb_password, "s3cr@t");
  EXPECT_EQ(couch->StoreName(), "couchdb:http://couch:5984/ehsm_pccs");
  EXPECT_EQ(couch->Summary().find("s3cr"), std::string::npos) << couch->Summary();
  EXPECT_NE(couch->Summary().find("store=couchdb"), std::string::npos);
  setenv("EHSM_PCCS_COUCHDB_PASSWORD", "from-env", 1);
  auto env = Load({"--store=couchdb", "--couchdb-url=https://couch:6984", "--couchdb-user=u",
                   "--couchdb-db=other"});
  unsetenv("EHSM_PCCS_COUCHDB_PASSWORD");
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  EXPECT_EQ(env->couchdb_password, "from-env");
  EXPECT_EQ(env->couchdb_db, "other");

  auto no_url = Load({"--store", "couchdb"});
  EXPECT_EQ(no_url.status().code(), Code::kInvalidArgument);
  EXPECT_NE(no_url.status().message().find("couchdb_url"), std::string::npos);
  EXPECT_EQ(Load({"--store", "couchdb", "--couchdb-url", "ftp://x"}).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(Load({"--store", "couchdb", "--couchdb-url", "http://x", "--couchdb-db", ""})
                .status()
                .code(),
            Code::kInvalidArgument);
  EXPECT_EQ(Load({"--store", "mysql"}).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(Load({"--couchdb-timeout-ms", "5"}).status().code(), Code::kInvalidArgument);
  EXPECT_TRUE(Load({"--couchdb-url", "ftp://unused"}).ok());  // sqlite does not use it

  // A password from the config file is used, and --help does not show it as the default.
  std::ofstream(file_) << "couchdb_password = \"s3cr3t-in-file\"\n";
  auto from_file = Load({"--config", file_.string()});
  ASSERT_TRUE(from_file.ok()) << from_file.status().ToString();
  EXPECT_EQ(from_file->couchdb_password, "s3cr3t-in-file");
  ::testing::internal::CaptureStdout();
  auto help = Load({"--config", file_.string(), "--help"});
  const std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(help.status().code(), Code::kAborted);
  EXPECT_NE(out.find("--couchdb-password"), std::string::npos) << out;
  EXPECT_EQ(out.find("s3cr3t"), std::string::npos) << out;
}

}  // namespace
}  // namespace kms::pccs
