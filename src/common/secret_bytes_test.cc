#include "common/secret_bytes.h"

#include <gtest/gtest.h>

#include <type_traits>

namespace kms {
namespace {

static_assert(!std::is_copy_constructible_v<SecretBytes>);
static_assert(std::is_nothrow_move_constructible_v<SecretBytes>);

TEST(SecretBytes, MoveLeavesSourceEmpty) {
  SecretBytes a(ToBytes("key"));
  SecretBytes b = std::move(a);
  EXPECT_EQ(b.size(), 3u);
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move)
}

TEST(SecretBytes, TruncateKeepsPrefix) {
  SecretBytes a(ToBytes("abcdef"));
  a.Truncate(2);
  EXPECT_EQ(AsChars(a.view()), "ab");
}

TEST(SecretBytes, CloneIsIndependent) {
  SecretBytes a(ToBytes("abc"));
  SecretBytes b = a.Clone();
  b.data()[0] = 'z';
  EXPECT_EQ(AsChars(a.view()), "abc");
  EXPECT_EQ(AsChars(b.view()), "zbc");
}

}  // namespace
}  // namespace kms
