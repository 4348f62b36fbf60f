#include "line_splitter.h"

#include <gtest/gtest.h>

#include "bigdl_test_util.h"
#include "concat_sink.h"

namespace kms::bigdl::internal {
namespace {
using namespace testing;

std::vector<std::string> Split(const std::string& input, uint64_t n, bool header,
                               size_t step = SIZE_MAX) {
  MemorySource src(ToBytes(input), step);
  LineSplitter s(src, n, header);
  std::vector<std::string> pieces;
  for (;;) {
    auto more = s.NextPiece();
    EXPECT_TRUE(more.ok());
    if (!more.ok() || !*more) break;
    Bytes piece(input.size() * 2 + 100);
    auto got = ReadFull(s, piece);
    EXPECT_TRUE(got.ok());
    pieces.emplace_back(piece.begin(), piece.begin() + static_cast<std::ptrdiff_t>(*got));
  }
  return pieces;
}

TEST(BigdlLineSplitter, CutsAtTheFirstLineEndAfterNBytes) {
  const std::string csv = "h1,h2\naaaa\nbb\ncccccc\nd\n";
  using V = std::vector<std::string>;
  EXPECT_EQ(Split(csv, 8, false), (V{"h1,h2\naaaa\n", "bb\ncccccc\n", "d\n"}));
  EXPECT_EQ(Split(csv, 6, false), (V{"h1,h2\n", "aaaa\nbb\n", "cccccc\n", "d\n"}));
  for (size_t step : {size_t{1}, size_t{3}, SIZE_MAX}) {
    EXPECT_EQ(Split(csv, 8, true, step), (V{"h1,h2\naaaa\n", "h1,h2\nbb\ncccccc\n", "h1,h2\nd\n"}));
  }
  EXPECT_EQ(Split("no newline at all", 3, false), (V{"no newline at all"}));
  EXPECT_EQ(Split("", 3, false), (V{""}));  // an empty input is one empty piece
  EXPECT_EQ(Split("abc\n", 100, false), (V{"abc\n"}));
}

TEST(BigdlConcatSink, KeepsOnlyTheFirstHeaderLine) {
  BytesSink out;
  ConcatSink sink(out, true);
  for (std::string part : {"", "h1,h2\na\n", "h1,h2\nb\n", "h1,h2\n", "other\nc"}) {
    sink.StartPart();
    for (char c : part) ASSERT_TRUE(sink.Write(AsBytes(std::string(1, c))).ok());
    ASSERT_TRUE(sink.EndPart().ok());
  }
  EXPECT_EQ(out.str(), "h1,h2\na\nb\nother\nc");
  BytesSink plain;
  ConcatSink keep(plain, false);
  for (std::string part : {"h\na\n", "h\nb\n"}) {
    keep.StartPart();
    ASSERT_TRUE(keep.Write(AsBytes(part)).ok());
    ASSERT_TRUE(keep.EndPart().ok());
  }
  EXPECT_EQ(plain.str(), "h\na\nh\nb\n");
}

}  // namespace
}  // namespace kms::bigdl::internal
