#include "crypto/digest.h"

#include <gtest/gtest.h>

namespace kms::crypto {
namespace {

TEST(Digest, KnownAnswersForAbc) {
  const std::pair<DigestAlg, std::string> cases[] = {
      {DigestAlg::kSha224, "23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7"},
      {DigestAlg::kSha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
      {DigestAlg::kSha384,
       "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c"
       "825a7"},
      {DigestAlg::kSha512,
       "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3f"
       "eebbd454d4423643ce80e2a9ac94fa54ca49f"},
      // GB/T 32905-2016 Appendix A.1.
      {DigestAlg::kSm3, "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"},
  };
  for (const auto& [alg, hex] : cases) {
    auto d = Digest(alg, AsBytes("abc"));
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(HexEncode(*d), hex);
    EXPECT_EQ(d->size(), DigestSize(alg));
  }
}

TEST(Digest, SigningDigestHashesRawAndChecksDigestSize) {
  auto raw = SigningDigest(DigestAlg::kSha384, MessageType::kRaw, AsBytes("abc"));
  ASSERT_TRUE(raw.ok());
  EXPECT_EQ(*raw, *Digest(DigestAlg::kSha384, AsBytes("abc")));

  Bytes d(32, 7);
  auto same = SigningDigest(DigestAlg::kSm3, MessageType::kDigest, d);
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(*same, d);
  EXPECT_EQ(SigningDigest(DigestAlg::kSha384, MessageType::kDigest, d).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(SigningDigest(DigestAlg::kSha256, MessageType::kDigest, {}).status().code(),
            Code::kInvalidArgument);
}

}  // namespace
}  // namespace kms::crypto
