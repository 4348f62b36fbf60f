// CouchDB-specific behaviour of secrets: tiny pages, and the states a crash can leave behind (a
// purge cut short, a version copy not yet written), reproduced by editing documents directly.

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "store/couch_doc.h"
#include "store/couch_http.h"
#include "store/couch_options.h"
#include "store/couch_store.h"
#include "store/couch_test_env.h"

namespace kms::store {
namespace {
namespace json = boost::json;

class CouchSecretTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto url = testing::TestCouchUrl();
    if (!url) {
      if (testing::CouchRequired()) FAIL() << "EHSM_REQUIRE_COUCHDB=1 but no EHSM_TEST_COUCHDB_URL";
      GTEST_SKIP() << "EHSM_TEST_COUCHDB_URL not set";
    }
    options_ = testing::TestOptions(*url, "secrets");
    options_.page_size = 2;  // every listing spans several pages
    auto store = CouchStore::Open(options_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    ASSERT_TRUE(NormalizeCouchOptions(options_).ok());
    auto http = CouchHttp::New(options_);
    ASSERT_TRUE(http.ok());
    http_ = std::move(http).value();
  }
  void TearDown() override {
    if (store_) {
      EXPECT_TRUE(store_->DropDatabase().ok());
    }
  }

  std::string DocPath(const std::string& id) {
    return "/" + UrlEncode(options_.database) + "/" + UrlEncode(id);
  }
  json::object Get(const std::string& id) {
    auto r = http_->Request("GET", DocPath(id));
    EXPECT_TRUE(r.ok() && r->status == 200) << id;
    return r.ok() ? json::parse(r->body).as_object() : json::object();
  }
  void Put(const std::string& id, const json::object& doc) {
    std::string body = json::serialize(doc);
    auto r = http_->Request("PUT", DocPath(id), &body);
    ASSERT_TRUE(r.ok() && (r->status == 201 || r->status == 202)) << id;
  }
  void Delete(const std::string& id) {
    json::object doc = Get(id);
    auto r =
        http_->Request("DELETE", DocPath(id) + "?rev=" + UrlEncode(doc.at("_rev").as_string()));
    ASSERT_TRUE(r.ok() && r->status == 200) << id;
  }
  int64_t CountDocs(const std::string& prefix) {
    auto r = http_->Request("GET", "/" + UrlEncode(options_.database) + "/_all_docs");
    int64_t n = 0;
    json::value all = json::parse(r->body);  // named: the loop must not outlive it
    for (const auto& row : all.at("rows").as_array()) {
      if (row.at("id").as_string().starts_with(prefix)) ++n;
    }
    return n;
  }

  void CreateWithVersions(const std::string& name, const std::string& uid, int versions) {
    SecretRecord s;
    s.appid = "app";
    s.name = name;
    s.uid = uid;
    SecretVersionRecord v;
    v.value_blob = ToBytes("v1");
    ASSERT_TRUE(store_->CreateSecret(s, v).ok());
    for (int i = 2; i <= versions; ++i) {
      v.version_id = i;
      v.value_blob = ToBytes("v" + std::to_string(i));
      ASSERT_TRUE(store_->AddSecretVersion("app", name, v).ok());
    }
  }

  CouchOptions options_;
  std::unique_ptr<CouchStore> store_;
  std::unique_ptr<CouchHttp> http_;
};

TEST_F(CouchSecretTest, EveryVersionAcrossTinyPagesIsListedAndPurged) {
  CreateWithVersions("s", "uid-1", 9);
  auto versions = store_->ListSecretVersions("app", "s");
  ASSERT_TRUE(versions.ok()) << versions.status().ToString();
  ASSERT_EQ(versions->size(), 9u);
  for (int i = 0; i < 9; ++i) EXPECT_EQ((*versions)[i].version_id, i + 1);
  EXPECT_EQ(CountDocs(couch::SecretVersionDocPrefix("uid-1")), 9);
  ASSERT_TRUE(*store_->DeleteSecret("app", "s"));
  EXPECT_EQ(CountDocs(couch::SecretVersionDocPrefix("uid-1")), 0);
  EXPECT_EQ(CountDocs(std::string(couch::kSecretPrefix)), 0);
}

TEST_F(CouchSecretTest, APurgeCutShortIsHiddenAndFinishedByTheSweeperOrTheNextCreate) {
  CreateWithVersions("a", "uid-a", 3);
  CreateWithVersions("b", "uid-b", 3);
  // A crash right after marking: the metadata says purging, every version is still there.
  for (const char* name : {"a", "b"}) {
    std::string id = couch::SecretDocId("app", name);
    json::object doc = Get(id);
    doc["purging"] = true;
    doc["plannedDeleteTime"] = 1;
    doc["deleteTime"] = 1;
    Put(id, doc);
  }
  EXPECT_EQ(store_->GetSecret("app", "a").status().code(), Code::kNotFound);
  EXPECT_EQ(store_->GetSecretVersion("app", "a", 1).status().code(), Code::kNotFound);
  EXPECT_EQ(store_->RestoreSecret("app", "a").code(), Code::kNotFound);
  EXPECT_TRUE(store_->ListSecrets("app")->empty());
  EXPECT_EQ(store_->ListSecretsDueForDeletion(1000, 10)->size(), 2u);

  // The sweeper's path.
  ASSERT_TRUE(*store_->DeleteSecretIfDue("app", "a", 1000));
  EXPECT_EQ(CountDocs(couch::SecretVersionDocPrefix("uid-a")), 0);
  // The create path: the name is free again, and the new secret starts empty.
  SecretRecord fresh;
  fresh.appid = "app";
  fresh.name = "b";
  fresh.uid = "uid-b2";
  SecretVersionRecord v;
  v.value_blob = ToBytes("new");
  ASSERT_TRUE(store_->CreateSecret(fresh, v).ok());
  EXPECT_EQ(CountDocs(couch::SecretVersionDocPrefix("uid-b")), 0);
  auto versions = store_->ListSecretVersions("app", "b");
  ASSERT_TRUE(versions.ok());
  ASSERT_EQ(versions->size(), 1u);
  EXPECT_EQ((*versions)[0].value_blob, ToBytes("new"));
}

TEST_F(CouchSecretTest, AMissingCopyOfTheCurrentVersionLosesNothing) {
  CreateWithVersions("s", "uid-1", 2);
  // A crash between the metadata write and the copy of version 2.
  Delete(couch::SecretVersionDocId("uid-1", 2));
  auto current = store_->GetSecretVersion("app", "s", 0);
  ASSERT_TRUE(current.ok()) << current.status().ToString();
  EXPECT_EQ(current->version_id, 2);
  EXPECT_EQ(current->value_blob, ToBytes("v2"));
  EXPECT_EQ(store_->ListSecretVersions("app", "s")->size(), 2u);
  // The next version writes the missing copy before replacing the inline value.
  SecretVersionRecord v3;
  v3.version_id = 3;
  v3.value_blob = ToBytes("v3");
  ASSERT_TRUE(store_->AddSecretVersion("app", "s", v3).ok());
  auto two = store_->GetSecretVersion("app", "s", 2);
  ASSERT_TRUE(two.ok()) << two.status().ToString();
  EXPECT_EQ(two->value_blob, ToBytes("v2"));
  EXPECT_FALSE(two->current);
}

}  // namespace
}  // namespace kms::store
