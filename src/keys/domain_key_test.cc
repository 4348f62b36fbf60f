#include "keys/domain_key.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "common/file_util.h"
#include "tee/sim/sim_platform.h"

namespace kms::keys {
namespace {

class DomainKeyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("kms_dk_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::unique_ptr<tee::SimPlatform> Platform(const std::string& secret = "secret") {
    return std::move(tee::SimPlatform::Open({.secret_path = (dir_ / secret).string(),
                                             .identity = {}}))
        .value();
  }
  std::string sealed() const { return (dir_ / "domain_key.sealed").string(); }
  std::filesystem::path dir_;
};

TEST_F(DomainKeyTest, CreatedOnceThenLoadedWithSameId) {
  auto p = Platform();
  auto first = LoadOrCreateSealedDomainKey(*p, sealed(), 0);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  auto second = LoadOrCreateSealedDomainKey(*p, sealed(), 5);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ((*first)->id(), (*second)->id());
}

TEST_F(DomainKeyTest, MissingSealedKeyWithStoredKeysRefusesToStart) {
  auto p = Platform();
  auto r = LoadOrCreateSealedDomainKey(*p, sealed(), 3);
  EXPECT_EQ(r.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(r.status().message().find("refusing to start"), std::string::npos);
  EXPECT_FALSE(FileExists(sealed()));  // nothing made silently
}

TEST_F(DomainKeyTest, SealedKeyFromAnotherPlatformRefusesAndIsKept) {
  {
    auto p = Platform("secret-a");
    ASSERT_TRUE(LoadOrCreateSealedDomainKey(*p, sealed(), 0).ok());
  }
  Bytes before = *ReadFileBytes(sealed());
  auto p = Platform("secret-b");
  auto r = LoadOrCreateSealedDomainKey(*p, sealed(), 0);
  EXPECT_EQ(r.status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(*ReadFileBytes(sealed()), before);
}

TEST_F(DomainKeyTest, CorruptSealedKeyRefuses) {
  auto p = Platform();
  ASSERT_TRUE(LoadOrCreateSealedDomainKey(*p, sealed(), 0).ok());
  Bytes b = *ReadFileBytes(sealed());
  b.back() ^= 1;
  ASSERT_TRUE(WriteFileAtomic(sealed(), b, 0600).ok());
  EXPECT_EQ(LoadOrCreateSealedDomainKey(*p, sealed(), 0).status().code(),
            Code::kFailedPrecondition);
}

}  // namespace
}  // namespace kms::keys
