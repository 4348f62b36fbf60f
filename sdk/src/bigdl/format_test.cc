#include "kms/bigdl/format.h"

#include <gtest/gtest.h>

#include "bigdl_test_util.h"
#include "kms/bigdl/g3_header.h"

namespace kms::bigdl {
namespace {
using namespace testing;

Bytes G3Prefix() { return *EncodeG3Header(kEdk, Iv0()); }

TEST(BigdlFormat, DetectsEachShape) {
  EXPECT_EQ(*DetectFormat({}, 0), Format::kEmpty);
  EXPECT_EQ(*DetectFormat(G3Prefix(), 464), Format::kG3);
  EXPECT_EQ(*DetectFormat(G3Prefix(), std::nullopt), Format::kG3);  // a pipe
  Bytes legacy = Concat({Unhex("800000000063b0cd00"), Iv0()});
  EXPECT_EQ(*DetectFormat(legacy, 89), Format::kG2);  // "G2 or G1"
  EXPECT_EQ(*DetectFormat(ToBytes("gAAAAAAdwJ6wAAECAwQF_-=="), 24), Format::kFernet);
  EXPECT_EQ(*DetectFormat(ToBytes("gAAAAAAdwJ6wAAEC\r\n"), 18), Format::kFernet);
  EXPECT_EQ(*DetectFormat(ToBytes("PAR1...."), 8), Format::kParquet);
}

TEST(BigdlFormat, ShapesWithTheWrongLengthAreRefused) {
  auto g3 = DetectFormat(G3Prefix(), 463);
  ASSERT_FALSE(g3.ok());
  EXPECT_NE(g3.error().message().find("truncated or extended"), std::string::npos);
  EXPECT_FALSE(DetectFormat(G3Prefix(), 432).ok());  // no ciphertext block at all
  Bytes legacy = Concat({Unhex("800000000063b0cd00"), Iv0()});
  auto g2 = DetectFormat(legacy, 90);
  ASSERT_FALSE(g2.ok());
  EXPECT_NE(g2.error().message().find("--format native"), std::string::npos);
}

TEST(BigdlFormat, NearMissesAreNotG3OrFernet) {
  Bytes filler = G3Prefix();
  filler[399] = 0x81;
  EXPECT_FALSE(LooksLikeG3(filler));
  EXPECT_TRUE(LooksLikeG3(ByteView(filler).first(399)));  // only what is there is checked
  EXPECT_FALSE(DetectFormat(ToBytes("gAAAAA has spaces"), 17).ok());
  EXPECT_FALSE(DetectFormat(ToBytes("hello, world"), 12).ok());
}

TEST(BigdlFormat, ChoicesParseAndAZeroByteFileIsAlwaysEmpty) {
  EXPECT_EQ(ParseFormatChoice("G3"), FormatChoice::kG3);
  EXPECT_EQ(ParseFormatChoice("nativeaescbc"), FormatChoice::kNative);
  EXPECT_EQ(ParseFormatChoice("fernet"), FormatChoice::kFernet);
  EXPECT_FALSE(ParseFormatChoice("pq").has_value());
  EXPECT_EQ(*ResolveFormat(FormatChoice::kNative, {}, 0), Format::kEmpty);
  EXPECT_EQ(*ResolveFormat(FormatChoice::kNative, ToBytes("x"), 1), Format::kNative);
}

}  // namespace
}  // namespace kms::bigdl
