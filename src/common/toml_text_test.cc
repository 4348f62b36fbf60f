// CheckTomlText: the control characters TOML forbids are refused before toml++ sees them.

#include "common/toml_text.h"

#include <gtest/gtest.h>

#include <string>

namespace kms {
namespace {

TEST(TomlText, AllowsTabsNewlinesAndUtf8) {
  EXPECT_TRUE(CheckTomlText("a = 1\r\n\tb = \"caf\xc3\xa9\"\n", "f.toml").ok());
  EXPECT_TRUE(CheckTomlText("", "f.toml").ok());
}

TEST(TomlText, RefusesControlCharactersNamingTheLine) {
  // The input the policy fuzzer found: a NUL right after '[' made toml++ assert.
  const std::string nul("a = 1\n[\0", 8);
  Status s = CheckTomlText(nul, "policy.toml");
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(s.message().find("policy.toml"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("0x00 at line 2"), std::string::npos) << s.message();
  EXPECT_FALSE(CheckTomlText("a = \"\x01\"", "f").ok());
  EXPECT_FALSE(CheckTomlText("a = 1\x7f", "f").ok());
}

TEST(TomlText, RefusesATableHeaderWithoutAName) {
  // Found by the policy fuzzer: "[" then a newline also made toml++ assert.
  Status s = CheckTomlText("allow_simulation = true\n[\nmrsigner = \n", "policy.toml");
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(s.message().find("line 2"), std::string::npos) << s.message();
  EXPECT_FALSE(CheckTomlText("[[ ]]\n", "f").ok());
  EXPECT_FALSE(CheckTomlText("[", "f").ok());
  EXPECT_TRUE(CheckTomlText("[[kms]]\nmrsigner = \"aa\"\n[ \"quoted\" ]\n", "f").ok());
}

}  // namespace
}  // namespace kms
