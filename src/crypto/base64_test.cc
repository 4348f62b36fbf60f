#include "crypto/base64.h"

#include <gtest/gtest.h>

#include <string>

namespace kms::crypto {
namespace {

std::string DecodeToString(std::string_view s) {
  auto r = Base64Decode(s);
  EXPECT_TRUE(r.ok()) << s;
  return r.ok() ? std::string(AsChars(*r)) : std::string();
}

// RFC 4648 §10.
TEST(Base64, Rfc4648Vectors) {
  const std::pair<std::string, std::string> cases[] = {
      {"", ""},          {"f", "Zg=="},         {"fo", "Zm8="},         {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="}, {"fooba", "Zm9vYmE="}, {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : cases) {
    EXPECT_EQ(Base64Encode(AsBytes(plain)), encoded);
    EXPECT_EQ(DecodeToString(encoded), plain);
  }
}

TEST(Base64, UsesStandardAlphabetNotUrlSafe) {
  Bytes b = {0xfb, 0xff, 0xbf};
  EXPECT_EQ(Base64Encode(b), "+/+/");
  auto d = Base64Decode("+/+/");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, b);
  EXPECT_FALSE(Base64Decode("-_-_").ok());
}

TEST(Base64, RoundTripsAllByteValuesAndLengths) {
  for (size_t n = 0; n < 300; ++n) {
    Bytes b(n);
    for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(i * 7 + n);
    std::string enc = Base64Encode(b);
    EXPECT_EQ(enc.size() % 4, 0u);
    if (n > 0) {
      EXPECT_TRUE(IsStrictBase64(enc)) << enc;
    }
    auto dec = Base64Decode(enc);
    ASSERT_TRUE(dec.ok());
    EXPECT_EQ(*dec, b);
    auto sec = Base64DecodeSecret(enc);
    ASSERT_TRUE(sec.ok());
    EXPECT_EQ(Bytes(sec->view().begin(), sec->view().end()), b);
  }
}

TEST(Base64, EmptyStringDecodesToEmptyButIsNotStrict) {
  EXPECT_FALSE(IsStrictBase64(""));
  auto d = Base64Decode("");
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->empty());
  auto s = Base64DecodeSecret("");
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->empty());
}

TEST(Base64, RejectsMalformedInput) {
  const char* bad[] = {
      "Zg",        "Zg=",       "Zm9",         "Zm9vY",      // length not a multiple of 4
      "Z===",      "====",      "=",           "==",         // too much or only padding
      "Zg=a",      "Z=g=",      "Zm=v",        "Zm9v=Zm9",   // '=' in the middle
      "Zm9v\n",    "Zm9v Yg==", " Zm9v",       "Zm9v\r\nYg==",  // whitespace
      "Zm9v\t",    "Zm9$",      "Zm9vYg=!",    "Zm.v",       // non-alphabet characters
      "Zm9vYmFy====",
  };
  for (const char* s : bad) {
    EXPECT_FALSE(IsStrictBase64(s)) << s;
    EXPECT_EQ(Base64Decode(s).status().code(), Code::kInvalidArgument) << s;
    EXPECT_EQ(Base64DecodeSecret(s).status().code(), Code::kInvalidArgument) << s;
  }
  // Embedded NUL and high-bit bytes.
  EXPECT_FALSE(Base64Decode(std::string_view("Zm\0v", 4)).ok());
  EXPECT_FALSE(Base64Decode("Zm\xc3\xa9").ok());
}

// Decoding checks the input in the same pass as it decodes; it must refuse exactly what
// IsStrictBase64 refuses. Every 4- and 8-character string over a small alphabet that mixes
// valid characters, padding and invalid ones, in every position.
TEST(Base64, DecodeRefusesExactlyWhatTheCheckRefuses) {
  const std::string chars = "AZ/=-\0";
  auto check = [](const std::string& s) {
    bool strict = IsStrictBase64(s);
    EXPECT_EQ(Base64Decode(s).ok(), strict) << s;
    EXPECT_EQ(Base64DecodeSecret(s).ok(), strict) << s;
  };
  std::string s(4, 'A');
  for (char a : chars) {
    for (char b : chars) {
      for (char c : chars) {
        for (char d : chars) {
          s = {a, b, c, d};
          check(s);
          check("Zm9v" + s);
          check(s + "Zm9v");
        }
      }
    }
  }
}

// The upstream validator is a regex plus a length check, so unused low bits in the last group are
// not checked; "Zh==" therefore decodes like "Zg==".
TEST(Base64, NonCanonicalTrailingBitsFollowUpstreamRule) {
  EXPECT_TRUE(IsStrictBase64("Zh=="));
  EXPECT_EQ(DecodeToString("Zh=="), "f");
}

}  // namespace
}  // namespace kms::crypto
