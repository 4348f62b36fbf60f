#include "io.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace ehsm_cli {
namespace {

std::string Str(const kms::SecretBytes& b) { return std::string(kms::AsChars(b.view())); }

TEST(ReadInput, LiteralFileAndStdin) {
  std::istringstream in("from stdin\n");
  EXPECT_EQ(Str(*ReadInput("hello", LiteralIs::kText, in)), "hello");
  EXPECT_EQ(Str(*ReadInput("aGVsbG8=", LiteralIs::kBase64, in)), "hello");
  EXPECT_EQ(Str(*ReadInput("-", LiteralIs::kBase64, in)), "from stdin\n");  // raw, not base64
  std::istringstream piped("aGVsbG8=\n");  // `ehsm encrypt | ehsm decrypt -`
  EXPECT_EQ(Str(*ReadInput("-", LiteralIs::kBase64, piped)), "hello");
  std::istringstream text("aGVsbG8=\n");
  EXPECT_EQ(Str(*ReadInput("-", LiteralIs::kText, text)), "aGVsbG8=\n");
  auto path = std::filesystem::temp_directory_path() / ("ehsm-io-" + std::to_string(getpid()));
  std::ofstream(path, std::ios::binary) << std::string("\0\1\2", 3);
  auto f = ReadInput("@" + path.string(), LiteralIs::kBase64, in);
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(Str(*f), std::string("\0\1\2", 3));
  std::filesystem::remove(path);
}

TEST(ReadInput, Errors) {
  std::istringstream in;
  EXPECT_EQ(ReadInput("not base64!", LiteralIs::kBase64, in).error().kind(),
            kms::client::ErrorKind::kInvalidArgument);
  EXPECT_EQ(ReadInput("@/nonexistent/file", LiteralIs::kText, in).error().kind(),
            kms::client::ErrorKind::kLocal);
}

TEST(Names, MapFriendlyNamesToEnumNames) {
  EXPECT_EQ(KeySpecName("aes-gcm-256"), "EH_AES_GCM_256");
  EXPECT_EQ(KeySpecName("AES_256"), "EH_AES_GCM_256");
  EXPECT_EQ(KeySpecName("eh_rsa_3072"), "EH_RSA_3072");
  EXPECT_EQ(KeySpecName("ec-p256k"), "EH_EC_P256K");
  EXPECT_EQ(KeySpecName("sm4-cbc"), "EH_SM4_CBC");
  EXPECT_EQ(KeySpecName("des"), "");
  EXPECT_EQ(OriginName("external"), "EH_EXTERNAL_KEY");
  EXPECT_EQ(UsageName("sign"), "EH_KEYUSAGE_SIGN_VERIFY");
  EXPECT_EQ(PaddingName("oaep"), "EH_RSA_PKCS1_OAEP");
  EXPECT_EQ(PaddingName("pss"), "EH_RSA_PKCS1_PSS");
  EXPECT_EQ(DigestName("sha384"), "EH_SHA_384");
  EXPECT_EQ(DigestName("sm3"), "EH_SM3");
  EXPECT_EQ(DigestName("md5"), "");
}

TEST(FormatTimeMs, IsUtc) {
  EXPECT_EQ(FormatTimeMs(1700000000000), "2023-11-14 22:13:20Z");
}

}  // namespace
}  // namespace ehsm_cli
