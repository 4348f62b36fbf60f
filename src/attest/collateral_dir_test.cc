// `--collateral-dir`: bundles indexed by their content, and the vectors verified through it.

#include "attest/collateral_dir.h"

#include <gtest/gtest.h>

#include <chrono>

#include "attest/dcap_test_util.h"
#include "crypto/test_util.h"

namespace kms::attest {
namespace {
using namespace kms::attest::testing;
using kms::crypto::testing::TempDir;

// The three vector bundles under names that say nothing of their content.
void WriteVectors(const TempDir& dir, std::initializer_list<const char*> names) {
  int i = 0;
  for (const char* name : names) {
    dir.Write("bundle" + std::to_string(i++) + ".json",
              AsBytes(ReadVector(std::string(name) + "_collateral.json")));
  }
}

Bytes Fmspc(const char* hex) { return *HexDecode(hex); }

std::chrono::system_clock::time_point At(int64_t s) {
  return std::chrono::system_clock::time_point(std::chrono::seconds(s));
}

TEST(CollateralDirectory, IndexesBundlesByTheirContent) {
  TempDir dir;
  WriteVectors(dir, {"sgx_quote", "tdx_quote", "tdx_quote_outdated"});
  dir.Write("README.txt", AsBytes("not collateral"));  // ignored: not *.json
  auto d = CollateralDirectory::Load(dir.path(""));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  ASSERT_EQ((*d)->bundles().size(), 3u);
  const CollateralBundle* sgx = (*d)->Find(false, Fmspc("00A067110000"));
  ASSERT_NE(sgx, nullptr);
  EXPECT_EQ(sgx->ca, "processor");
  EXPECT_EQ(sgx->collateral.tcb_info, LoadCollateral("sgx_quote").tcb_info);
  const CollateralBundle* tdx = (*d)->Find(true, Fmspc("b0c06f000000"));
  ASSERT_NE(tdx, nullptr);
  EXPECT_EQ(tdx->ca, "platform");
  EXPECT_EQ((*d)->Find(false, Fmspc("b0c06f000000")), nullptr);  // TDX FMSPC, SGX asked
  // The shared items come from the newest bundle: the 2026 TDX set.
  EXPECT_EQ((*d)->NewestWithCa("platform"), (*d)->Find(true, Fmspc("90c06f000000")));
  EXPECT_EQ((*d)->NewestWithCa("processor"), sgx);
  EXPECT_EQ((*d)->NewestForTee(false), sgx);
  EXPECT_EQ((*d)->Newest(), (*d)->Find(true, Fmspc("90c06f000000")));
}

TEST(CollateralDirectory, VerifiesTheVectorsThroughDirectoryCollateral) {
  TempDir dir;
  WriteVectors(dir, {"sgx_quote", "tdx_quote", "tdx_quote_outdated"});
  auto d = CollateralDirectory::Load(dir.path(""));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  auto verifier = DcapQuoteVerifier::New(std::make_shared<DirectoryCollateral>(*d));
  ASSERT_TRUE(verifier.ok());
  struct Case {
    Vector v;
    bool verified;
    const char* status;
    uint32_t qv;
  };
  for (const Case& c : {Case{kSgx, true, "ConfigurationAndSWHardeningNeeded", 0xA008},
                        Case{kTdx, true, "UpToDate", 0},
                        Case{kTdxOutdated, false, "TcbNotSupported", 0xA006}}) {
    auto v = (*verifier)->Verify(QuoteBytes(c.v.name), At(c.v.at));
    ASSERT_TRUE(v.ok()) << c.v.name << ": " << v.status().ToString();
    EXPECT_EQ(v->verified, c.verified) << c.v.name << ": " << v->error;
    EXPECT_EQ(v->status, c.status) << c.v.name;
    EXPECT_EQ(v->qv_result, c.qv) << c.v.name;
  }
}

TEST(CollateralDirectory, UnknownFmspcIsNotFoundWithAClearMessage) {
  TempDir dir;
  WriteVectors(dir, {"tdx_quote"});
  auto d = CollateralDirectory::Load(dir.path(""));
  ASSERT_TRUE(d.ok());
  DirectoryCollateral source(*d);
  auto c = source.Get({.tdx = false, .fmspc = Fmspc("00A067110000"), .ca = "processor"});
  ASSERT_EQ(c.status().code(), Code::kNotFound);
  EXPECT_NE(c.status().message().find("SGX FMSPC 00a067110000"), std::string::npos)
      << c.status().message();
  auto verifier = DcapQuoteVerifier::New(std::make_shared<DirectoryCollateral>(*d));
  ASSERT_TRUE(verifier.ok());
  EXPECT_EQ((*verifier)->Verify(QuoteBytes("sgx_quote"), At(kSgx.at)).status().code(),
            Code::kNotFound);
}

TEST(CollateralDirectory, RefusesTwoBundlesForOnePlatform) {
  TempDir dir;
  WriteVectors(dir, {"sgx_quote", "sgx_quote"});
  auto d = CollateralDirectory::Load(dir.path(""));
  ASSERT_EQ(d.status().code(), Code::kInvalidArgument);
  EXPECT_NE(d.status().message().find("already in"), std::string::npos) << d.status().message();
}

TEST(CollateralDirectory, RefusesAMalformedFileNamingIt) {
  TempDir dir;
  WriteVectors(dir, {"sgx_quote"});
  dir.Write("broken.json", AsBytes("{\"tcb_info\": 1}"));
  auto d = CollateralDirectory::Load(dir.path(""));
  ASSERT_EQ(d.status().code(), Code::kInvalidArgument);
  EXPECT_NE(d.status().message().find("broken.json"), std::string::npos) << d.status().message();
}

TEST(CollateralDirectory, RefusesAnOversizedFile) {
  TempDir dir;
  dir.Write("big.json", Bytes(kMaxCollateralJsonSize + 1, ' '));
  auto d = CollateralDirectory::Load(dir.path(""));
  ASSERT_EQ(d.status().code(), Code::kInvalidArgument);
  EXPECT_NE(d.status().message().find("larger than"), std::string::npos) << d.status().message();
}

TEST(CollateralDirectory, MissingDirectoryIsNotFoundAndEmptyOneMissesEverything) {
  TempDir dir;
  EXPECT_EQ(CollateralDirectory::Load(dir.path("nope")).status().code(), Code::kNotFound);
  auto d = CollateralDirectory::Load(dir.path(""));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ((*d)->Newest(), nullptr);
  EXPECT_EQ((*d)->NewestWithCa("processor"), nullptr);
}

}  // namespace
}  // namespace kms::attest
