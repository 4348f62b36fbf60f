#include "credentials.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

namespace ehsm_cli {
namespace {
namespace fs = std::filesystem;

class CredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* v : {"EHSM_URL", "EHSM_APPID", "EHSM_APIKEY", "EHSM_CACERT",
                          "EHSM_INSECURE", "EHSM_PROFILE"}) {
      ::unsetenv(v);
    }
    dir_ = fs::temp_directory_path() / ("ehsm-cred-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(CredentialsTest, SavedProfileIsPrivateAndLoadsBack) {
  std::string path = (dir_ / "sub" / "profile.toml").string();
  Profile p{"https://127.0.0.1:9000", "app-1", "key\"with=odd&chars", "", true};
  ASSERT_TRUE(SaveProfile(path, p).ok());
  struct stat st;
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat((dir_ / "sub").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  std::string warning;
  auto loaded = LoadProfile(path, &warning);
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  EXPECT_EQ(loaded->url, p.url);
  EXPECT_EQ(loaded->appid, p.appid);
  EXPECT_EQ(loaded->apikey, p.apikey);
  EXPECT_TRUE(loaded->insecure);
  EXPECT_TRUE(warning.empty());
  // Nothing but the profile in the directory (no temporary files).
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_ / "sub"), {}), 1);
}

TEST_F(CredentialsTest, WarnsAboutReadableProfileAndRejectsBadToml) {
  fs::create_directories(dir_);
  std::string path = (dir_ / "p.toml").string();
  std::ofstream(path) << "url = \"https://x:1\"\n";
  ::chmod(path.c_str(), 0644);
  std::string warning;
  ASSERT_TRUE(LoadProfile(path, &warning).ok());
  EXPECT_NE(warning.find("chmod 600"), std::string::npos);
  std::ofstream(path) << "url = \n";
  EXPECT_FALSE(LoadProfile(path, nullptr).ok());
}

TEST_F(CredentialsTest, MissingProfileIsEmpty) {
  auto p = LoadProfile((dir_ / "none.toml").string(), nullptr);
  ASSERT_TRUE(p.ok());
  EXPECT_TRUE(p->url.empty());
}

TEST_F(CredentialsTest, FlagsBeatEnvironmentBeatsProfile) {
  std::string path = (dir_ / "p.toml").string();
  ASSERT_TRUE(SaveProfile(path, {"https://file:1", "file-app", "file-key", "/file/ca", false}).ok());
  ::setenv("EHSM_PROFILE", path.c_str(), 1);
  EXPECT_EQ(DefaultProfilePath(), path);
  auto r = ResolveCredentials({}, nullptr);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->url, "https://file:1");
  EXPECT_EQ(r->apikey, "file-key");
  ::setenv("EHSM_APIKEY", "env-key", 1);
  ::setenv("EHSM_URL", "https://env:1", 1);
  r = ResolveCredentials({}, nullptr);
  EXPECT_EQ(r->apikey, "env-key");
  EXPECT_EQ(r->url, "https://env:1");
  EXPECT_EQ(r->appid, "file-app");
  FlagCredentials flags;
  flags.url = "https://flag:1";
  flags.insecure = true;
  r = ResolveCredentials(flags, nullptr);
  EXPECT_EQ(r->url, "https://flag:1");
  EXPECT_EQ(r->apikey, "env-key");
  EXPECT_TRUE(r->insecure);
  EXPECT_EQ(r->cacert, "/file/ca");
  ::unsetenv("EHSM_APIKEY");
  ::unsetenv("EHSM_URL");
  ::unsetenv("EHSM_PROFILE");
}

}  // namespace
}  // namespace ehsm_cli
