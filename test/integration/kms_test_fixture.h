#pragma once
// Fixture: a fresh data directory and a running ehsm-kms per test.
//
// The store under test comes from the environment: EHSM_IT_STORE=couchdb runs every test on a
// fresh CouchDB database of the server in EHSM_TEST_COUCHDB_URL (the test is skipped when that
// is unset, and fails instead when EHSM_REQUIRE_COUCHDB=1); anything else runs on SQLite in
// the data directory. Fixtures that extend SetUp return early when IsSkipped(); tests that
// start ehsm-kms themselves pass store_args() so that it uses the same store.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include "ehsm_client.h"
#include "kms_process.h"
#include "store/couch_store.h"
#include "store/couch_test_env.h"

namespace kms::testing {

// "couchdb" or "sqlite".
inline std::string StoreUnderTest() {
  const char* s = std::getenv("EHSM_IT_STORE");
  return s != nullptr && std::string(s) == "couchdb" ? "couchdb" : "sqlite";
}

// `extra` followed by the flags that give ehsm-kms this sim identity and let VerifyQuote (and
// the gated release) accept its sim quotes.
inline std::vector<std::string> WithSimAttestation(std::vector<std::string> extra,
                                                   const std::string& mrenclave,
                                                   const std::string& mrsigner) {
  for (const std::string& a :
       {std::string("--sim-mrenclave"), mrenclave, std::string("--sim-mrsigner"), mrsigner,
        std::string("--allow-simulation")}) {
    extra.push_back(a);
  }
  return extra;
}

class KmsFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string test = ::testing::UnitTest::GetInstance()->current_test_info()->name();
    dir_ = std::filesystem::temp_directory_path() /
           ("kms_it_" + std::to_string(getpid()) + "_" + test);
    std::filesystem::remove_all(dir_);
    if (StoreUnderTest() == "couchdb") {
      auto url = store::testing::TestCouchUrl();
      if (!url) {
        if (store::testing::CouchRequired()) {
          FAIL() << "EHSM_IT_STORE=couchdb and EHSM_REQUIRE_COUCHDB=1 but EHSM_TEST_COUCHDB_URL "
                    "is not set";
        }
        GTEST_SKIP() << "EHSM_IT_STORE=couchdb but EHSM_TEST_COUCHDB_URL is not set";
      }
      // CouchDB database names are lower case.
      std::string db = "it_" + std::to_string(getpid()) + "_";
      for (char c : test) db.push_back(std::isalnum(static_cast<unsigned char>(c))
                                           ? static_cast<char>(std::tolower(c))
                                           : '_');
      couch_url_ = *url;
      couch_db_ = db;
      store_args_ = {"--store", "couchdb", "--couchdb-url", couch_url_, "--couchdb-db", db};
    }
    StartServer();
  }
  void TearDown() override {
    client_.reset();
    kms_.reset();
    std::filesystem::remove_all(dir_);
    if (!couch_db_.empty()) {
      store::CouchOptions o;
      o.url = couch_url_;
      o.database = couch_db_;
      if (auto s = store::CouchStore::Open(o); s.ok()) (void)(*s)->DropDatabase();
    }
  }

  // The flags that select the store under test (empty for SQLite).
  const std::vector<std::string>& store_args() const { return store_args_; }

  void StartServer(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = store_args_;
    for (auto& a : extra_args_or(extra)) args.push_back(std::move(a));
    kms_ = std::make_unique<KmsProcess>(data_dir(), args);
    ASSERT_NE(kms_->port(), 0) << kms_->output();
    client_ = std::make_unique<EhsmClient>(kms_->port());
  }
  void RestartServer() {
    Credentials saved = client_->credentials();
    client_.reset();
    ASSERT_EQ(kms_->Stop(), 0) << kms_->output();
    StartServer();
    client_->credentials() = saved;
  }
  virtual std::vector<std::string> extra_args_or(std::vector<std::string> extra) { return extra; }

  std::string data_dir() const { return (dir_ / "data").string(); }

  // Creates a key and returns its keyid ("" on failure, with the test failed).
  std::string CreateKey(const std::string& keyspec, const std::string& origin = "EH_INTERNAL_KEY",
                        const std::string& usage = "") {
    boost::json::object p{{"keyspec", keyspec}, {"origin", origin}};
    if (!usage.empty()) p["keyusage"] = usage;
    auto r = client_->Call("CreateKey", p);
    EXPECT_EQ(CodeOf(r), 200) << MessageOf(r);
    return ResultString(r, "keyid");
  }

  std::filesystem::path dir_;
  std::string couch_url_;  // set when the store under test is CouchDB
  std::string couch_db_;
  std::vector<std::string> store_args_;
  std::unique_ptr<KmsProcess> kms_;
  std::unique_ptr<EhsmClient> client_;
};

}  // namespace kms::testing
