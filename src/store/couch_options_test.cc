#include "store/couch_options.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>

#include "store/couch_http.h"
#include "store/couch_store.h"
#include "store/couch_test_env.h"

namespace kms::store {
namespace {

GetEnvFn FakeEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  };
}

TEST(CouchOptionsFromEnv, UpstreamVariables) {
  auto o = CouchOptionsFromEnv(FakeEnv({{"EHSM_CONFIG_COUCHDB_SERVER", "couchdb"},
                                        {"EHSM_CONFIG_COUCHDB_PORT", "5985"},
                                        {"EHSM_CONFIG_COUCHDB_USERNAME", "admin"},
                                        {"EHSM_CONFIG_COUCHDB_PASSWORD", "s3cret"},
                                        {"EHSM_CONFIG_COUCHDB_DB", "kms"}}));
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->url, "http://couchdb:5985");
  EXPECT_EQ(o->username, "admin");
  EXPECT_EQ(o->password, "s3cret");
  EXPECT_EQ(o->database, "kms");
}

TEST(CouchOptionsFromEnv, Defaults) {
  auto o = CouchOptionsFromEnv(FakeEnv({{"EHSM_CONFIG_COUCHDB_SERVER", "10.0.0.5"}}));
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->url, "http://10.0.0.5:5984");
  EXPECT_EQ(o->database, "ehsm_kms_db");
  EXPECT_EQ(o->username, "");
}

TEST(CouchOptionsFromEnv, ServerMayBeAnHttpsUrl) {
  auto o = CouchOptionsFromEnv(FakeEnv({{"EHSM_CONFIG_COUCHDB_SERVER", "https://db.example"},
                                        {"EHSM_CONFIG_COUCHDB_PORT", "6984"}}));
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->url, "https://db.example:6984");
  o = CouchOptionsFromEnv(FakeEnv({{"EHSM_CONFIG_COUCHDB_SERVER", "https://db.example:7000/"}}));
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->url, "https://db.example:7000");
}

TEST(CouchOptionsFromEnv, RejectsMissingServerAndBadPort) {
  EXPECT_EQ(CouchOptionsFromEnv(FakeEnv({})).status().code(), Code::kInvalidArgument);
  for (const char* port : {"0", "65536", "59x", "-1", "123456"}) {
    EXPECT_EQ(CouchOptionsFromEnv(FakeEnv({{"EHSM_CONFIG_COUCHDB_SERVER", "h"},
                                           {"EHSM_CONFIG_COUCHDB_PORT", port}}))
                  .status()
                  .code(),
              Code::kInvalidArgument)
        << port;
  }
}

TEST(CouchOptions, CredentialsInUrlMoveToOptions) {
  CouchOptions o;
  o.url = "http://ad%40min:p%3Ass@127.0.0.1:5984/";
  ASSERT_TRUE(NormalizeCouchOptions(o).ok());
  EXPECT_EQ(o.url, "http://127.0.0.1:5984");
  EXPECT_EQ(o.username, "ad@min");
  EXPECT_EQ(o.password, "p:ss");
}

TEST(CouchOptions, RejectsOtherSchemes) {
  for (const char* url : {"ftp://h", "127.0.0.1:5984", "http://", "http:///db", ""}) {
    CouchOptions o;
    o.url = url;
    EXPECT_EQ(NormalizeCouchOptions(o).code(), Code::kInvalidArgument) << url;
  }
}

TEST(CouchOptions, RedactUrlDropsUserInfo) {
  EXPECT_EQ(RedactUrl("https://u:secret@host:6984/x"), "https://host:6984/x");
  EXPECT_EQ(RedactUrl("http://host:5984"), "http://host:5984");
  EXPECT_EQ(RedactUrl("garbage secret"), "<invalid url>");
}

TEST(CouchHttp, UrlEncodeKeepsOnlyUnreserved) {
  EXPECT_EQ(UrlEncode("cmk:a-b_c.d~e"), "cmk%3Aa-b_c.d~e");
  EXPECT_EQ(UrlEncode("a/b c\"\xEF\xBF\xB0"), "a%2Fb%20c%22%EF%BF%B0");
}

// Needs no server: nothing listens on the port.
TEST(CouchStoreOpen, UnreachableServerIsUnavailableAndHidesPassword) {
  int port = testing::PickFreePort();
  ASSERT_GT(port, 0);
  CouchOptions o;
  o.url = "http://admin:topsecret@127.0.0.1:" + std::to_string(port);
  o.connect_timeout = std::chrono::milliseconds(500);
  o.request_timeout = std::chrono::milliseconds(1000);
  auto store = CouchStore::Open(o);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), Code::kUnavailable);
  EXPECT_NE(store.status().message().find("127.0.0.1:" + std::to_string(port)), std::string::npos);
  EXPECT_EQ(store.status().message().find("topsecret"), std::string::npos);
}

}  // namespace
}  // namespace kms::store
