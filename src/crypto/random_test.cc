#include "crypto/random.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <thread>

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

TEST(Random, NoncesNeverRepeatAcrossBufferRefills) {
  // 12-byte IVs, enough to cross several 4 KiB refills; any repeat means bytes were reused.
  std::set<Bytes> seen;
  for (int i = 0; i < 2000; ++i) {
    Bytes iv(12, 0);
    ASSERT_TRUE(RandomNonce(iv).ok());
    EXPECT_TRUE(seen.insert(iv).second) << "IV repeated at draw " << i;
  }
  Bytes big(100, 0);  // beyond the buffered size: straight from the DRBG
  ASSERT_TRUE(RandomNonce(big).ok());
  EXPECT_NE(big, Bytes(100, 0));
}

TEST(Random, NonceBuffersOfThreadsAreDistinct) {
  Bytes a(16), b(16);
  std::thread t([&] { ASSERT_TRUE(RandomNonce(a).ok()); });
  t.join();
  std::thread u([&] { ASSERT_TRUE(RandomNonce(b).ok()); });
  u.join();
  EXPECT_NE(a, b);
}

// Matches "xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx" with lowercase hex. (std::regex is avoided:
// g++ 12 with sanitizers raises -Wmaybe-uninitialized inside <regex>.)
bool IsUuidV4(const std::string& u) {
  if (u.size() != 36) return false;
  for (size_t i = 0; i < u.size(); ++i) {
    char c = u[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return false;
    }
  }
  return u[14] == '4' && std::string_view("89ab").find(u[19]) != std::string_view::npos;
}

TEST(Random, UuidFormatCheckerRejectsNearMisses) {
  EXPECT_TRUE(IsUuidV4("0b9a6f3e-2c1d-4b5a-8e7f-6a5b4c3d2e1f"));
  EXPECT_FALSE(IsUuidV4("0B9A6F3E-2C1D-4B5A-8E7F-6A5B4C3D2E1F"));  // uppercase
  EXPECT_FALSE(IsUuidV4("0b9a6f3e-2c1d-1b5a-8e7f-6a5b4c3d2e1f"));  // version 1
  EXPECT_FALSE(IsUuidV4("0b9a6f3e-2c1d-4b5a-ce7f-6a5b4c3d2e1f"));  // wrong variant
  EXPECT_FALSE(IsUuidV4("0b9a6f3e2c1d-4b5a-8e7f-6a5b4c3d2e1f-"));  // dashes misplaced
}

TEST(Random, UuidIsLowercaseVersion4) {
  std::set<std::string> seen;
  std::set<char> variants;
  for (int i = 0; i < 200; ++i) {
    auto u = RandomUuid();
    ASSERT_TRUE(u.ok());
    EXPECT_TRUE(IsUuidV4(*u)) << *u;
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
