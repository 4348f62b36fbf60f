// The framed domain-key protocol: round trips and every malformed frame refused.
#include "dkey/dk_protocol.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "dkey/sealed_dk.h"

namespace kms::dkey {
namespace {

using ::testing::HasSubstr;

TEST(DkProtocolTest, RequestRoundTripsForBothRoles) {
  EXPECT_EQ(ParseDkRequest(EncodeDkRequest(Role::kDkeyCache)).value(), Role::kDkeyCache);
  EXPECT_EQ(ParseDkRequest(EncodeDkRequest(Role::kDkeyServer)).value(), Role::kDkeyServer);
}

TEST(DkProtocolTest, MalformedRequestsAreRefused) {
  Bytes good = EncodeDkRequest(Role::kDkeyCache);
  auto broken = [&](size_t at, uint8_t value) {
    Bytes b = good;
    b[at] = value;
    return ParseDkRequest(b).status().code();
  };
  EXPECT_EQ(broken(0, 'X'), Code::kInvalidArgument);  // magic
  EXPECT_EQ(broken(4, 2), Code::kInvalidArgument);    // version
  EXPECT_EQ(broken(5, 3), Code::kInvalidArgument);    // role kms is not asked of a dkeyserver
  EXPECT_EQ(broken(5, 0), Code::kInvalidArgument);
  EXPECT_EQ(broken(7, 1), Code::kInvalidArgument);    // reserved
  EXPECT_EQ(ParseDkRequest(ByteView(good).subspan(0, 7)).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParseDkRequest(AsBytes("GET / HT")).status().code(), Code::kInvalidArgument);
}

TEST(DkProtocolTest, GrantRoundTripsAndChecksTheFingerprint) {
  const Bytes dk(32, 0x42);
  const std::string id = DomainKeyId(dk).value();
  SecretBytes frame = EncodeDkGrant(dk, id);
  auto r = ParseDkResponse(frame.view());
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_TRUE(r->granted);
  EXPECT_EQ(Bytes(r->dk.view().begin(), r->dk.view().end()), dk);
  EXPECT_EQ(r->dk_id, id);
  frame.data()[8] ^= 1;  // a key byte: the fingerprint no longer matches
  EXPECT_THAT(ParseDkResponse(frame.view()).status().message(), HasSubstr("fingerprint"));
}

TEST(DkProtocolTest, RefusalRoundTripsSanitised) {
  Bytes frame = EncodeDkRefusal("no\nway");
  auto r = ParseDkResponse(frame);
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->granted);
  EXPECT_EQ(r->reason, "no?way");
  EXPECT_EQ(EncodeDkRefusal(std::string(5000, 'x')).size(), kDkResponseHeaderBytes + kMaxRefusalBytes);
}

TEST(DkProtocolTest, MalformedResponsesAreRefused) {
  const Bytes dk(32, 1);
  SecretBytes grant = EncodeDkGrant(dk, DomainKeyId(dk).value());
  Bytes g(grant.view().begin(), grant.view().end());
  auto code = [](Bytes b) { return ParseDkResponse(b).status().code(); };
  Bytes longer = g;
  longer.push_back(0);
  EXPECT_EQ(code(longer), Code::kInvalidArgument);  // trailing byte
  Bytes shorter(g.begin(), g.end() - 1);
  EXPECT_EQ(code(shorter), Code::kInvalidArgument);
  Bytes bad_len = g;
  bad_len[7] = 47;
  EXPECT_EQ(ParseDkResponseHeader(ByteView(bad_len).subspan(0, 8)).status().code(),
            Code::kInvalidArgument);
  Bytes bad_status = g;
  bad_status[5] = 9;
  EXPECT_EQ(code(bad_status), Code::kInvalidArgument);
  Bytes refusal = EncodeDkRefusal("x");
  refusal[6] = 0x10;  // 4096 bytes announced: beyond kMaxRefusalBytes
  EXPECT_EQ(ParseDkResponseHeader(ByteView(refusal).subspan(0, 8)).status().code(),
            Code::kInvalidArgument);
  Bytes empty_refusal = EncodeDkRefusal("x");
  empty_refusal[7] = 0;
  empty_refusal.pop_back();
  EXPECT_EQ(code(empty_refusal), Code::kInvalidArgument);
  EXPECT_EQ(code(Bytes(3, 0)), Code::kInvalidArgument);
}

}  // namespace
}  // namespace kms::dkey
