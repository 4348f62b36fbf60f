#include "common/percent_encoding.h"

#include <gtest/gtest.h>

namespace kms {
namespace {

TEST(PercentEncoding, EncodesAllButUnreserved) {
  EXPECT_EQ(PercentEncode("aZ09-._~"), "aZ09-._~");
  EXPECT_EQ(PercentEncode("a b+/=\n"), "a%20b%2B%2F%3D%0A");
  EXPECT_EQ(PercentEncode(std::string("\0\xff", 2)), "%00%FF");
}

TEST(PercentEncoding, DecodeKeepsPlusAndAcceptsEitherCase) {
  EXPECT_EQ(PercentDecode("%2b+%2B%0a%0A"), "+++\n\n");
  EXPECT_EQ(PercentDecode("-----BEGIN%20CERTIFICATE-----"), "-----BEGIN CERTIFICATE-----");
  EXPECT_EQ(PercentDecode(""), "");
}

TEST(PercentEncoding, DecodeRefusesBrokenEscapes) {
  for (const char* bad : {"%", "%0", "a%4", "%g0", "%0g", "%%41"}) {
    EXPECT_FALSE(PercentDecode(bad)) << bad;
  }
}

TEST(PercentEncoding, RoundTripsEveryByte) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  EXPECT_EQ(PercentDecode(PercentEncode(all)), all);
}

TEST(PercentEncoding, LenientDecodeKeepsBrokenEscapesAndPlusOnlyForForms) {
  EXPECT_EQ(PercentDecodeLenient("a%41%62+c", true), "aAb c");
  EXPECT_EQ(PercentDecodeLenient("a%41%62+c", false), "aAb+c");
  for (const char* kept : {"%", "%0", "a%4", "%g0", "%0g"}) {
    EXPECT_EQ(PercentDecodeLenient(kept, true), kept);
  }
  EXPECT_EQ(PercentDecodeLenient("%%41", false), "%A");
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  EXPECT_EQ(PercentDecodeLenient(PercentEncode(all), true), all);
}

}  // namespace
}  // namespace kms
