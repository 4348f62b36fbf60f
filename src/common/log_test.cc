#include "common/log.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace kms::log {
namespace {

TEST(Log, PlainValuesAreBare) {
  EXPECT_EQ(FormatFields({{"a", "b"}, {"n", 42}}), " a=b n=42");
}

TEST(Log, JsonEscapingKeepsOneLineAndValidStrings) {
  std::string out;
  AppendJsonEscaped(out, "a\"b\\c\nd\x01");
  EXPECT_EQ(out, "a\\\"b\\\\c\\u000ad\\u0001");
}

TEST(Log, FormatParsesOnlyTextAndJson) {
  EXPECT_EQ(*ParseFormat("text"), Format::kText);
  EXPECT_EQ(*ParseFormat("json"), Format::kJson);
  EXPECT_FALSE(ParseFormat("JSON").ok());
}

TEST(Log, TextLineHasStampLevelEventAndFields) {
  const std::string line = FormatLine(Level::kInfo, "request", {{"rid", "r-1"}, {"code", 200}});
  // 2026-12-03T17:50:01.123Z info request rid=r-1 code=200
  ASSERT_GT(line.size(), 25u);
  EXPECT_EQ(line[10], 'T');
  EXPECT_EQ(line[23], 'Z');
  EXPECT_EQ(line.substr(24), " info request rid=r-1 code=200");
}

TEST(Log, ValuesThatWouldBreakParsingAreQuotedAndEscaped) {
  EXPECT_EQ(FormatFields({{"m", "two words"}}), " m=\"two words\"");
  EXPECT_EQ(FormatFields({{"m", "a=b"}}), " m=\"a=b\"");
  EXPECT_EQ(FormatFields({{"m", "x\"y\nz"}}), " m=\"x\\\"y\\nz\"");
  EXPECT_EQ(FormatFields({{"m", ""}}), " m=\"\"");
}

// spdlog throws on an unopenable file; Init must turn that into a Status naming the file.
TEST(Log, AuditFileThatCannotBeOpenedIsAnErrorNotACrash) {
  std::string dir = (std::filesystem::temp_directory_path() / "kms_log_test_no_such_dir").string();
  std::filesystem::remove_all(dir);
  std::string path = dir + "/sub/audit.log";
  // A directory in place of the file cannot be opened even as root.
  std::filesystem::create_directories(path);
  Status s = Init({.level = Level::kInfo, .audit_path = path});
  std::filesystem::remove_all(dir);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), Code::kFailedPrecondition);
  EXPECT_NE(s.message().find("cannot open audit log " + path), std::string::npos) << s.message();
}

}  // namespace
}  // namespace kms::log
