#include "crypto/random.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

namespace kms::crypto {
namespace {

TEST(Random, BytesHaveRequestedSizeAndDiffer) {
  auto a = RandomBytes(32);
  auto b = RandomBytes(32);
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a->size(), 32u);
  // A collision of 256 random bits means the generator is broken.
  EXPECT_NE(*a, *b);
  auto empty = RandomBytes(0);
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->empty());
}

TEST(Random, SecretAndFill) {
  auto s = RandomSecret(48);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->size(), 48u);
  EXPECT_NE(Bytes(s->view().begin(), s->view().end()), Bytes(48, 0));
  Bytes buf(64, 0);
  ASSERT_TRUE(RandomFill(buf).ok());
  EXPECT_NE(buf, Bytes(64, 0));
}

TEST(Random, UuidIsLowercaseVersion4) {
  const std::regex re("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");
  std::set<std::string> seen;
  std::set<char> variants;
  for (int i = 0; i < 200; ++i) {
    auto u = RandomUuid();
    ASSERT_TRUE(u.ok());
    EXPECT_TRUE(std::regex_match(*u, re)) << *u;
    variants.insert((*u)[19]);
    seen.insert(*u);
  }
  EXPECT_EQ(seen.size(), 200u);
  // Variant nibble is drawn from 4 values; 200 draws missing one has probability ~4 * 0.75^200.
  EXPECT_EQ(variants.size(), 4u);
}

TEST(Random, StringUsesOnlyTheAlphabet) {
  const std::string alphabet = "abcXYZ019_";
  auto s = RandomString(2000, alphabet);
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(s->size(), 2000u);
  std::set<char> used;
  for (char c : *s) {
    EXPECT_NE(alphabet.find(c), std::string::npos) << c;
    used.insert(c);
  }
  // Each of 10 characters is missed by 2000 draws with probability 0.9^2000.
  EXPECT_EQ(used.size(), alphabet.size());
}

TEST(Random, StringEdgeCases) {
  auto one = RandomString(50, "q");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(*one, std::string(50, 'q'));
  auto zero = RandomString(0, "ab");
  ASSERT_TRUE(zero.ok());
  EXPECT_TRUE(zero->empty());
  EXPECT_EQ(RandomString(5, "").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(RandomString(5, std::string(257, 'a')).status().code(), Code::kInvalidArgument);
  std::string all(256, '\0');
  for (int i = 0; i < 256; ++i) all[static_cast<size_t>(i)] = static_cast<char>(i);
  auto full = RandomString(100, all);
  ASSERT_TRUE(full.ok());
  EXPECT_EQ(full->size(), 100u);
}

}  // namespace
}  // namespace kms::crypto
