#include "keys/import_token.h"

#include <gtest/gtest.h>

#include "crypto/base64.h"

namespace kms::keys {
namespace {

const Bytes kMacKey(32, 0x42);
constexpr std::string_view kKeyid = "0b3d4a7e-5c1f-4e2a-9b8d-1f2e3d4c5b6a";
constexpr std::string_view kCreator = "app-1";
constexpr int64_t kNow = 1700000000000;

ImportTokenClaims Claims() {
  ImportTokenClaims c;
  c.keyid = std::string(kKeyid);
  for (size_t i = 0; i < c.token_id.size(); ++i) c.token_id[i] = static_cast<uint8_t>(i + 1);
  c.expires_ms = kNow + kImportTokenLifetimeMs;
  return c;
}

std::string Token() { return *EncodeImportToken(kMacKey, Claims(), kCreator); }

void ExpectInvalid(const StatusOr<ImportTokenClaims>& r) {
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "importToken invalid");
}

TEST(ImportToken, RoundTripsItsClaims) {
  auto c = VerifyImportToken(kMacKey, Token(), kKeyid, kCreator, kNow);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->keyid, kKeyid);
  EXPECT_EQ(c->token_id, Claims().token_id);
  EXPECT_EQ(c->expires_ms, kNow + kImportTokenLifetimeMs);
}

TEST(ImportToken, ValidUntilItsExpiryThenRefusedWithTheUpstreamMessage) {
  int64_t expiry = kNow + kImportTokenLifetimeMs;
  EXPECT_TRUE(VerifyImportToken(kMacKey, Token(), kKeyid, kCreator, expiry).ok());
  auto late = VerifyImportToken(kMacKey, Token(), kKeyid, kCreator, expiry + 1);
  ASSERT_FALSE(late.ok());
  EXPECT_EQ(late.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(late.status().message(), kImportTokenExpired);
}

TEST(ImportToken, EveryFlippedBitIsRefused) {
  Bytes raw = *crypto::Base64Decode(Token());
  for (size_t bit = 0; bit < raw.size() * 8; ++bit) {
    Bytes bad = raw;
    bad[bit / 8] ^= static_cast<uint8_t>(1 << (bit % 8));
    ExpectInvalid(VerifyImportToken(kMacKey, crypto::Base64Encode(bad), kKeyid, kCreator, kNow));
  }
}

TEST(ImportToken, ForgedExpiryWithoutTheKeyIsRefused) {
  // An attacker who knows the layout extends the expiry and recomputes a MAC under a guess.
  ImportTokenClaims c = Claims();
  c.expires_ms += 365LL * 24 * 3600 * 1000;
  std::string forged = *EncodeImportToken(Bytes(32, 0), c, kCreator);
  ExpectInvalid(VerifyImportToken(kMacKey, forged, kKeyid, kCreator, kNow));
}

TEST(ImportToken, BoundToKeyAndTenant) {
  ExpectInvalid(
      VerifyImportToken(kMacKey, Token(), "0b3d4a7e-5c1f-4e2a-9b8d-1f2e3d4c5b6b", kCreator, kNow));
  ExpectInvalid(VerifyImportToken(kMacKey, Token(), kKeyid, "app-2", kNow));
}

TEST(ImportToken, MalformedInputsAreRefused) {
  std::string good = Token();
  for (std::string t : {std::string(), std::string("!!!!"), std::string("AAAA"),
                        good.substr(0, good.size() - 4), good + "AAAA"}) {
    ExpectInvalid(VerifyImportToken(kMacKey, t, kKeyid, kCreator, kNow));
  }
  // The upstream's unauthenticated JSON token is refused too.
  std::string upstream = crypto::Base64Encode(
      AsBytes("{\"keyid\":\"" + std::string(kKeyid) + "\",\"timestamp\":1700000000000}"));
  ExpectInvalid(VerifyImportToken(kMacKey, upstream, kKeyid, kCreator, kNow));
}

}  // namespace
}  // namespace kms::keys
