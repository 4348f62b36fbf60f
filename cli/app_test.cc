// CLI behaviour that needs no server: help, usage errors, credentials checks, offline commands.

#include "app.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

namespace ehsm_cli {
namespace {

struct Outcome {
  int rc;
  std::string out, err;
};

Outcome Ehsm(std::vector<std::string> args, const std::string& stdin_data = "") {
  args.insert(args.begin(), "ehsm");
  std::vector<const char*> argv;
  for (auto& a : args) argv.push_back(a.c_str());
  std::istringstream in(stdin_data);
  std::ostringstream out, err;
  int rc = RunCli(static_cast<int>(argv.size()), argv.data(), in, out, err);
  return {rc, out.str(), err.str()};
}

class AppTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* v : {"EHSM_URL", "EHSM_APPID", "EHSM_APIKEY", "EHSM_PROFILE"}) {
      ::unsetenv(v);
    }
    // No stray profile from the user running the tests.
    ::setenv("EHSM_PROFILE", "/nonexistent/ehsm-profile.toml", 1);
  }
  void TearDown() override { ::unsetenv("EHSM_PROFILE"); }
};

TEST_F(AppTest, EverySubcommandHasHelpWithAnExample) {
  const std::vector<std::vector<std::string>> commands = {
      {"enroll"}, {"version"}, {"key", "create"}, {"key", "list"}, {"key", "enable"},
      {"key", "disable"}, {"key", "delete"}, {"key", "delete-all"}, {"key", "public-key"},
      {"encrypt"}, {"decrypt"}, {"datakey", "generate"}, {"datakey", "export"}, {"sign"},
      {"verify"}, {"asym-encrypt"}, {"asym-decrypt"}, {"import"}, {"secret", "create"},
      {"secret", "update-desc"}, {"secret", "put"}, {"secret", "list-versions"},
      {"secret", "list"}, {"secret", "describe"}, {"secret", "delete"}, {"secret", "get"},
      {"secret", "restore"}, {"file", "encrypt"}, {"file", "decrypt"}, {"file", "info"}};
  for (auto args : commands) {
    std::string name = args.back();
    args.push_back("--help");
    Outcome o = Ehsm(args);
    EXPECT_EQ(o.rc, 0) << name;
    EXPECT_NE(o.out.find("Example:"), std::string::npos) << name << ":\n" << o.out;
    EXPECT_NE(o.out.find("ehsm "), std::string::npos) << name;
  }
}

TEST_F(AppTest, ApikeyFlagIsDiscouragedInHelp) {
  Outcome o = Ehsm({"--help"});
  EXPECT_EQ(o.rc, 0);
  EXPECT_NE(o.out.find("visible in process listings"), std::string::npos);
}

TEST_F(AppTest, UsageErrorsExitWith2) {
  EXPECT_EQ(Ehsm({}).rc, kExitUsage);
  EXPECT_EQ(Ehsm({"frobnicate"}).rc, kExitUsage);
  EXPECT_EQ(Ehsm({"encrypt", "hello"}).rc, kExitUsage);  // --key missing
  EXPECT_EQ(Ehsm({"key", "delete-all"}).rc, kExitUsage);  // --yes missing
}

TEST_F(AppTest, MissingUrlOrCredentialsAreExplained) {
  Outcome o = Ehsm({"key", "list"});
  EXPECT_EQ(o.rc, kExitUsage);
  EXPECT_NE(o.err.find("--url"), std::string::npos);
  o = Ehsm({"--url", "https://127.0.0.1:1", "key", "list"});
  EXPECT_EQ(o.rc, kExitUsage);
  EXPECT_NE(o.err.find("enroll --save"), std::string::npos);
}

TEST_F(AppTest, UnknownKeySpecIsRejectedLocally) {
  Outcome o = Ehsm({"--url", "https://127.0.0.1:1", "--appid", "a", "--apikey", "k", "key",
                   "create", "--spec", "des"});
  EXPECT_EQ(o.rc, kExitUsage);
  EXPECT_NE(o.err.find("unknown key spec"), std::string::npos);
}

TEST_F(AppTest, NetworkFailureExitsWith3AndJsonReportsIt) {
  Outcome o = Ehsm({"--url", "https://127.0.0.1:1", "--json", "--timeout", "5", "version"});
  EXPECT_EQ(o.rc, kExitNetwork);
  EXPECT_NE(o.out.find("\"kind\":\"transport\""), std::string::npos) << o.out;
}

TEST_F(AppTest, FileInfoRejectsAForeignFile) {
  auto path = std::filesystem::temp_directory_path() / ("ehsm-app-" + std::to_string(getpid()));
  { std::ofstream(path) << "just some text that is long enough to be a header"; }
  Outcome o = Ehsm({"file", "info", path.string()});
  EXPECT_EQ(o.rc, kExitLocal);
  EXPECT_NE(o.err.find("bad magic"), std::string::npos);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace ehsm_cli
