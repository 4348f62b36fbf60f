#include "crypto/hmac.h"

#include <gtest/gtest.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "crypto/test_util.h"

namespace kms::crypto {
namespace {

using testing::Hex;
using testing::HexField;

struct Rfc4231Case {
  Bytes key;
  Bytes data;
  std::string hmac;
};

TEST(HmacSha256, Rfc4231) {
  const std::string long_key_data = "Test Using Larger Than Block-Size Key - Hash Key First";
  const std::string long_both_data =
      "This is a test using a larger than block-size key and a larger than block-size data. The "
      "key needs to be hashed before being used by the HMAC algorithm.";
  const std::vector<Rfc4231Case> cases = {
      {Bytes(20, 0x0b), ToBytes("Hi There"),
       "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"},
      {ToBytes("Jefe"), ToBytes("what do ya want for nothing?"),
       "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"},
      {Bytes(20, 0xaa), Bytes(50, 0xdd),
       "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"},
      {Hex("0102030405060708090a0b0c0d0e0f10111213141516171819"), Bytes(50, 0xcd),
       "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"},
      {Bytes(131, 0xaa), ToBytes(long_key_data),
       "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"},
      {Bytes(131, 0xaa), ToBytes(long_both_data),
       "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    auto mac = HmacSha256(cases[i].key, cases[i].data);
    ASSERT_TRUE(mac.ok());
    EXPECT_EQ(HexEncode(*mac), cases[i].hmac) << "case " << i;
    // The precomputed key gives the same MAC, and again on a second message (its keyed state
    // must not be consumed by the first).
    auto key = HmacSha256Key::New(cases[i].key);
    ASSERT_TRUE(key.ok());
    for (int round = 0; round < 2; ++round) {
      auto again = (*key)->Compute(cases[i].data);
      ASSERT_TRUE(again.ok());
      EXPECT_EQ(HexEncode(*again), cases[i].hmac) << "case " << i << " round " << round;
    }
  }
}

TEST(HmacSha256Key, EmptyKeyAndMessageAndDistinctMessages) {
  auto key = HmacSha256Key::New({});
  ASSERT_TRUE(key.ok());
  auto mac = (*key)->Compute({});
  ASSERT_TRUE(mac.ok());
  EXPECT_EQ(HexEncode(*mac), "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
  auto a = (*key)->Compute(AsBytes("a"));
  ASSERT_TRUE(a.ok());
  EXPECT_NE(*a, *mac);
  EXPECT_EQ(*a, *HmacSha256({}, AsBytes("a")));
}

// Compute reuses finished contexts of the key; from several threads at once, every MAC must
// still be the one-shot HMAC of its own message.
TEST(HmacSha256Key, ConcurrentComputeMatchesOneShot) {
  const std::string key_text = "a request-signing key of 32 byte";
  const ByteView k = AsBytes(key_text);
  auto key = HmacSha256Key::New(k);
  ASSERT_TRUE(key.ok());
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 300; ++i) {
        std::string m = "message " + std::to_string(t) + "/" + std::to_string(i) +
                        std::string(static_cast<size_t>(i % 70), 'x');
        auto got = (*key)->Compute(AsBytes(m));
        if (!got.ok() || *got != *HmacSha256(k, AsBytes(m))) ++mismatches;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(HmacSha256, EmptyKeyAndMessage) {
  auto mac = HmacSha256({}, {});
  ASSERT_TRUE(mac.ok());
  EXPECT_EQ(HexEncode(*mac), "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

TEST(Sha256, KnownAnswers) {
  auto empty = Sha256({});
  ASSERT_TRUE(empty.ok());
  EXPECT_EQ(HexEncode(*empty), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  auto abc = Sha256(AsBytes("abc"));
  ASSERT_TRUE(abc.ok());
  EXPECT_EQ(HexEncode(*abc), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(ConstantTimeEquals, ComparesLengthAndContents) {
  EXPECT_TRUE(ConstantTimeEquals({}, {}));
  EXPECT_TRUE(ConstantTimeEquals(AsBytes("abc"), AsBytes("abc")));
  EXPECT_FALSE(ConstantTimeEquals(AsBytes("abc"), AsBytes("abd")));
  EXPECT_FALSE(ConstantTimeEquals(AsBytes("abc"), AsBytes("ab")));
  EXPECT_FALSE(ConstantTimeEquals(AsBytes("ab"), AsBytes("abc")));
  EXPECT_FALSE(ConstantTimeEquals({}, AsBytes("a")));
}

struct MacVector {
  int tc_id;
  std::string comment;
  Bytes key, msg, tag;
  std::string result;
};

std::vector<MacVector> LoadMacVectors() {
  std::vector<MacVector> out;
  auto root = testing::LoadWycheproof("hmac_sha256_test.json");
  for (const auto& g : root.at("testGroups").as_array()) {
    for (const auto& tv : g.at("tests").as_array()) {
      const auto& o = tv.as_object();
      out.push_back({static_cast<int>(o.at("tcId").as_int64()), testing::StringField(o, "comment"),
                     HexField(o, "key"), HexField(o, "msg"), HexField(o, "tag"),
                     testing::StringField(o, "result")});
    }
  }
  return out;
}

class HmacWycheproof : public ::testing::TestWithParam<MacVector> {};

// Groups with a 128-bit tagSize check a truncated MAC: compare against our prefix.
TEST_P(HmacWycheproof, Vector) {
  const MacVector& v = GetParam();
  SCOPED_TRACE("tcId " + std::to_string(v.tc_id) + " " + v.comment);
  auto mac = HmacSha256(v.key, v.msg);
  ASSERT_TRUE(mac.ok());
  ASSERT_LE(v.tag.size(), mac->size());
  bool match = ConstantTimeEquals(ByteView(*mac).first(v.tag.size()), v.tag);
  if (v.result == "valid") {
    EXPECT_TRUE(match);
  } else {
    ASSERT_EQ(v.result, "invalid");
    EXPECT_FALSE(match);
  }
}

INSTANTIATE_TEST_SUITE_P(Wycheproof, HmacWycheproof, ::testing::ValuesIn(LoadMacVectors()),
                         [](const auto& p) { return "tc" + std::to_string(p.param.tc_id); });

}  // namespace
}  // namespace kms::crypto
