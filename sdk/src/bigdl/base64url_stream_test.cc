#include "base64url_stream.h"

#include <gtest/gtest.h>
#include <openssl/rand.h>

#include "bigdl_test_util.h"

namespace kms::bigdl::internal {
namespace {
using namespace testing;

TEST(BigdlBase64Url, EncodesInPiecesLikeInOneGoAndDecodesBack) {
  for (size_t size : {0, 1, 2, 3, 4, 5, 100, 262145, 700001}) {
    Bytes data(size);
    if (size > 0) RAND_bytes(data.data(), static_cast<int>(size));
    BytesSink text;
    Base64UrlEncodeSink enc(text);
    for (size_t at = 0; at < size; at += 7) {
      ASSERT_TRUE(enc.Write(ByteView(data).subspan(at, std::min<size_t>(7, size - at))).ok());
    }
    ASSERT_TRUE(enc.Finish().ok());
    EXPECT_EQ(text.bytes.size(), (size + 2) / 3 * 4);
    EXPECT_EQ(text.str().find_first_of("+/"), std::string::npos);
    MemorySource src(text.bytes, 1000);
    Base64UrlDecodeSource dec(src);
    Bytes back(size + 10);
    auto n = ReadFull(dec, back);
    ASSERT_TRUE(n.ok()) << n.error().ToString();
    back.resize(*n);
    EXPECT_EQ(back, data) << size;
  }
}

TEST(BigdlBase64Url, ALineEndNearAReadBoundaryIsStillTheTokensEnd) {
  // Tokens of one read (256 KiB of text) and a group either side, then CRLF.
  for (size_t groups : {65535, 65536, 65537, 131072}) {
    Bytes data(groups * 3, 0x5a);
    BytesSink text;
    Base64UrlEncodeSink enc(text);
    ASSERT_TRUE(enc.Write(data).ok());
    ASSERT_TRUE(enc.Finish().ok());
    text.bytes.push_back('\r');
    text.bytes.push_back('\n');
    MemorySource src(text.bytes);
    Base64UrlDecodeSource dec(src);
    Bytes back(data.size() + 100);
    auto n = ReadFull(dec, back);
    ASSERT_TRUE(n.ok()) << groups << ": " << n.error().ToString();
    EXPECT_EQ(*n, data.size());
  }
}

TEST(BigdlBase64Url, RejectsPaddingInTheMiddleAndForeignCharacters) {
  for (std::string bad : {std::string("QUJD=EFG"), std::string("QUJ*"), std::string("QUJDR"),
                          std::string("QU\nJD")}) {
    MemorySource src(ToBytes(bad));
    Base64UrlDecodeSource dec(src);
    Bytes out(16);
    EXPECT_FALSE(ReadFull(dec, out).ok()) << bad;
  }
}

}  // namespace
}  // namespace kms::bigdl::internal
