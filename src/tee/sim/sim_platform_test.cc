#include "tee/sim/sim_platform.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "common/file_util.h"

namespace kms::tee {
namespace {

class SimPlatformTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("kms_sim_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<SimPlatform> Open(const std::string& secret_name, TeeIdentity id = {}) {
    auto p = SimPlatform::Open({.secret_path = (dir_ / secret_name).string(), .identity = id});
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    return p.ok() ? std::move(p).value() : nullptr;
  }
  std::filesystem::path dir_;
};

TEST_F(SimPlatformTest, SealUnsealRoundTripAcrossReopen) {
  Bytes blob;
  {
    auto p = Open("secret");
    auto sealed = p->Seal(AsBytes("domain key bytes"), AsBytes("aad"), SealPolicy::kMrSigner);
    ASSERT_TRUE(sealed.ok());
    blob = *sealed;
  }
  auto p = Open("secret");
  auto out = p->Unseal(blob, AsBytes("aad"));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(AsChars(out->view()), "domain key bytes");
}

TEST_F(SimPlatformTest, OtherPlatformSecretCannotUnseal) {
  auto a = Open("a");
  auto b = Open("b");
  auto sealed = a->Seal(AsBytes("x"), {}, SealPolicy::kMrSigner);
  ASSERT_TRUE(sealed.ok());
  EXPECT_EQ(b->Unseal(*sealed, {}).status().code(), Code::kDataLoss);
}

TEST_F(SimPlatformTest, WrongAadOrAnyFlippedBitFails) {
  auto p = Open("s");
  auto sealed = p->Seal(AsBytes("payload"), AsBytes("ctx"), SealPolicy::kMrEnclave);
  ASSERT_TRUE(sealed.ok());
  EXPECT_FALSE(p->Unseal(*sealed, AsBytes("other")).ok());
  for (size_t i = 0; i < sealed->size() * 8; ++i) {
    Bytes t = *sealed;
    t[i / 8] ^= static_cast<uint8_t>(1u << (i % 8));
    EXPECT_FALSE(p->Unseal(t, AsBytes("ctx")).ok()) << "bit " << i;
  }
}

TEST_F(SimPlatformTest, MrEnclavePolicyBindsToMeasurement) {
  TeeIdentity v1;
  v1.mrenclave = Bytes(32, 1);
  TeeIdentity v2 = v1;
  v2.mrenclave = Bytes(32, 2);
  auto p1 = Open("s", v1);
  auto sealed_enclave = p1->Seal(AsBytes("k"), {}, SealPolicy::kMrEnclave);
  auto sealed_signer = p1->Seal(AsBytes("k"), {}, SealPolicy::kMrSigner);
  p1.reset();
  auto p2 = Open("s", v2);
  EXPECT_FALSE(p2->Unseal(*sealed_enclave, {}).ok());
  EXPECT_TRUE(p2->Unseal(*sealed_signer, {}).ok());  // same signer, new code version
}

TEST_F(SimPlatformTest, TruncatedSecretFileIsRefused) {
  ASSERT_TRUE(WriteFileAtomic((dir_ / "short").string(), AsBytes("abc"), 0600).ok());
  auto p = SimPlatform::Open({.secret_path = (dir_ / "short").string(), .identity = {}});
  EXPECT_EQ(p.status().code(), Code::kDataLoss);
}

}  // namespace
}  // namespace kms::tee
