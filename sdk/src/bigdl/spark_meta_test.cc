#include "kms/bigdl/spark_meta.h"

#include <gtest/gtest.h>

#include "bigdl_test_util.h"

namespace kms::bigdl {
namespace {
using namespace testing;

TEST(BigdlMeta, WritesJacksonsBytesAndReadsAsBigdlDoes) {
  EXPECT_EQ(EncodeMeta("QUJD+/=="), "{\n  \"encryptedDataKey\" : \"QUJD+/==\"\n}\n");
  EXPECT_EQ(*ParseMeta(EncodeMeta(kEdk)), kEdk);
  // Case-insensitive names, unknown members ignored, any whitespace.
  EXPECT_EQ(*ParseMeta(R"({"parts":[1,2],"ENCRYPTEDDATAKEY":"x"})"), "x");
  EXPECT_EQ(*ParseMeta(R"({"encryptedDataKey":""})"), "");
  EXPECT_FALSE(ParseMeta(R"({"encryptedDataKey":5})").ok());
  EXPECT_FALSE(ParseMeta("[]").ok());
  EXPECT_FALSE(ParseMeta("{}").ok());
}

TEST(BigdlMeta, ReadsAFoldersMetaOrNone) {
  TempDir dir;
  auto none = ReadMeta(dir.path());
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  WriteFile(dir / ".meta", EncodeMeta(kEdk));
  EXPECT_EQ(**ReadMeta(dir.path()), kEdk);
  WriteFile(dir / ".meta", "not json");
  auto bad = ReadMeta(dir.path());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find(dir / ".meta"), std::string::npos);
}

}  // namespace
}  // namespace kms::bigdl
