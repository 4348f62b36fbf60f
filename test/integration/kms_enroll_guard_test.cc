// Enroll protection of the real ehsm-kms: the enroll token and the per-address rate limit.

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include <fstream>

#include "ehsm_client.h"
#include "hardening_test_util.h"
#include "kms_process.h"
#include "net/testing/test_https_client.h"

namespace kms::testing {
namespace {

using net::testing::TestHttpsClient;
using net::testing::TestHttpsClientOptions;
using net::testing::TestHttpResponse;

TestHttpResponse EnrollWith(uint16_t port, const net::testing::Headers& headers) {
  TestHttpsClientOptions o;
  o.port = port;
  TestHttpsClient client(o);
  auto r = client.Send("GET", "/ehsm?Action=Enroll", "", "", headers);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? *r : TestHttpResponse{};
}

int Code(const TestHttpResponse& r) { return CodeOf(boost::json::parse(r.body)); }

TEST(KmsEnrollGuardTest, OpenByDefault) {
  ScratchDir dir;
  KmsProcess kms(dir / "data");
  ASSERT_GT(kms.port(), 0) << kms.output();
  TestHttpResponse r = EnrollWith(kms.port(), {});
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Code(r), 200) << r.body;
}

TEST(KmsEnrollGuardTest, TokenFromAFileIsRequired) {
  ScratchDir dir;
  const std::string token = "s3cret-enroll-token";
  std::ofstream(dir / "token") << token << "\n";
  KmsProcess kms(dir / "data", {"--enroll-token-file", dir / "token"});
  ASSERT_GT(kms.port(), 0) << kms.output();
  EXPECT_EQ(kms.output().find(token), std::string::npos) << "the token was logged";

  TestHttpResponse none = EnrollWith(kms.port(), {});
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(Code(none), 401) << none.body;
  EXPECT_EQ(none.header("www-authenticate"), "Bearer");
  TestHttpResponse wrong = EnrollWith(kms.port(), {{"Authorization", "Bearer " + token + "x"}});
  EXPECT_EQ(wrong.status, 403);
  EXPECT_EQ(Code(wrong), 403) << wrong.body;
  TestHttpResponse basic = EnrollWith(kms.port(), {{"Authorization", "Basic " + token}});
  EXPECT_EQ(basic.status, 401);

  TestHttpResponse right = EnrollWith(kms.port(), {{"Authorization", "Bearer " + token}});
  EXPECT_EQ(right.status, 200);
  ASSERT_EQ(Code(right), 200) << right.body;
  EXPECT_FALSE(ResultString(boost::json::parse(right.body), "appid").empty());
  // Other actions never need it.
  EhsmClient client(kms.port());
  EXPECT_EQ(CodeOf(client.Get("GetVersion")), 200);
}

TEST(KmsEnrollGuardTest, TokenFromTheEnvironment) {
  ScratchDir dir;
  ASSERT_EQ(setenv("EHSM_ENROLL_TOKEN", "from-env", 1), 0);
  KmsProcess kms(dir / "data");
  unsetenv("EHSM_ENROLL_TOKEN");
  ASSERT_GT(kms.port(), 0) << kms.output();
  EXPECT_EQ(EnrollWith(kms.port(), {}).status, 401);
  EXPECT_EQ(Code(EnrollWith(kms.port(), {{"Authorization", "Bearer from-env"}})), 200);
}

TEST(KmsEnrollGuardTest, EachSourceAddressIsLimited) {
  ScratchDir dir;
  // One enrollment per address (the bucket refills in 100 s); the global limit is far above.
  KmsProcess kms(dir / "data", {"--enroll-rate-per-ip", "0.01", "--enroll-rate", "1000"});
  ASSERT_GT(kms.port(), 0) << kms.output();
  EXPECT_EQ(Code(EnrollWith(kms.port(), {})), 200);
  TestHttpResponse again = EnrollWith(kms.port(), {});
  EXPECT_EQ(Code(again), 400);
  EXPECT_EQ(MessageOf(boost::json::parse(again.body)), "Too many enrollments, please retry later.");
  // (That each address has a bucket of its own: server/address_rate_limiter_test.cc.)
  const std::string audit = [&] {
    std::ifstream in(dir / "data/audit.log");
    return std::string((std::istreambuf_iterator<char>(in)), {});
  }();
  EXPECT_NE(audit.find("\"result\":400,\"detail\":\"source=127.0.0.1\""), std::string::npos) << audit;
}

}  // namespace
}  // namespace kms::testing
