#include "server/store_factory.h"

#include <gtest/gtest.h>

namespace kms::server {
namespace {

TEST(RetryWhileUnavailable, RetriesOnlyUnavailableUntilItPasses) {
  int calls = 0;
  Status s = RetryWhileUnavailable("open store", 60000, [&] {
    return ++calls < 3 ? Status::Unavailable("down") : Status::Ok();
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(calls, 3);

  calls = 0;
  s = RetryWhileUnavailable("open store", 60000, [&] {
    ++calls;
    return Status::Internal("wrong credentials");
  });
  EXPECT_EQ(s.code(), Code::kInternal);
  EXPECT_EQ(calls, 1);
}

TEST(RetryWhileUnavailable, GivesUpAfterTheTimeoutSayingWhy) {
  int calls = 0;
  Status s = RetryWhileUnavailable("open store", 0, [&] {
    ++calls;
    return Status::Unavailable("couchdb at http://h:1 unreachable");
  });
  EXPECT_EQ(s.code(), Code::kUnavailable);
  EXPECT_EQ(calls, 1);
  EXPECT_NE(s.message().find("open store"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("store_connect_timeout_ms=0"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("unreachable"), std::string::npos) << s.message();

  calls = 0;
  s = RetryWhileUnavailable("open store", 300, [&] {
    ++calls;
    return Status::Unavailable("down");
  });
  EXPECT_EQ(s.code(), Code::kUnavailable);
  EXPECT_GE(calls, 2);  // first attempt, then at least one after the 250 ms backoff
}

TEST(CouchOptionsFromConfig, CarriesEverySetting) {
  KmsConfig c;
  c.couchdb_url = "https://couch:6984";
  c.couchdb_user = "u";
  c.couchdb_password = "p";
  c.couchdb_db = "d";
  c.couchdb_ca_file = "/ca.pem";
  c.couchdb_timeout_ms = 1500;
  store::CouchOptions o = CouchOptionsFromConfig(c);
  EXPECT_EQ(o.url, c.couchdb_url);
  EXPECT_EQ(o.username, "u");
  EXPECT_EQ(o.password, "p");
  EXPECT_EQ(o.database, "d");
  EXPECT_EQ(o.ca_file, "/ca.pem");
  EXPECT_EQ(o.request_timeout.count(), 1500);
  EXPECT_EQ(o.connect_timeout.count(), 1500);  // never longer than a whole request
}

TEST(OpenStore, UnreachableCouchDbIsUnavailable) {
  KmsConfig c;
  c.store = "couchdb";
  c.couchdb_url = "http://127.0.0.1:1";  // nothing listens on port 1
  auto s = OpenStore(c);
  EXPECT_EQ(s.status().code(), Code::kUnavailable) << s.status().ToString();
}

}  // namespace
}  // namespace kms::server
