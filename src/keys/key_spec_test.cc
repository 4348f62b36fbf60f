#include "keys/key_spec.h"

#include <gtest/gtest.h>

namespace kms::keys {
namespace {

TEST(KeySpec, NamesRoundTripWithUpstreamNumbers) {
  for (std::string_view n : KeySpecNames()) {
    auto s = ParseKeySpec(n);
    ASSERT_TRUE(s.has_value()) << n;
    EXPECT_EQ(Name(*s), n);
  }
  EXPECT_EQ(static_cast<int>(*ParseKeySpec("EH_SM4_CBC")), 32);
  EXPECT_EQ(static_cast<int>(*ParseKeySpec("EH_EC_P256K")), 22);
  EXPECT_FALSE(ParseKeySpec("EH_AES_GCM_512").has_value());
  EXPECT_FALSE(ParseKeySpec("eh_aes_gcm_256").has_value());  // names are case-sensitive
}

TEST(KeySpec, SymmetricSizes) {
  EXPECT_EQ(SymmetricKeySize(KeySpec::kAesGcm128), 16u);
  EXPECT_EQ(SymmetricKeySize(KeySpec::kAesGcm192), 24u);
  EXPECT_EQ(SymmetricKeySize(KeySpec::kAesGcm256), 32u);
  EXPECT_EQ(SymmetricKeySize(KeySpec::kSm4Ctr), 16u);
  EXPECT_EQ(SymmetricKeySize(KeySpec::kRsa2048), 0u);
  EXPECT_FALSE(IsSymmetric(KeySpec::kHmac));
  EXPECT_TRUE(IsEc(KeySpec::kEcP256K));
  EXPECT_FALSE(IsEc(KeySpec::kSm2));
}

TEST(KeySpec, OtherEnumerations) {
  EXPECT_EQ(ParseOrigin("EH_EXTERNAL_KEY"), Origin::kExternal);
  EXPECT_EQ(ParseKeyUsage("EH_KEYUSAGE_SIGN_VERIFY"), KeyUsage::kSignVerify);
  EXPECT_EQ(ParsePaddingMode("EH_PAD_NONE"), PaddingMode::kNone);
  EXPECT_EQ(ParseDigestMode("EH_SM3"), DigestMode::kSm3);
  EXPECT_EQ(ParseMessageType("EH_DIGEST"), MessageType::kDigest);
  EXPECT_EQ(PaddingModeNames().size(), 4u);
}

}  // namespace
}  // namespace kms::keys
