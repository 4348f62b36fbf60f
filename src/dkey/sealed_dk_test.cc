#include "dkey/sealed_dk.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "common/file_util.h"
#include "crypto/hmac.h"
#include "keys/domain_key.h"
#include "tee/sim/sim_platform.h"

namespace kms::dkey {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;

class SealedDomainKeyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("dkey_sealed_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::unique_ptr<tee::SimPlatform> Platform(const std::string& secret = "platform.secret",
                                             uint16_t prod_id = 0) {
    tee::TeeIdentity id;
    id.prod_id = prod_id;
    return std::move(tee::SimPlatform::Open({.secret_path = (dir_ / secret).string(),
                                             .identity = id}))
        .value();
  }
  static unsigned ModeOf(const fs::path& p) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) return 0xFFFF;
    return st.st_mode & 07777;
  }
  // Files in the data dir other than the platform secret and the sealed key (temp leftovers).
  std::vector<std::string> Strays() const {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(dir_)) {
      std::string name = e.path().filename().string();
      if (name != "platform.secret" && name != "other.secret" && name != kSealedDomainKeyFile) {
        out.push_back(name);
      }
    }
    return out;
  }

  fs::path dir_;
};

TEST_F(SealedDomainKeyTest, CreateWritesAnOwnerOnlyFileThatLoadsBack) {
  auto platform = Platform();
  SealedDomainKeyFile file(*platform, dir_.string());
  EXPECT_EQ(file.path(), (dir_ / "domain_key.sealed").string());
  EXPECT_FALSE(file.Exists());
  auto created = file.Create();
  ASSERT_TRUE(created.ok()) << created.status().message();
  EXPECT_EQ(created->size(), 32u);
  EXPECT_TRUE(file.Exists());
  EXPECT_EQ(ModeOf(file.path()), 0600u);
  EXPECT_TRUE(Strays().empty());
  // The file holds the key sealed, not in clear.
  auto raw = ReadFileBytes(file.path());
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(std::search(raw->begin(), raw->end(), created->data(), created->data() + 32),
            raw->end());

  auto loaded = file.Load();
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_TRUE(std::equal(loaded->view().begin(), loaded->view().end(), created->view().begin(),
                         created->view().end()));
}

TEST_F(SealedDomainKeyTest, CreateNeverReplacesAnExistingKey) {
  auto platform = Platform();
  SealedDomainKeyFile file(*platform, dir_.string());
  auto first = file.Create();
  ASSERT_TRUE(first.ok());
  auto before = ReadFileBytes(file.path());
  auto second = file.Create();
  EXPECT_EQ(second.status().code(), Code::kAlreadyExists);
  EXPECT_EQ(ReadFileBytes(file.path()).value(), *before);
}

TEST_F(SealedDomainKeyTest, StoreReplacesAtomicallyAndLoadsTheNewKey) {
  auto platform = Platform();
  SealedDomainKeyFile file(*platform, dir_.string());
  ASSERT_TRUE(file.Create().ok());
  const Bytes replacement(32, 0x5a);
  ASSERT_TRUE(file.Store(replacement).ok());
  EXPECT_EQ(ModeOf(file.path()), 0600u);
  EXPECT_TRUE(Strays().empty());
  auto loaded = file.Load();
  ASSERT_TRUE(loaded.ok());
  EXPECT_EQ(Bytes(loaded->view().begin(), loaded->view().end()), replacement);
}

TEST_F(SealedDomainKeyTest, StoreRefusesAKeyThatIsNot32Bytes) {
  auto platform = Platform();
  SealedDomainKeyFile file(*platform, dir_.string());
  EXPECT_EQ(file.Store(Bytes(31, 1)).code(), Code::kInvalidArgument);
  EXPECT_EQ(file.Store(Bytes(33, 1)).code(), Code::kInvalidArgument);
  EXPECT_FALSE(file.Exists());
}

TEST_F(SealedDomainKeyTest, MissingFileIsNotFound) {
  auto platform = Platform();
  EXPECT_EQ(SealedDomainKeyFile(*platform, dir_.string()).Load().status().code(),
            Code::kNotFound);
}

TEST_F(SealedDomainKeyTest, OtherPlatformSecretOrIdentityCannotUnseal) {
  auto platform = Platform();
  ASSERT_TRUE(SealedDomainKeyFile(*platform, dir_.string()).Create().ok());
  auto other = Platform("other.secret");
  auto by_other = SealedDomainKeyFile(*other, dir_.string()).Load();
  EXPECT_EQ(by_other.status().code(), Code::kDataLoss);
  EXPECT_THAT(by_other.status().message(), HasSubstr("cannot be unsealed"));
  EXPECT_THAT(by_other.status().message(), HasSubstr("restore the platform secret"));
  auto other_product = Platform("platform.secret", /*prod_id=*/7);
  EXPECT_EQ(SealedDomainKeyFile(*other_product, dir_.string()).Load().status().code(),
            Code::kDataLoss);
}

TEST_F(SealedDomainKeyTest, AlteredOrForeignBlobsAreRefused) {
  auto platform = Platform();
  SealedDomainKeyFile file(*platform, dir_.string());
  ASSERT_TRUE(file.Create().ok());
  Bytes blob = ReadFileBytes(file.path()).value();
  for (size_t i = 0; i < blob.size(); i += 7) {
    Bytes flipped = blob;
    flipped[i] ^= 0x01;
    ASSERT_TRUE(WriteFileAtomic(file.path(), flipped, 0600).ok());
    EXPECT_EQ(file.Load().status().code(), Code::kDataLoss) << "byte " << i;
  }
  // A blob sealed for another purpose does not pass as a domain key.
  Bytes other_purpose =
      platform->Seal(Bytes(32, 1), AsBytes("ehsm-kms replay window v1"), tee::SealPolicy::kMrSigner)
          .value();
  ASSERT_TRUE(WriteFileAtomic(file.path(), other_purpose, 0600).ok());
  EXPECT_EQ(file.Load().status().code(), Code::kDataLoss);
  // Nor a sealed blob of the right purpose whose content is not a 32-byte key.
  Bytes short_key = platform->Seal(Bytes(16, 1), AsBytes(keys::kDomainKeySealAad),
                                   tee::SealPolicy::kMrSigner)
                        .value();
  ASSERT_TRUE(WriteFileAtomic(file.path(), short_key, 0600).ok());
  auto loaded = file.Load();
  EXPECT_EQ(loaded.status().code(), Code::kDataLoss);
  EXPECT_THAT(loaded.status().message(), HasSubstr("holds 16 bytes"));
}

// One file format with ehsm-kms's single mode: a key sealed by either loads in the other
// (given the same platform and identity), with the same fingerprint.
TEST_F(SealedDomainKeyTest, SameFormatAndFingerprintAsTheKmsSingleModeFile) {
  auto platform = Platform();
  auto dk = keys::LoadOrCreateSealedDomainKey(*platform, (dir_ / kSealedDomainKeyFile).string(), 0);
  ASSERT_TRUE(dk.ok()) << dk.status().message();
  auto loaded = SealedDomainKeyFile(*platform, dir_.string()).Load();
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  EXPECT_EQ(DomainKeyId(loaded->view()).value(), (*dk)->IdHex());
}

TEST(DomainKeyId, IsTheFirst8BytesOfTheHmacInHex) {
  const Bytes key(32, 0x42);
  auto mac = crypto::HmacSha256(key, AsBytes("ehsm-kms domain key id"));
  ASSERT_TRUE(mac.ok());
  auto id = DomainKeyId(key);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, HexEncode(ByteView(mac->data(), 8)));
  EXPECT_EQ(id->size(), 16u);
  EXPECT_NE(DomainKeyId(Bytes(32, 0x43)).value(), *id);
  EXPECT_EQ(DomainKeyId(Bytes(31, 0)).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace kms::dkey
