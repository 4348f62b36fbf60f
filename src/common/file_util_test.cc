#include "common/file_util.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>

namespace kms {
namespace {

class FileUtilTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("kms_file_util_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    ASSERT_TRUE(EnsureDirectory(dir_.string()).ok());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path dir_;
};

TEST_F(FileUtilTest, WriteThenReadRoundTripsWithMode) {
  std::string p = (dir_ / "f").string();
  ASSERT_TRUE(WriteFileAtomic(p, AsBytes("secret"), 0600).ok());
  auto r = ReadFileBytes(p);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(AsChars(*r), "secret");
  struct stat st;
  ASSERT_EQ(::stat(p.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST_F(FileUtilTest, ReplaceKeepsNoTempFiles) {
  std::string p = (dir_ / "f").string();
  ASSERT_TRUE(WriteFileAtomic(p, AsBytes("one"), 0600).ok());
  ASSERT_TRUE(WriteFileAtomic(p, AsBytes("two"), 0600).ok());
  EXPECT_EQ(AsChars(*ReadFileBytes(p)), "two");
  int files = 0;
  for (auto& e : std::filesystem::directory_iterator(dir_)) {
    (void)e;
    ++files;
  }
  EXPECT_EQ(files, 1);
}

TEST_F(FileUtilTest, ExclusiveRefusesToReplace) {
  std::string p = (dir_ / "f").string();
  ASSERT_TRUE(WriteFileAtomic(p, AsBytes("one"), 0600, true).ok());
  EXPECT_EQ(WriteFileAtomic(p, AsBytes("two"), 0600, true).code(), Code::kAlreadyExists);
  EXPECT_EQ(AsChars(*ReadFileBytes(p)), "one");
}

TEST_F(FileUtilTest, MissingFileIsNotFound) {
  EXPECT_EQ(ReadFileBytes((dir_ / "nope").string()).status().code(), Code::kNotFound);
}

}  // namespace
}  // namespace kms
