// The probes of the real binary: GET /healthz and GET /readyz on the HTTPS port, without
// authentication, next to an unchanged /ehsm?Action=... API; /readyz follows the store.

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "ehsm_client.h"
#include "kms_process.h"
#include "net/testing/test_https_client.h"
#include "store/couch_test_env.h"

namespace kms::testing {
namespace {

namespace fs = std::filesystem;
namespace couch = store::testing;
using net::testing::TestHttpsClient;
using net::testing::TestHttpResponse;

class KmsHealth : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("kms_health_it_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    kms_.reset();
    couch_server_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  static TestHttpResponse Get(TestHttpsClient& client, const std::string& target) {
    auto r = client.Send("GET", target, "", "");
    EXPECT_TRUE(r.ok()) << target << ": " << r.status().message();
    return r.ok() ? *r : TestHttpResponse{};
  }

  // Polls /readyz until it answers `status` (up to 20 s); returns the last answer.
  static TestHttpResponse WaitForReadyz(TestHttpsClient& client, int status) {
    TestHttpResponse last;
    for (int i = 0; i < 100; ++i) {
      last = Get(client, "/readyz");
      if (last.status == status) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return last;
  }

  fs::path dir_;
  std::unique_ptr<couch::PrivateCouchServer> couch_server_;
  std::unique_ptr<KmsProcess> kms_;
};

TEST_F(KmsHealth, ProbesAnswerWithoutAuthAndTheApiIsUnchanged) {
  kms_ = std::make_unique<KmsProcess>((dir_ / "data").string());
  ASSERT_NE(kms_->port(), 0) << kms_->output();
  TestHttpsClient client(kms_->port());

  TestHttpResponse live = Get(client, "/healthz");
  EXPECT_EQ(live.status, 200);
  EXPECT_EQ(live.body, "ok\n");
  EXPECT_EQ(live.header("content-type"), "text/plain; charset=utf-8");
  TestHttpResponse ready = Get(client, "/readyz");
  EXPECT_EQ(ready.status, 200);
  EXPECT_EQ(ready.body, "ready\n");
  // A query string is ignored, as probes sometimes add one.
  EXPECT_EQ(Get(client, "/readyz?verbose=1").status, 200);

  // Only these exact paths, only GET: everything else is the eHSM service's as before.
  TestHttpResponse other = Get(client, "/healthz/extra");
  EXPECT_EQ(other.status, 404);
  EXPECT_NE(other.body.find("\"code\":404"), std::string::npos) << other.body;
  auto post = client.Send("POST", "/readyz", "{}");
  ASSERT_TRUE(post.ok());
  EXPECT_EQ(post->status, 404);
  EXPECT_EQ(Get(client, "/READYZ").status, 404);
  EhsmClient api(kms_->port());
  EXPECT_EQ(CodeOf(api.Get("GetVersion")), 200);
  EXPECT_EQ(CodeOf(api.Get("GetVersion", "/ehsm/")), 200);
  EXPECT_EQ(CodeOf(api.Get("Enroll")), 200);
}

// CouchDB goes away under a running KMS: /readyz says so (without the store's address) while
// /healthz keeps answering, and both are fine again once CouchDB is back.
TEST_F(KmsHealth, ReadyzFollowsTheStore) {
  if (!couch::TestCouchUrl()) {
    if (couch::CouchRequired()) FAIL() << "EHSM_REQUIRE_COUCHDB=1 but no test server";
    GTEST_SKIP() << "EHSM_TEST_COUCHDB_URL not set";
  }
  int port = couch::PickFreePort();
  ASSERT_GT(port, 0);
  couch_server_ = std::make_unique<couch::PrivateCouchServer>((dir_ / "couch").string(), port);
  ASSERT_TRUE(couch_server_->Start());
  kms_ = std::make_unique<KmsProcess>(
      (dir_ / "data").string(),
      std::vector<std::string>{"--store", "couchdb", "--couchdb-url", couch_server_->url(),
                               "--couchdb-db", couch::UniqueDbName("readyz"),
                               "--couchdb-timeout-ms", "2000"});
  ASSERT_NE(kms_->port(), 0) << kms_->output();
  TestHttpsClient client(kms_->port());
  EXPECT_EQ(Get(client, "/readyz").status, 200);

  ASSERT_TRUE(couch_server_->Stop());
  TestHttpResponse down = WaitForReadyz(client, 503);
  EXPECT_EQ(down.status, 503);
  EXPECT_EQ(down.body, "not ready: store unreachable\n");
  EXPECT_EQ(down.body.find(std::to_string(port)), std::string::npos);
  EXPECT_EQ(Get(client, "/healthz").status, 200);

  ASSERT_TRUE(couch_server_->Start());
  EXPECT_EQ(WaitForReadyz(client, 200).body, "ready\n");
  EXPECT_TRUE(kms_->running());
}

}  // namespace
}  // namespace kms::testing
