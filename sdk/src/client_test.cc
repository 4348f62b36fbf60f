#include "kms/client.h"

#include <gtest/gtest.h>

#include <deque>

#include <boost/json.hpp>

#include "kms/encoding.h"
#include "kms/signing.h"

namespace kms::client {
namespace {
namespace json = boost::json;

// Replays canned answers and records what was sent.
class FakeTransport final : public Transport {
 public:
  struct Shared {
    std::deque<Result<HttpResponse>> replies;
    std::vector<HttpRequest> sent;
  };
  explicit FakeTransport(Shared& s) : s_(s) {}
  Result<HttpResponse> Send(const HttpRequest& request) override {
    s_.sent.push_back(request);
    if (s_.replies.empty()) return Error::Transport(7, "no canned reply left");
    auto r = std::move(s_.replies.front());
    s_.replies.pop_front();
    return r;
  }

 private:
  Shared& s_;
};

HttpResponse Reply(std::string body, long status = 200) { return {status, std::move(body)}; }

class ClientTest : public ::testing::Test {
 protected:
  std::unique_ptr<Client> MakeClient(int max_retries = 2) {
    Options o;
    o.url = "https://127.0.0.1:9000/";
    o.appid = "7a3c2b1e-0f4d-4e8a-9b6c-5d2e1f0a3b4c";
    o.apikey = "Nb3kqhJ4sTcv7WmE9xPzQ2fRyL8aUdG6";
    o.clock = &clock_;
    o.max_retries = max_retries;
    o.retry_backoff = std::chrono::milliseconds(1);
    auto c = Client::New(std::move(o), std::make_unique<FakeTransport>(shared_));
    EXPECT_TRUE(c.ok()) << c.error().ToString();
    return std::move(c).value();
  }
  json::object SentBody(size_t i) { return json::parse(shared_.sent.at(i).body).as_object(); }

  FakeClock clock_{1700000000000};
  FakeTransport::Shared shared_;
};

TEST_F(ClientTest, SendsASignedPostToTheActionUrl) {
  shared_.replies.push_back(Reply(R"({"code":200,"message":"success!","result":{"keyid":"k-1"}})"));
  auto c = MakeClient();
  auto keyid = c->CreateKey("EH_AES_GCM_256", "EH_INTERNAL_KEY", "EH_KEYUSAGE_ENCRYPT_DECRYPT");
  ASSERT_TRUE(keyid.ok()) << keyid.error().ToString();
  EXPECT_EQ(*keyid, "k-1");
  EXPECT_EQ(c->last_message(), "success!");
  ASSERT_EQ(shared_.sent.size(), 1u);
  EXPECT_TRUE(shared_.sent[0].post);
  EXPECT_EQ(shared_.sent[0].url, "https://127.0.0.1:9000/ehsm?Action=CreateKey");
  json::object body = SentBody(0);
  EXPECT_EQ(body["appid"].as_string(), "7a3c2b1e-0f4d-4e8a-9b6c-5d2e1f0a3b4c");
  EXPECT_EQ(body["timestamp"].as_string(), "1700000000000");
  EXPECT_EQ(body["payload"].as_object()["keyspec"].as_string(), "EH_AES_GCM_256");
  ASSERT_TRUE(body.contains("nonce"));
  EXPECT_LE(body["nonce"].as_string().size(), 64u);
  // The signature verifies the way the server checks it.
  json::object signed_fields;
  for (const char* k : {"appid", "nonce", "payload", "timestamp"}) signed_fields[k] = body[k];
  EXPECT_EQ(body["sign"].as_string(),
            SignCanonical("Nb3kqhJ4sTcv7WmE9xPzQ2fRyL8aUdG6", Canonicalize(signed_fields)));
}

TEST_F(ClientTest, ServerErrorCarriesCodeAndMessage) {
  shared_.replies.push_back(Reply(R"({"code":400,"message":"keyid error","result":{}})"));
  auto c = MakeClient();
  auto r = c->Encrypt("nope", AsBytes("hi"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), ErrorKind::kServer);
  EXPECT_EQ(r.error().code(), 400);
  EXPECT_EQ(r.error().message(), "keyid error");
  EXPECT_EQ(r.error().ToString(), "server 400: keyid error");
}

TEST_F(ClientTest, CoreErrorWithNullResult) {
  shared_.replies.push_back(Reply(R"({"code":500,"message":"Server exception.","result":null})"));
  auto c = MakeClient();
  auto r = c->Sign({.keyid = "k", .message = ToBytes("m")});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), ErrorKind::kServer);
  EXPECT_EQ(r.error().code(), 500);
  EXPECT_EQ(r.error().message(), "Server exception.");
}

TEST_F(ClientTest, UnknownAppidReplyWithoutMessage) {
  shared_.replies.push_back(Reply(R"({"code":400,"result":{}})"));
  auto c = MakeClient();
  auto r = c->ListKey();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code(), 400);
  EXPECT_EQ(r.error().message(), "");
  EXPECT_NE(r.error().ToString().find("unknown appid"), std::string::npos);
}

TEST_F(ClientTest, HttpStatusOtherThan200IsAnHttpError) {
  shared_.replies.push_back(Reply("<html>Payload Too Large</html>", 413));
  auto c = MakeClient();
  auto r = c->Encrypt("k", AsBytes("x"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), ErrorKind::kHttp);
  EXPECT_EQ(r.error().code(), 413);
}

TEST_F(ClientTest, MalformedRepliesAreProtocolErrors) {
  for (const char* body : {"not json", "[]", R"({"message":"x"})", R"({"code":"200"})",
                           R"({"code":200,"message":"ok","result":{}})"}) {
    shared_.replies.push_back(Reply(body));
    auto c = MakeClient();
    auto r = c->Encrypt("k", AsBytes("x"));  // the last one lacks `ciphertext`
    ASSERT_FALSE(r.ok()) << body;
    EXPECT_EQ(r.error().kind(), ErrorKind::kProtocol) << body;
  }
}

TEST_F(ClientTest, SafeActionsRetryTransportErrorsWithFreshSignatures) {
  shared_.replies.push_back(Error::Transport(7, "connection refused"));
  clock_.Advance(0);
  shared_.replies.push_back(Error::Transport(28, "timeout"));
  shared_.replies.push_back(Reply(
      R"({"code":200,"message":"success!","result":{"plaintext":"aGVsbG8="}})"));
  auto c = MakeClient(2);
  auto r = c->Decrypt("k", ToBytes("ciphertext"));
  ASSERT_TRUE(r.ok()) << r.error().ToString();
  EXPECT_EQ(Bytes(r->view().begin(), r->view().end()), ToBytes("hello"));
  ASSERT_EQ(shared_.sent.size(), 3u);
  EXPECT_NE(SentBody(0)["nonce"], SentBody(1)["nonce"]);
  EXPECT_NE(SentBody(0)["sign"], SentBody(1)["sign"]);
}

TEST_F(ClientTest, RetriesStopAfterTheLimit) {
  for (int i = 0; i < 5; ++i) shared_.replies.push_back(Error::Transport(7, "refused"));
  auto c = MakeClient(1);
  auto r = c->ListKey();
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.error().is_transport());
  EXPECT_EQ(r.error().code(), 7);
  EXPECT_EQ(shared_.sent.size(), 2u);
}

TEST_F(ClientTest, UnsafeActionsAreNotRetried) {
  shared_.replies.push_back(Error::Transport(28, "timeout"));
  shared_.replies.push_back(Reply(R"({"code":200,"message":"success!","result":{"keyid":"k"}})"));
  auto c = MakeClient(3);
  auto r = c->CreateKey("EH_AES_GCM_256", "EH_INTERNAL_KEY", "");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(shared_.sent.size(), 1u);
  // Enroll is not retried either: a repeat would create a second tenant.
  shared_.replies.clear();
  shared_.sent.clear();
  shared_.replies.push_back(Error::Transport(28, "timeout"));
  EXPECT_FALSE(c->Enroll().ok());
  EXPECT_EQ(shared_.sent.size(), 1u);
}

TEST_F(ClientTest, ServerErrorsAreNotRetried) {
  shared_.replies.push_back(Reply(R"({"code":400,"message":"Timestamp error","result":{}})"));
  shared_.replies.push_back(Reply(R"({"code":200,"message":"successful","result":{"list":[]}})"));
  auto c = MakeClient(3);
  EXPECT_FALSE(c->ListKey().ok());
  EXPECT_EQ(shared_.sent.size(), 1u);
}

TEST_F(ClientTest, GetVersionAndEnrollAreUnsignedGets) {
  shared_.replies.push_back(Reply(
      R"({"code":200,"message":"success!","result":{"git_sha":"abc1234","version":"0.3.2"}})"));
  shared_.replies.push_back(Reply(
      R"({"code":200,"message":"successful","result":{"apikey":"K","appid":"A"}})"));
  Options o;
  o.url = "https://localhost:9000";
  auto c = Client::New(std::move(o), std::make_unique<FakeTransport>(shared_));
  ASSERT_TRUE(c.ok());
  auto v = (*c)->GetVersion();
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->version, "0.3.2");
  EXPECT_EQ(v->git_sha, "abc1234");
  auto e = (*c)->Enroll();
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->appid, "A");
  EXPECT_EQ(e->apikey, "K");
  ASSERT_EQ(shared_.sent.size(), 2u);
  EXPECT_FALSE(shared_.sent[0].post);
  EXPECT_EQ(shared_.sent[0].url, "https://localhost:9000/ehsm?Action=GetVersion");
  EXPECT_TRUE(shared_.sent[0].body.empty());
  EXPECT_EQ(shared_.sent[1].url, "https://localhost:9000/ehsm?Action=Enroll");
}

TEST_F(ClientTest, SignedActionsNeedCredentials) {
  Options o;
  o.url = "https://localhost:9000";
  auto c = Client::New(std::move(o), std::make_unique<FakeTransport>(shared_));
  ASSERT_TRUE(c.ok());
  auto r = (*c)->ListKey();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), ErrorKind::kInvalidArgument);
  EXPECT_TRUE(shared_.sent.empty());
}

TEST_F(ClientTest, TypedResultsDecode) {
  shared_.replies.push_back(Reply(R"({"code":200,"message":"successful","result":{"list":[
      {"keyid":"k1","creationDate":1700000000000,"expireTime":1731536000000,"alias":"",
       "keyspec":"EH_RSA_2048","keyState":0}]}})"));
  shared_.replies.push_back(Reply(R"({"code":200,"message":"success!","result":{
      "plaintext":"AAECAw==","ciphertext":"BAUG"}})"));
  shared_.replies.push_back(Reply(R"({"code":200,"message":"success!","result":{"result":false}})"));
  shared_.replies.push_back(Reply(R"({"code":200,"message":"successful","result":{
      "secretName":"s","secretData":"v2","versionId":2,"createTime":5}})"));
  shared_.replies.push_back(Reply(R"({"code":200,"message":"Describe secrets success.",
      "result":{}})"));
  auto c = MakeClient();
  auto keys = c->ListKey();
  ASSERT_TRUE(keys.ok()) << keys.error().ToString();
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ((*keys)[0].keyid, "k1");
  EXPECT_EQ((*keys)[0].keyspec, "EH_RSA_2048");
  EXPECT_EQ((*keys)[0].key_state, 0);
  EXPECT_EQ((*keys)[0].expire_time, 1731536000000);
  auto dk = c->GenerateDataKey("k", 4);
  ASSERT_TRUE(dk.ok());
  EXPECT_EQ(Bytes(dk->plaintext.view().begin(), dk->plaintext.view().end()),
            (Bytes{0, 1, 2, 3}));
  EXPECT_EQ(dk->ciphertext, (Bytes{4, 5, 6}));
  auto ok = c->Verify({.keyid = "k", .message = ToBytes("m")}, ToBytes("sig"));
  ASSERT_TRUE(ok.ok());
  EXPECT_FALSE(*ok);
  auto secret = c->GetSecretValue("s");
  ASSERT_TRUE(secret.ok());
  EXPECT_TRUE(secret->found);
  EXPECT_EQ(AsChars(secret->secret_data.view()), "v2");
  EXPECT_EQ(secret->version_id, 2);
  auto d = c->DescribeSecret("missing");
  ASSERT_TRUE(d.ok());
  EXPECT_FALSE(d->found);
  // Field names of the wire contract.
  json::object verify = SentBody(2);
  EXPECT_EQ(verify["payload"].as_object()["signature"].as_string(), Base64Encode(AsBytes("sig")));
  EXPECT_EQ(verify["payload"].as_object()["message"].as_string(), Base64Encode(AsBytes("m")));
  EXPECT_EQ(verify["payload"].as_object()["digest_mode"].as_string(), "EH_SHA_256");
}

TEST_F(ClientTest, ExportDataKeyUsesTheFieldNameTheServerReads) {
  shared_.replies.push_back(Reply(
      R"({"code":200,"message":"success!","result":{"newdatakey":"AQI="}})"));
  auto c = MakeClient();
  auto r = c->ExportDataKey("k", "u", ToBytes("wrapped"));
  ASSERT_TRUE(r.ok());
  auto p = SentBody(0)["payload"].as_object();
  EXPECT_TRUE(p.contains("olddatakey_base"));
  EXPECT_FALSE(p.contains("olddatakey"));
}

TEST(EndpointFromUrl, NormalisesBaseUrls) {
  EXPECT_EQ(*EndpointFromUrl("https://h:1"), "https://h:1/ehsm");
  EXPECT_EQ(*EndpointFromUrl("https://h:1/"), "https://h:1/ehsm");
  EXPECT_EQ(*EndpointFromUrl("https://h:1/ehsm/"), "https://h:1/ehsm");
  EXPECT_FALSE(EndpointFromUrl("h:1").ok());
  EXPECT_FALSE(EndpointFromUrl("ftp://h").ok());
  EXPECT_FALSE(EndpointFromUrl("https://").ok());
}

TEST(CurlTransport, ConnectionRefusedIsATransportError) {
  // Port 1 on loopback: nothing listens there in a test environment.
  Options o;
  o.url = "https://127.0.0.1:1";
  o.max_retries = 0;
  o.timeouts.connect = std::chrono::milliseconds(2000);
  auto c = Client::New(std::move(o));
  ASSERT_TRUE(c.ok()) << c.error().ToString();
  auto r = (*c)->GetVersion();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().kind(), ErrorKind::kTransport);
}

}  // namespace
}  // namespace kms::client
