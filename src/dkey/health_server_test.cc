#include "dkey/health_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>
#include <string>
#include <vector>

#include "common/testing/exposition_parser.h"
#include "dkey/daemon_metrics.h"
#include "net/testing/plain_connection.h"

namespace kms::dkey {
namespace {

using net::testing::ParsePlainReply;
using net::testing::PlainReply;
using Conn = net::testing::PlainConnection;

PlainReply Request(uint16_t port, const std::string& request) {
  return net::testing::PlainRequest(port, request);
}
PlainReply Get(uint16_t port, const std::string& target) {
  return net::testing::PlainGet(port, target);
}

class HealthServerTest : public ::testing::Test {
 protected:
  void Start(HealthServerOptions options = {}) {
    options.host = "127.0.0.1";
    auto s = HealthServer::Start(options, [this] {
      std::lock_guard lock(mu_);
      return ready_;
    });
    ASSERT_TRUE(s.ok()) << s.status().message();
    server_ = std::move(s).value();
    ASSERT_NE(server_->port(), 0);
  }
  void SetReady(Status s) {
    std::lock_guard lock(mu_);
    ready_ = std::move(s);
  }
  uint16_t port() const { return server_->port(); }

  std::mutex mu_;
  Status ready_ = Status::Unavailable("no domain key: start with --init or --peer");
  std::unique_ptr<HealthServer> server_;
};

TEST_F(HealthServerTest, HealthzAnswersWhileRunning) {
  Start();
  PlainReply r = Get(port(), "/healthz");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ok\n");
  EXPECT_NE(r.head.find("Content-Type: text/plain; charset=utf-8"), std::string::npos) << r.head;
  EXPECT_NE(r.head.find("Connection: close"), std::string::npos) << r.head;
}

TEST_F(HealthServerTest, ReadyzFollowsTheCallbackWithItsReason) {
  Start();
  PlainReply r = Get(port(), "/readyz");
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.body, "not ready: no domain key: start with --init or --peer\n");
  SetReady(Status::Ok());
  r = Get(port(), "/readyz?probe=1");
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.body, "ready\n");
  SetReady(Status::Unavailable("line one\nline two"));
  EXPECT_EQ(Get(port(), "/readyz").body, "not ready: line one line two\n");
}

TEST_F(HealthServerTest, OtherPathsMethodsAndGarbage) {
  Start();
  EXPECT_EQ(Get(port(), "/").status, 404);
  EXPECT_EQ(Get(port(), "/healthz/x").status, 404);
  PlainReply post = Request(port(), "POST /readyz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(post.status, 405);
  EXPECT_NE(post.head.find("Allow: GET"), std::string::npos);
  EXPECT_EQ(Request(port(), "this is not http\r\n\r\n").status, 400);
  // No request bodies.
  EXPECT_EQ(Request(port(), "GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello")
                .status,
            400);
}

TEST_F(HealthServerTest, OversizedHeadersGet431) {
  Start({.max_header_bytes = 1024});
  PlainReply r = Request(port(), "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " + std::string(2000, 'a') +
                                "\r\n\r\n");
  EXPECT_EQ(r.status, 431);
  // Just under the limit is fine.
  EXPECT_EQ(Request(port(), "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Pad: " +
                                std::string(900, 'a') + "\r\n\r\n")
                .status,
            200);
}

TEST_F(HealthServerTest, OneRequestPerConnection) {
  Start();
  Conn c(port());
  ASSERT_TRUE(c.Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /readyz HTTP/1.1\r\nHost: x\r\n\r\n"));
  bool closed = false;
  std::string raw = c.ReadAll(&closed);
  EXPECT_TRUE(closed);
  EXPECT_EQ(ParsePlainReply(raw).status, 200);
  EXPECT_EQ(raw.find("HTTP/1.1", 1), std::string::npos) << raw;  // only one answer
}

TEST_F(HealthServerTest, SilentOrSlowClientIsClosedAfterTheTimeout) {
  Start({.timeout_ms = 300});
  auto t0 = std::chrono::steady_clock::now();
  Conn silent(port());
  ASSERT_TRUE(silent.connected());
  bool closed = false;
  EXPECT_EQ(silent.ReadAll(&closed), "");
  EXPECT_TRUE(closed);
  // A client trickling a header byte by byte does not extend the deadline.
  Conn slow(port());
  for (char ch : std::string("GET /healthz HTTP/1.1\r\n")) {
    if (!slow.Send(std::string(1, ch))) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
  }
  slow.ReadAll(&closed);
  EXPECT_TRUE(closed);
  auto elapsed = std::chrono::steady_clock::now() - t0;
  EXPECT_LT(elapsed, std::chrono::milliseconds(3000));
  // And the server still answers others.
  EXPECT_EQ(Get(port(), "/healthz").status, 200);
}

TEST_F(HealthServerTest, ConnectionsOverTheLimitAreClosedAndOthersStillServed) {
  Start({.timeout_ms = 2000, .max_connections = 4});
  std::vector<std::unique_ptr<Conn>> idle;
  for (int i = 0; i < 4; ++i) {
    idle.push_back(std::make_unique<Conn>(port()));
    ASSERT_TRUE(idle.back()->connected());
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(100));  // let the server accept them
  Conn extra(port(), 1000);
  ASSERT_TRUE(extra.connected());  // the kernel accepts; the server closes it at once
  bool closed = false;
  EXPECT_EQ(extra.ReadAll(&closed), "");
  EXPECT_TRUE(closed);
  idle.clear();
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(Get(port(), "/healthz").status, 200);
}

TEST(HealthServerStart, TakenPortAndBadHostAreErrors) {
  auto first = HealthServer::Start({.host = "127.0.0.1"}, [] { return Status::Ok(); });
  ASSERT_TRUE(first.ok());
  auto second = HealthServer::Start({.host = "127.0.0.1", .port = (*first)->port()},
                                    [] { return Status::Ok(); });
  EXPECT_EQ(second.status().code(), Code::kUnavailable);
  EXPECT_NE(second.status().message().find("cannot listen for health checks"), std::string::npos);
  auto bad = HealthServer::Start({.host = "not an address"}, [] { return Status::Ok(); });
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
}

// The daemons' registry on the health port: parsed, following the held key, and token-gated.
TEST_F(HealthServerTest, MetricsShowTheDomainKeyAndParse) {
  metrics::Registry registry;
  std::string dk_id;  // guarded by mu_
  RegisterDaemonMetrics(registry, "ehsm-dkeyserver",
                        [&] {
                          std::lock_guard lock(mu_);
                          return dk_id;
                        },
                        [this] {
                          std::lock_guard lock(mu_);
                          return ready_;
                        });
  Start({.metrics = &registry});
  PlainReply r = Get(port(), "/metrics");
  ASSERT_EQ(r.status, 200) << r.head;
  EXPECT_NE(r.head.find("Content-Type: text/plain; version=0.0.4"), std::string::npos) << r.head;
  auto e = metrics::testing::ParseExposition(r.body);
  ASSERT_TRUE(e.ok()) << e.status().message() << "\n" << r.body;
  EXPECT_EQ(e->Find("ehsm_domain_key_loaded")->value, 0);
  EXPECT_EQ(e->Find("ehsm_domain_key_info"), nullptr);
  EXPECT_EQ(e->Find("ehsm_ready")->value, 0);
  EXPECT_EQ(e->Find("ehsm_build_info")->labels.at("daemon"), "ehsm-dkeyserver");

  {
    std::lock_guard lock(mu_);
    dk_id = "0123456789abcdef0123456789abcdef";
  }
  SetReady(Status::Ok());
  r = Get(port(), "/metrics");
  e = metrics::testing::ParseExposition(r.body);
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->Find("ehsm_domain_key_loaded")->value, 1);
  EXPECT_EQ(e->Find("ehsm_domain_key_info")->labels.at("fingerprint_prefix"), "01234567");
  EXPECT_EQ(e->Find("ehsm_ready")->value, 1);
}

TEST_F(HealthServerTest, MetricsNeedTheTokenWhenSet) {
  metrics::Registry registry;
  registry.AddCounter("x_total", "x").Inc();
  Start({.metrics = &registry, .metrics_token = "tok"});
  PlainReply none = Get(port(), "/metrics");
  EXPECT_EQ(none.status, 401);
  EXPECT_NE(none.head.find("WWW-Authenticate: Bearer"), std::string::npos) << none.head;
  EXPECT_EQ(none.body.find("x_total"), std::string::npos);
  PlainReply wrong =
      Request(port(), "GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tak\r\n\r\n");
  EXPECT_EQ(wrong.status, 401);
  PlainReply right =
      Request(port(), "GET /metrics HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer tok\r\n\r\n");
  EXPECT_EQ(right.status, 200);
  EXPECT_NE(right.body.find("x_total 1\n"), std::string::npos) << right.body;
  // The probes need no token.
  EXPECT_EQ(Get(port(), "/healthz").status, 200);
}

TEST_F(HealthServerTest, NoMetricsPathWithoutARegistry) {
  Start();
  EXPECT_EQ(Get(port(), "/metrics").status, 404);
}

}  // namespace
}  // namespace kms::dkey
