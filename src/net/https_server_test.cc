#include "net/https_server.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/ssl.h>
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <condition_variable>
#include <functional>
#include <future>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "net/self_signed_cert.h"
#include "net/testing/test_https_client.h"

namespace kms::net {
namespace {

using ::testing::HasSubstr;
using testing::TestHttpResponse;
using testing::TestHttpsClient;
using testing::TestHttpsClientOptions;

const PemPair& TestPems() {
  static const PemPair pems = [] {
    auto p = MakeSelfSignedCert("ehsm-kms-test", 1);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    return *p;
  }();
  return pems;
}

class FnHandler : public HttpHandler {
 public:
  using Fn = std::function<void(HttpRequest, Responder)>;
  explicit FnHandler(Fn fn) : fn_(std::move(fn)) {}
  void Handle(HttpRequest request, Responder respond) override {
    fn_(std::move(request), std::move(respond));
  }

 private:
  Fn fn_;
};

// Replies at once with "<method> <target> <content-type> <body>".
void Echo(HttpRequest r, Responder respond) {
  HttpResponse res;
  res.content_type = "text/plain";
  res.body = r.method + " " + r.target + " " + r.content_type + " " + r.body;
  respond(std::move(res));
}

// Holds the Responders of requests the test wants to answer itself.
class ParkedResponders {
 public:
  void Park(HttpRequest request, Responder respond) {
    std::lock_guard<std::mutex> lock(mu_);
    parked_.push_back({std::move(request), std::move(respond)});
    cv_.notify_all();
  }
  // Blocks until `n` requests have been parked.
  void WaitFor(size_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return parked_.size() >= n; });
  }
  std::pair<HttpRequest, Responder> Take(size_t i) {
    std::lock_guard<std::mutex> lock(mu_);
    return std::move(parked_.at(i));
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::pair<HttpRequest, Responder>> parked_;
};

class HttpsServerTest : public ::testing::Test {
 protected:
  HttpsServerOptions Options() {
    HttpsServerOptions o;
    o.host = "127.0.0.1";
    o.port = 0;
    o.threads = 2;
    o.cert_pem = TestPems().cert_pem;
    o.key_pem = TestPems().key_pem;
    return o;
  }

  void StartServer(FnHandler::Fn fn, std::optional<HttpsServerOptions> options = std::nullopt) {
    handler_ = std::make_unique<FnHandler>(std::move(fn));
    auto server = HttpsServer::Start(options ? *options : Options(), *handler_);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(server).value();
  }

  void TearDown() override {
    if (server_) {
      server_->Stop(0);
      server_->Wait();
      server_.reset();
    }
  }

  std::unique_ptr<FnHandler> handler_;
  std::unique_ptr<HttpsServer> server_;
};

TEST_F(HttpsServerTest, PostRoundTripReachesHandlerWithAllFields) {
  std::mutex mu;
  HttpRequest seen;
  StartServer([&](HttpRequest r, Responder respond) {
    {
      std::lock_guard<std::mutex> lock(mu);
      seen = r;
    }
    HttpResponse res;
    res.status = 201;
    res.content_type = "application/x-test";
    res.body = "{\"ok\":true}";
    respond(std::move(res));
  });
  TestHttpsClient client(server_->port());
  auto res = client.Send("POST", "/ehsm/?Action=Encrypt", "{\"a\":1}", "application/json");
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->status, 201);
  EXPECT_EQ(res->body, "{\"ok\":true}");
  EXPECT_EQ(res->header("Content-Type"), "application/x-test");
  EXPECT_EQ(res->header("Content-Length"), "11");
  EXPECT_EQ(res->header("Server"), "ehsm-kms");

  std::lock_guard<std::mutex> lock(mu);
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.target, "/ehsm/?Action=Encrypt");
  EXPECT_EQ(seen.content_type, "application/json");
  EXPECT_EQ(seen.body, "{\"a\":1}");
  EXPECT_THAT(seen.remote, HasSubstr("127.0.0.1:"));
}

TEST_F(HttpsServerTest, GetWithoutBody) {
  StartServer(Echo);
  TestHttpsClient client(server_->port());
  auto res = client.Send("GET", "/metrics?x=1", "", "");
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "GET /metrics?x=1  ");
  EXPECT_EQ(res->header("Content-Length"), std::to_string(res->body.size()));
}

TEST_F(HttpsServerTest, HeadGetsHeadersWithoutBody) {
  StartServer(Echo);
  TestHttpsClient client(server_->port());
  auto res = client.Send("HEAD", "/h", "", "");
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->status, 200);
  EXPECT_EQ(res->body, "");
  EXPECT_EQ(res->header("Content-Length"), std::to_string(std::string("HEAD /h  ").size()));
  // Had the body been sent, it would be read as the start of the next response.
  auto next = client.Send("GET", "/g", "", "");
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(next->body, "GET /g  ");
}

TEST_F(HttpsServerTest, StopFromAnotherThreadEndsWait) {
  StartServer(Echo);
  TestHttpsClient client(server_->port());
  ASSERT_TRUE(client.Send("GET", "/", "", "").ok());
  std::thread stopper([&] { server_->Stop(1000); });
  server_->Wait();
  stopper.join();
  EXPECT_TRUE(client.WaitForPeerClose());
}

TEST_F(HttpsServerTest, StopFromInsideHandlerFinishesThatRequest) {
  HttpsServer* server = nullptr;
  StartServer([&](HttpRequest r, Responder respond) {
    server->Stop(5000);
    Echo(std::move(r), std::move(respond));
  });
  server = server_.get();
  TestHttpsClient client(server_->port());
  auto res = client.Send("GET", "/bye", "", "");
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->body, "GET /bye  ");
  // Stop is asynchronous, so this reply may or may not carry `Connection: close`; either way
  // the server closes the connection instead of waiting for another request.
  EXPECT_TRUE(client.WaitForPeerClose());
  server_->Wait();
}

TEST_F(HttpsServerTest, EmptyResponseBodyHasContentLengthZero) {
  StartServer([](HttpRequest, Responder respond) { respond(HttpResponse{}); });
  TestHttpsClient client(server_->port());
  auto res = client.Send("GET", "/", "", "");
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->header("Content-Length"), "0");
  EXPECT_EQ(res->header("Content-Type"), "application/json");
}

TEST_F(HttpsServerTest, KeepAliveServesManyRequestsOnOneConnection) {
  StartServer(Echo);
  TestHttpsClient client(server_->port());
  for (int i = 0; i < 200; ++i) {
    std::string body = "req-" + std::to_string(i);
    auto res = client.Send("POST", "/k", body, "text/plain");
    ASSERT_TRUE(res.ok()) << i << ": " << res.status().ToString();
    ASSERT_EQ(res->body, "POST /k text/plain " + body);
    ASSERT_NE(res->header("Connection"), "close");
  }
  EXPECT_EQ(client.connections_opened(), 1);
}

TEST_F(HttpsServerTest, ResponseCloseFlagClosesConnection) {
  StartServer([](HttpRequest, Responder respond) {
    HttpResponse res;
    res.close = true;
    respond(std::move(res));
  });
  TestHttpsClient client(server_->port());
  auto res = client.Send("GET", "/", "", "");
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->header("Connection"), "close");
  ASSERT_TRUE(client.Send("GET", "/", "", "").ok());
  EXPECT_EQ(client.connections_opened(), 2);
}

TEST_F(HttpsServerTest, PipelinedRequestsAreAnsweredInOrder) {
  ParkedResponders parked;
  StartServer([&](HttpRequest r, Responder respond) {
    if (r.target == "/slow") {
      parked.Park(std::move(r), std::move(respond));
    } else {
      Echo(std::move(r), std::move(respond));
    }
  });
  TestHttpsClient client(server_->port());
  std::string raw;
  for (const char* target : {"/slow", "/a", "/b"}) {
    raw += std::string("GET ") + target + " HTTP/1.1\r\nHost: localhost\r\n\r\n";
  }
  ASSERT_TRUE(client.SendRaw(raw).ok());
  std::thread late([&] {
    parked.WaitFor(1);
    HttpResponse res;
    res.body = "slow";
    parked.Take(0).second(std::move(res));
  });
  auto r1 = client.ReadResponse();
  auto r2 = client.ReadResponse();
  auto r3 = client.ReadResponse();
  late.join();
  ASSERT_TRUE(r1.ok() && r2.ok() && r3.ok());
  EXPECT_EQ(r1->body, "slow");
  EXPECT_EQ(r2->body, "GET /a  ");
  EXPECT_EQ(r3->body, "GET /b  ");
}

TEST_F(HttpsServerTest, ResponderCalledLaterFromAnotherThread) {
  ParkedResponders parked;
  StartServer(
      [&](HttpRequest r, Responder respond) { parked.Park(std::move(r), std::move(respond)); });
  TestHttpsClient client(server_->port());
  auto pending = std::async(std::launch::async, [&] { return client.Send("POST", "/x", "hi"); });
  parked.WaitFor(1);
  auto [request, respond] = parked.Take(0);
  EXPECT_EQ(request.body, "hi");
  std::thread([respond = std::move(respond)] {
    HttpResponse res;
    res.status = 202;
    res.body = "later";
    respond(std::move(res));
  }).join();
  auto res = pending.get();
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->status, 202);
  EXPECT_EQ(res->body, "later");
}

TEST_F(HttpsServerTest, SecondResponderCallIsIgnored) {
  StartServer([](HttpRequest, Responder respond) {
    HttpResponse first;
    first.body = "first";
    respond(first);
    HttpResponse second;
    second.body = "second";
    respond(second);
  });
  TestHttpsClient client(server_->port());
  for (int i = 0; i < 3; ++i) {
    auto res = client.Send("GET", "/", "", "");
    ASSERT_TRUE(res.ok()) << res.status().ToString();
    EXPECT_EQ(res->body, "first");
  }
  EXPECT_EQ(client.connections_opened(), 1);
}

TEST_F(HttpsServerTest, DroppedResponderGives500AndConnectionStaysUsable) {
  StartServer([](HttpRequest r, Responder respond) {
    if (r.target == "/drop") return;  // the Responder dies here, unanswered
    Echo(std::move(r), std::move(respond));
  });
  TestHttpsClient client(server_->port());
  auto res = client.Send("GET", "/drop", "", "");
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->status, 500);
  EXPECT_EQ(res->header("Content-Type"), "application/json");
  EXPECT_THAT(res->body, HasSubstr("\"code\":500"));
  auto next = client.Send("GET", "/ok", "", "");
  ASSERT_TRUE(next.ok()) << next.status().ToString();
  EXPECT_EQ(next->body, "GET /ok  ");
  EXPECT_EQ(client.connections_opened(), 1);
}

TEST_F(HttpsServerTest, ResponderDroppedOnAnotherThreadGives500) {
  ParkedResponders parked;
  StartServer(
      [&](HttpRequest r, Responder respond) { parked.Park(std::move(r), std::move(respond)); });
  TestHttpsClient client(server_->port());
  auto pending = std::async(std::launch::async, [&] { return client.Send("GET", "/", "", ""); });
  parked.WaitFor(1);
  std::thread([taken = parked.Take(0)]() mutable { taken.second = nullptr; }).join();
  auto res = pending.get();
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->status, 500);
}

TEST_F(HttpsServerTest, ThrowingHandlerGives500) {
  StartServer([](HttpRequest, Responder) { throw std::runtime_error("boom"); });
  TestHttpsClient client(server_->port());
  auto res = client.Send("GET", "/", "", "");
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->status, 500);
}

TEST_F(HttpsServerTest, InvalidStatusFromHandlerBecomes500) {
  StartServer([](HttpRequest, Responder respond) {
    HttpResponse res;
    res.status = 1234;
    respond(std::move(res));
  });
  TestHttpsClient client(server_->port());
  auto res = client.Send("GET", "/", "", "");
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->status, 500);
}

TEST_F(HttpsServerTest, OversizeBodyGets413AndClose) {
  std::atomic<int> calls{0};
  HttpsServerOptions options = Options();
  options.max_body_bytes = 1024;
  StartServer(
      [&](HttpRequest r, Responder respond) {
        ++calls;
        Echo(std::move(r), std::move(respond));
      },
      options);

  TestHttpsClient client(server_->port());
  auto at_limit = client.Send("POST", "/", std::string(1024, 'a'));
  ASSERT_TRUE(at_limit.ok()) << at_limit.status().ToString();
  EXPECT_EQ(at_limit->status, 200);

  auto res = client.Send("POST", "/", std::string(1025, 'a'));
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->status, 413);
  EXPECT_EQ(
      res->body,
      "{\"code\":413,\"message\":\"Request body too large (limit 1024 bytes)\",\"result\":{}}");
  EXPECT_EQ(res->header("Content-Type"), "application/json");
  EXPECT_EQ(res->header("Connection"), "close");
  EXPECT_FALSE(client.connected());
  EXPECT_EQ(calls.load(), 1);
}

TEST_F(HttpsServerTest, MuchLargerBodyStill413) {
  HttpsServerOptions options = Options();
  options.max_body_bytes = 1024;
  StartServer(Echo, options);
  TestHttpsClient client(server_->port());
  auto res = client.Send("POST", "/", std::string(512 * 1024, 'a'));
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->status, 413);
}

TEST_F(HttpsServerTest, ChunkedBodyOverLimitGets413) {
  HttpsServerOptions options = Options();
  options.max_body_bytes = 16;
  StartServer(Echo, options);
  TestHttpsClient client(server_->port());
  ASSERT_TRUE(client
                  .SendRaw("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                           "10\r\n0123456789abcdef\r\n10\r\n0123456789abcdef\r\n0\r\n\r\n")
                  .ok());
  auto res = client.ReadResponse();
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->status, 413);
}

TEST_F(HttpsServerTest, MalformedRequestGets400AndClose) {
  std::atomic<int> calls{0};
  StartServer([&](HttpRequest r, Responder respond) {
    ++calls;
    Echo(std::move(r), std::move(respond));
  });
  for (const char* raw : {"GARBAGE\r\n\r\n", "GET / HTTP/9.9\r\n\r\n",
                          "GET / HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
                          "GET / HTTP/1.1\r\nBad Header Name: x\r\n\r\n"}) {
    TestHttpsClient client(server_->port());
    ASSERT_TRUE(client.SendRaw(raw).ok());
    auto res = client.ReadResponse();
    ASSERT_TRUE(res.ok()) << raw << ": " << res.status().ToString();
    EXPECT_EQ(res->status, 400) << raw;
    EXPECT_THAT(res->body, HasSubstr("\"code\":400")) << raw;
    EXPECT_EQ(res->header("Connection"), "close") << raw;
    EXPECT_FALSE(client.connected());
  }
  EXPECT_EQ(calls.load(), 0);
}

TEST_F(HttpsServerTest, OversizeHeaderGets431) {
  StartServer(Echo);
  TestHttpsClient client(server_->port());
  auto res = client.Send("GET", "/", "", "", {{"X-Big", std::string(9000, 'h')}});
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->status, 431);
  EXPECT_THAT(res->body, HasSubstr("\"code\":431"));
}

TEST_F(HttpsServerTest, ExpectContinueGetsInterimResponse) {
  StartServer(Echo);
  TestHttpsClient client(server_->port());
  ASSERT_TRUE(client
                  .SendRaw("POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
                           "Expect: 100-continue\r\n\r\n")
                  .ok());
  auto interim = client.ReadResponse();
  ASSERT_TRUE(interim.ok()) << interim.status().ToString();
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(client.SendRaw("hello").ok());
  auto res = client.ReadResponse();
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->body, "POST /c  hello");
}

TEST_F(HttpsServerTest, ConcurrentClientsOnSeveralThreads) {
  HttpsServerOptions options = Options();
  options.threads = 3;
  StartServer(Echo, options);
  constexpr int kClients = 8;
  constexpr int kRequests = 40;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      TestHttpsClient client(server_->port());
      for (int i = 0; i < kRequests; ++i) {
        std::string body = std::to_string(c) + ":" + std::to_string(i);
        auto res = client.Send("POST", "/p", body, "text/plain");
        if (res.ok() && res->body == "POST /p text/plain " + body) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kClients * kRequests);
}

TEST_F(HttpsServerTest, PortZeroPicksAPortSharedByAllWorkers) {
  HttpsServerOptions options = Options();
  options.threads = 4;
  StartServer(Echo, options);
  EXPECT_NE(server_->port(), 0);
  // Connections are spread over the workers' acceptors by the kernel; all must answer.
  for (int i = 0; i < 16; ++i) {
    TestHttpsClient client(server_->port());
    auto res = client.Send("GET", "/", "", "");
    ASSERT_TRUE(res.ok()) << res.status().ToString();
  }
}

TEST_F(HttpsServerTest, BindFailsOnPortTakenByAnotherSocket) {
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::acceptor taken(ioc, {boost::asio::ip::make_address("127.0.0.1"), 0});
  HttpsServerOptions options = Options();
  options.port = taken.local_endpoint().port();
  FnHandler handler(Echo);
  auto server = HttpsServer::Start(options, handler);
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), Code::kUnavailable);
  EXPECT_THAT(server.status().message(), HasSubstr(std::to_string(options.port)));
  EXPECT_THAT(server.status().message(), HasSubstr("in use"));
}

TEST_F(HttpsServerTest, BindFailsOnPortTakenByAnotherServer) {
  StartServer(Echo);
  HttpsServerOptions options = Options();
  options.port = server_->port();
  FnHandler handler(Echo);
  auto second = HttpsServer::Start(options, handler);
  ASSERT_FALSE(second.ok());
  EXPECT_THAT(second.status().message(), HasSubstr("in use"));
}

TEST_F(HttpsServerTest, InvalidHostIsRejected) {
  HttpsServerOptions options = Options();
  options.host = "not-an-address";
  FnHandler handler(Echo);
  auto server = HttpsServer::Start(options, handler);
  ASSERT_FALSE(server.ok());
  EXPECT_EQ(server.status().code(), Code::kInvalidArgument);
}

TEST_F(HttpsServerTest, StopFinishesInFlightRequestAndClosesIdleOnes) {
  ParkedResponders parked;
  StartServer([&](HttpRequest r, Responder respond) {
    if (r.target == "/slow") {
      parked.Park(std::move(r), std::move(respond));
    } else {
      Echo(std::move(r), std::move(respond));
    }
  });
  TestHttpsClient idle(server_->port());
  ASSERT_TRUE(idle.Send("GET", "/fast", "", "").ok());

  TestHttpsClient busy(server_->port());
  auto pending = std::async(std::launch::async, [&] { return busy.Send("GET", "/slow", "", ""); });
  parked.WaitFor(1);
  server_->Stop(30000);
  EXPECT_TRUE(idle.WaitForPeerClose());

  HttpResponse res;
  res.body = "finished";
  parked.Take(0).second(std::move(res));
  auto got = pending.get();
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->body, "finished");
  EXPECT_EQ(got->header("Connection"), "close");
  server_->Wait();

  TestHttpsClient late(server_->port());
  EXPECT_FALSE(late.Connect().ok());
}

TEST_F(HttpsServerTest, StopGiveUpAfterGraceAndLateResponderIsHarmless) {
  ParkedResponders parked;
  StartServer(
      [&](HttpRequest r, Responder respond) { parked.Park(std::move(r), std::move(respond)); });
  TestHttpsClientOptions copts;
  copts.port = server_->port();
  TestHttpsClient client(copts);
  auto pending =
      std::async(std::launch::async, [&] { return client.Send("GET", "/never", "", ""); });
  parked.WaitFor(1);
  server_->Stop(50);
  server_->Wait();
  EXPECT_FALSE(pending.get().ok());
  auto [request, respond] = parked.Take(0);
  server_.reset();
  HttpResponse res;
  res.body = "too late";
  respond(std::move(res));  // the server is gone: must be dropped without touching it
}

TEST_F(HttpsServerTest, DestroyingServerWithParkedResponderIsClean) {
  ParkedResponders parked;
  StartServer(
      [&](HttpRequest r, Responder respond) { parked.Park(std::move(r), std::move(respond)); });
  TestHttpsClient client(server_->port());
  auto pending = std::async(std::launch::async, [&] { return client.Send("GET", "/", "", ""); });
  parked.WaitFor(1);
  server_.reset();  // Stop(0) + Wait() inside
  EXPECT_FALSE(pending.get().ok());
  // The Responder dies after the server: its "abandoned" signal must go nowhere.
  auto taken = parked.Take(0);
  taken.second = nullptr;
}

TEST_F(HttpsServerTest, IdleKeepAliveConnectionTimesOut) {
  HttpsServerOptions options = Options();
  options.idle_timeout_seconds = 1;
  StartServer(Echo, options);
  TestHttpsClient client(server_->port());
  ASSERT_TRUE(client.Send("GET", "/", "", "").ok());
  EXPECT_TRUE(client.WaitForPeerClose());
}

TEST_F(HttpsServerTest, SilentTcpClientIsDroppedAfterHandshakeTimeout) {
  HttpsServerOptions options = Options();
  options.handshake_timeout_seconds = 1;
  StartServer(Echo, options);
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket socket(ioc);
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), server_->port()});
  char byte;
  boost::system::error_code ec;
  boost::asio::read(socket, boost::asio::buffer(&byte, 1), ec);
  EXPECT_EQ(ec, boost::asio::error::eof);
}

TEST_F(HttpsServerTest, NegotiatesTls13ByDefaultAndAcceptsTls12) {
  StartServer(Echo);
  TestHttpsClient modern(server_->port());
  ASSERT_TRUE(modern.Connect().ok());
  EXPECT_EQ(modern.tls_version(), "TLSv1.3");

  TestHttpsClientOptions o;
  o.port = server_->port();
  o.max_tls_version = TLS1_2_VERSION;
  TestHttpsClient tls12(o);
  auto res = tls12.Send("GET", "/", "", "");
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(tls12.tls_version(), "TLSv1.2");
}

TEST_F(HttpsServerTest, RefusesTls11Client) {
  StartServer(Echo);
  // Security level 0 lets this client offer TLS 1.1 at all; the same settings with TLS 1.2
  // allowed connect, so the refusal comes from the server.
  TestHttpsClientOptions o;
  o.port = server_->port();
  o.cipher_list = "DEFAULT:@SECLEVEL=0";
  o.min_tls_version = TLS1_VERSION;
  o.max_tls_version = TLS1_2_VERSION;
  TestHttpsClient control(o);
  ASSERT_TRUE(control.Connect().ok());

  o.max_tls_version = TLS1_1_VERSION;
  TestHttpsClient old(o);
  Status st = old.Connect();
  ASSERT_FALSE(st.ok());
  EXPECT_THAT(st.message(), HasSubstr("protocol version"));
}

TEST_F(HttpsServerTest, ClientVerifiesCertificateForLocalhost) {
  StartServer(Echo);
  TestHttpsClientOptions o;
  o.port = server_->port();
  o.ca_pem = TestPems().cert_pem;
  TestHttpsClient client(o);
  auto res = client.Send("GET", "/", "", "");
  ASSERT_TRUE(res.ok()) << res.status().ToString();

  auto other = MakeSelfSignedCert("other", 1);
  ASSERT_TRUE(other.ok());
  o.ca_pem = other->cert_pem;
  TestHttpsClient untrusting(o);
  EXPECT_FALSE(untrusting.Connect().ok());
}

// This process holds both ends of every test connection (and each test client its own event
// loop descriptors): raise the soft open-file limit as far as allowed. Returns it.
int64_t RaiseOwnOpenFileLimit() {
  struct rlimit lim {};
  if (getrlimit(RLIMIT_NOFILE, &lim) != 0) return 0;
  if (lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    setrlimit(RLIMIT_NOFILE, &lim);
    getrlimit(RLIMIT_NOFILE, &lim);
  }
  return lim.rlim_cur == RLIM_INFINITY ? int64_t{1} << 30 : static_cast<int64_t>(lim.rlim_cur);
}

// Polls `done` for up to `ms`.
bool Eventually(const std::function<bool()>& done, int ms = 5000) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

TEST_F(HttpsServerTest, IdleConnectionsOverTheLimitDoNotStarveANewClient) {
  constexpr int kLimit = 300;
  constexpr int kIdle = 600;
  // About 4 descriptors per test client (socket, epoll, eventfd, timerfd) plus the server's.
  if (RaiseOwnOpenFileLimit() < 5 * kIdle + 200) GTEST_SKIP() << "open-file limit too low";
  HttpsServerOptions options = Options();
  options.max_connections = kLimit;
  StartServer(Echo, options);

  std::vector<std::unique_ptr<TestHttpsClient>> idle;
  for (int i = 0; i < kIdle; ++i) {
    idle.push_back(std::make_unique<TestHttpsClient>(server_->port()));
    ASSERT_TRUE(idle.back()->Connect().ok()) << "connection " << i;
  }
  TestHttpsClient fresh(server_->port());
  auto res = fresh.Send("GET", "/fresh", "", "");
  ASSERT_TRUE(res.ok()) << res.status().ToString();
  EXPECT_EQ(res->body, "GET /fresh  ");

  ConnectionStats stats = server_->connection_stats();
  EXPECT_LE(stats.open, kLimit);
  EXPECT_GE(stats.evicted_idle, kIdle + 1 - kLimit);
  EXPECT_EQ(stats.refused_at_limit, 0);
  // Oldest idle first: the first connections were closed, the latest ones still serve.
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(idle[i]->WaitForPeerClose()) << "connection " << i;
  for (int i = kIdle - 10; i < kIdle; ++i) {
    auto r = idle[i]->Send("GET", "/late", "", "");
    EXPECT_TRUE(r.ok()) << "connection " << i << ": " << r.status().ToString();
    EXPECT_EQ(idle[i]->connections_opened(), 1);
  }
}

TEST_F(HttpsServerTest, AtTheLimitWithNothingIdleANewConnectionIsClosedAtOnce) {
  ParkedResponders parked;
  HttpsServerOptions options = Options();
  options.threads = 1;
  options.max_connections = 2;
  StartServer(
      [&](HttpRequest r, Responder respond) { parked.Park(std::move(r), std::move(respond)); },
      options);
  TestHttpsClient a(server_->port());
  TestHttpsClient b(server_->port());
  auto pending_a = std::async(std::launch::async, [&] { return a.Send("GET", "/a", "", ""); });
  auto pending_b = std::async(std::launch::async, [&] { return b.Send("GET", "/b", "", ""); });
  parked.WaitFor(2);

  TestHttpsClient refused(server_->port());
  EXPECT_FALSE(refused.Connect().ok());
  EXPECT_EQ(server_->connection_stats().refused_at_limit, 1);
  EXPECT_EQ(server_->connection_stats().open, 2);

  // Answered, both connections are idle again, so the next one pushes the older out.
  for (size_t i = 0; i < 2; ++i) parked.Take(i).second(HttpResponse{});
  ASSERT_TRUE(pending_a.get().ok());
  ASSERT_TRUE(pending_b.get().ok());
  // The server marks a connection idle right after writing its reply; let it get there.
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  TestHttpsClient admitted(server_->port());
  EXPECT_TRUE(admitted.Connect().ok());
  EXPECT_EQ(server_->connection_stats().evicted_idle, 1);
  EXPECT_EQ(server_->connection_stats().refused_at_limit, 1);
}

TEST_F(HttpsServerTest, PerIpCapRefusesTheConnectionOverIt) {
  HttpsServerOptions options = Options();
  options.max_connections_per_ip = 3;
  StartServer(Echo, options);
  std::vector<std::unique_ptr<TestHttpsClient>> clients;
  for (int i = 0; i < 3; ++i) {
    clients.push_back(std::make_unique<TestHttpsClient>(server_->port()));
    ASSERT_TRUE(clients.back()->Send("GET", "/", "", "").ok()) << i;
  }
  TestHttpsClient fourth(server_->port());
  EXPECT_FALSE(fourth.Connect().ok());
  EXPECT_EQ(server_->connection_stats().refused_per_ip, 1);
  EXPECT_EQ(server_->connection_stats().evicted_idle, 0);  // the cap pushes no one out
  EXPECT_TRUE(clients[1]->Send("GET", "/", "", "").ok());

  // Once one of the three has gone, the address has room again.
  clients[0]->Close();
  EXPECT_TRUE(Eventually([&] {
    TestHttpsClient next(server_->port());
    return next.Send("GET", "/", "", "").ok();
  }));
}

TEST_F(HttpsServerTest, ConnectionWithoutARequestIsClosedAfterFirstRequestTimeout) {
  HttpsServerOptions options = Options();
  options.first_request_timeout_ms = 300;
  options.handshake_timeout_seconds = 10;
  options.idle_timeout_seconds = 60;
  StartServer(Echo, options);
  TestHttpsClientOptions copts;
  copts.port = server_->port();
  copts.timeout_ms = 5000;

  // Handshaken, then silent.
  TestHttpsClient silent(copts);
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(silent.Connect().ok());
  EXPECT_TRUE(silent.WaitForPeerClose());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));

  // No handshake at all: the 10 s handshake timeout is cut to what is left of the 300 ms.
  boost::asio::io_context ioc;
  boost::asio::ip::tcp::socket socket(ioc);
  const auto tcp_start = std::chrono::steady_clock::now();
  socket.connect({boost::asio::ip::make_address("127.0.0.1"), server_->port()});
  char byte;
  boost::system::error_code ec;
  boost::asio::read(socket, boost::asio::buffer(&byte, 1), ec);
  EXPECT_EQ(ec, boost::asio::error::eof);
  EXPECT_LT(std::chrono::steady_clock::now() - tcp_start, std::chrono::seconds(3));

  // After a first request the keep-alive timeout applies instead.
  TestHttpsClient served(copts);
  ASSERT_TRUE(served.Send("GET", "/1", "", "").ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(700));
  auto second = served.Send("GET", "/2", "", "");
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  EXPECT_EQ(served.connections_opened(), 1);
}

TEST_F(HttpsServerTest, BadLimitOptionsAreRefused) {
  FnHandler handler(Echo);
  HttpsServerOptions options = Options();
  options.first_request_timeout_ms = 0;
  auto no_timeout = HttpsServer::Start(options, handler);
  ASSERT_FALSE(no_timeout.ok());
  EXPECT_THAT(no_timeout.status().message(), HasSubstr("first_request_timeout_ms"));

  options = Options();
  options.max_connections = -1;
  auto negative = HttpsServer::Start(options, handler);
  ASSERT_FALSE(negative.ok());
  EXPECT_THAT(negative.status().message(), HasSubstr("max_connections"));
}

}  // namespace
}  // namespace kms::net
