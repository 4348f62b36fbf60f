// The CollateralStore contract, run against both backends (SQLite on a real file, CouchDB on
// the test server of scripts/with-couchdb.sh): what goes in comes back byte for byte, the
// ordering rule (newer replaces, older and equal do not), all-or-nothing batches, reopening,
// Version across store objects, and two writers racing. Then what is particular to each:
// SQLite's schema version and write lock, CouchDB's document bound and format.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <thread>

#include "crypto/test_util.h"
#include "pccs/couch_collateral_store.h"
#include "pccs/sqlite_collateral_store.h"
#include "store/couch_test_env.h"

namespace kms::pccs {
namespace {

CollateralItem Tcb(std::string key, int64_t issued, std::string body) {
  CollateralItem i;
  i.kind = ItemKind::kTcbInfo;
  i.key = std::move(key);
  i.issuer_chain = "-----BEGIN CERTIFICATE-----\n...";
  i.body = std::move(body);
  i.signature = Bytes(64, 0xab);
  i.issue_date = issued;
  i.next_update = issued + 30 * 86400;
  i.source = "test";
  return i;
}

std::string BackendName(const ::testing::TestParamInfo<std::string>& p) { return p.param; }

// One backend's storage (a file, a database) and store objects opened on it.
class CollateralStoreTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() != "couchdb") return;
    auto url = store::testing::TestCouchUrl();
    if (!url) {
      if (store::testing::CouchRequired()) FAIL() << "EHSM_REQUIRE_COUCHDB=1 but no server";
      GTEST_SKIP() << "EHSM_TEST_COUCHDB_URL not set";
    }
    couch_ = store::testing::TestOptions(*url, "pccs");
  }

  // A new store object on this test's storage, as another process would open it.
  std::unique_ptr<CollateralStore> Open() {
    StatusOr<std::unique_ptr<CollateralStore>> s = Status::Internal("no backend");
    if (GetParam() == "sqlite") {
      auto opened = SqliteCollateralStore::Open(tmp_.path("pccs.db"));
      if (opened.ok()) s = std::unique_ptr<CollateralStore>(std::move(opened).value());
      else s = opened.status();
    } else {
      auto opened = CouchCollateralStore::Open(couch_);
      if (opened.ok()) s = std::unique_ptr<CollateralStore>(std::move(opened).value());
      else s = opened.status();
    }
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s).value() : nullptr;
  }

  crypto::testing::TempDir tmp_;
  store::CouchOptions couch_;
};

TEST_P(CollateralStoreTest, KeepsEveryByteAndSurvivesReopening) {
  std::string body("{\"id\":\"SGX\",\0\xff}", 16);  // NUL and high bytes survive
  CollateralItem crl;
  crl.kind = ItemKind::kRootCaCrl;
  crl.key = "root";
  crl.body = std::string("\x30\x82\x01\x00", 4);
  crl.issue_date = 10;
  crl.next_update = 20;
  {
    auto store = Open();
    std::vector<CollateralItem> items = {Tcb("sgx-00a067110000", 100, body), crl};
    auto put = store->PutAll(items);
    ASSERT_TRUE(put.ok()) << put.status().ToString();
    EXPECT_EQ(*put, (std::vector<PutOutcome>{PutOutcome::kStored, PutOutcome::kStored}));
  }
  auto held = Open()->List();
  ASSERT_TRUE(held.ok());
  ASSERT_EQ(held->size(), 2u);
  const CollateralItem& root = (*held)[0];  // ordered by kind name: root_ca_crl < tcb_info
  EXPECT_EQ(root.kind, ItemKind::kRootCaCrl);
  EXPECT_EQ(root.body, crl.body);
  EXPECT_TRUE(root.signature.empty());
  const CollateralItem& tcb = (*held)[1];
  EXPECT_EQ(tcb.key, "sgx-00a067110000");
  EXPECT_EQ(tcb.body, body);
  EXPECT_EQ(tcb.issuer_chain, "-----BEGIN CERTIFICATE-----\n...");
  EXPECT_EQ(tcb.signature, Bytes(64, 0xab));
  EXPECT_EQ(tcb.issue_date, 100);
  EXPECT_EQ(tcb.next_update, 100 + 30 * 86400);
  EXPECT_EQ(tcb.source, "test");
}

TEST_P(CollateralStoreTest, OnlyALaterIssueReplaces) {
  auto store = Open();
  std::vector<CollateralItem> first = {Tcb("k", 200, "v200")};
  ASSERT_TRUE(store->PutAll(first).ok());
  std::vector<CollateralItem> older = {Tcb("k", 100, "v100")}, same = {Tcb("k", 200, "v200")},
                              rival = {Tcb("k", 200, "other")}, newer = {Tcb("k", 300, "v300")};
  EXPECT_EQ(*store->PutAll(older), std::vector<PutOutcome>{PutOutcome::kKeptHeld});
  EXPECT_EQ(*store->PutAll(same), std::vector<PutOutcome>{PutOutcome::kUnchanged});
  EXPECT_EQ(*store->PutAll(rival), std::vector<PutOutcome>{PutOutcome::kKeptHeld});
  EXPECT_EQ((*store->List())[0].body, "v200");
  EXPECT_EQ(*store->PutAll(newer), std::vector<PutOutcome>{PutOutcome::kReplaced});
  EXPECT_EQ((*store->List())[0].body, "v300");
  // Within one batch, the later-issued wins whatever the order.
  std::vector<CollateralItem> batch = {Tcb("j", 500, "new"), Tcb("j", 400, "old")};
  EXPECT_EQ(*store->PutAll(batch),
            (std::vector<PutOutcome>{PutOutcome::kStored, PutOutcome::kKeptHeld}));
  EXPECT_EQ((*store->List())[0].body, "new");
}

TEST_P(CollateralStoreTest, VersionChangesWhenAnotherObjectWrites) {
  auto reader = Open();
  auto writer = Open();
  auto v0 = reader->Version();
  ASSERT_TRUE(v0.ok()) << v0.status().ToString();
  EXPECT_EQ(*reader->Version(), *v0);  // reading changes nothing
  std::vector<CollateralItem> items = {Tcb("a", 1, "x")};
  ASSERT_TRUE(writer->PutAll(items).ok());
  auto v1 = reader->Version();
  ASSERT_TRUE(v1.ok());
  EXPECT_NE(*v1, *v0);
  EXPECT_EQ(reader->List()->size(), 1u);
  std::vector<CollateralItem> newer = {Tcb("a", 2, "y")};
  ASSERT_TRUE(writer->PutAll(newer).ok());
  EXPECT_NE(*reader->Version(), *v1);
}

// Two store objects (as two processes) put interleaved batches of their own items and of one
// shared key with rising issue dates: every item of both is kept, and the shared key holds the
// latest issue either wrote.
TEST_P(CollateralStoreTest, TwoWritersRacingLoseNothingAndKeepTheOrderingRule) {
  constexpr int kRounds = 15;
  // Opened one after the other: the race is between writes, not between creating the storage.
  std::unique_ptr<CollateralStore> stores[] = {Open(), Open()};
  ASSERT_NE(stores[0], nullptr);
  ASSERT_NE(stores[1], nullptr);
  auto run = [&](const std::string& who, int parity) {
    for (int i = 0; i < kRounds; ++i) {
      const int64_t issue = 2 * i + parity;  // the writers' issues interleave
      std::vector<CollateralItem> batch = {Tcb(who + std::to_string(i), 1, who),
                                           Tcb("shared", issue, who + std::to_string(issue))};
      auto put = stores[parity]->PutAll(batch);
      ASSERT_TRUE(put.ok()) << put.status().ToString();
      EXPECT_EQ((*put)[0], PutOutcome::kStored);
    }
  };
  std::thread a([&] { run("a", 0); });
  std::thread b([&] { run("b", 1); });
  a.join();
  b.join();
  auto held = Open()->List();
  ASSERT_TRUE(held.ok());
  ASSERT_EQ(held->size(), 2u * kRounds + 1);
  for (const CollateralItem& i : *held) {
    if (i.key != "shared") continue;
    EXPECT_EQ(i.issue_date, 2 * kRounds - 1);  // b's last: the latest issue of all
    EXPECT_EQ(i.body, "b" + std::to_string(2 * kRounds - 1));
  }
}

INSTANTIATE_TEST_SUITE_P(Backends, CollateralStoreTest, ::testing::Values("sqlite", "couchdb"),
                         BackendName);

TEST(SqliteCollateralStore, AFailedBatchLeavesNothingBehind) {
  crypto::testing::TempDir tmp;
  auto store = SqliteCollateralStore::Open(tmp.path("pccs.db"));
  ASSERT_TRUE(store.ok());
  {
    // Another connection holds the write lock, so the batch cannot commit.
    sqlite3* other = nullptr;
    ASSERT_EQ(sqlite3_open(tmp.path("pccs.db").c_str(), &other), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
    std::vector<CollateralItem> items = {Tcb("a", 1, "x"), Tcb("b", 1, "y")};
    auto put = SqliteCollateralStore::Open(tmp.path("pccs.db"));
    ASSERT_TRUE(put.ok());
    // busy_timeout is 5 s; the lock is still held when it runs out.
    auto r = (*put)->PutAll(items);
    EXPECT_FALSE(r.ok());
    sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
    sqlite3_close(other);
  }
  EXPECT_TRUE((*store)->List()->empty());
}

TEST(SqliteCollateralStore, RefusesADatabaseFromANewerSchema) {
  crypto::testing::TempDir tmp;
  ASSERT_TRUE(SqliteCollateralStore::Open(tmp.path("pccs.db")).ok());
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(tmp.path("pccs.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version = 9", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto s = SqliteCollateralStore::Open(tmp.path("pccs.db"));
  EXPECT_EQ(s.status().code(), Code::kFailedPrecondition);
}

class CouchCollateralStoreTest : public CollateralStoreTest {};

// A batch whose document would pass the bound is refused whole: the item that would have fit
// is not stored either, and the revision stays.
TEST_P(CouchCollateralStoreTest, AnOversizedBatchChangesNothing) {
  auto store = Open();
  std::vector<CollateralItem> first = {Tcb("held", 1, "x")};
  ASSERT_TRUE(store->PutAll(first).ok());
  const int64_t version = *store->Version();
  // Base64 makes 3.5 MiB of body more than 4 MiB of document.
  std::vector<CollateralItem> batch = {Tcb("small", 1, "y"),
                                       Tcb("big", 1, std::string(3584 * 1024, 'z'))};
  auto put = store->PutAll(batch);
  EXPECT_EQ(put.status().code(), Code::kInvalidArgument) << put.status().ToString();
  EXPECT_NE(put.status().message().find("bound"), std::string::npos) << put.status().message();
  auto held = store->List();
  ASSERT_TRUE(held.ok());
  ASSERT_EQ(held->size(), 1u);
  EXPECT_EQ((*held)[0].key, "held");
  EXPECT_EQ(*store->Version(), version);
}

// The document as the header documents it, read with CouchDB's own API; a newer format is
// refused rather than rewritten.
TEST_P(CouchCollateralStoreTest, TheDocumentIsTheDocumentedFormat) {
  auto store = Open();
  std::vector<CollateralItem> items = {Tcb("sgx-00a067110000", 100, std::string("\0\x01", 2))};
  ASSERT_TRUE(store->PutAll(items).ok());
  auto http = store::CouchHttp::New(couch_);
  ASSERT_TRUE(http.ok());
  const std::string path = "/" + couch_.database + "/pccs%3Acollateral";
  auto doc = (*http)->Request("GET", path);
  ASSERT_TRUE(doc.ok());
  ASSERT_EQ(doc->status, 200);
  EXPECT_NE(doc->body.find("\"format\":1"), std::string::npos) << doc->body;
  EXPECT_NE(doc->body.find("\"kind\":\"tcb_info\",\"key\":\"sgx-00a067110000\""),
            std::string::npos)
      << doc->body;
  EXPECT_NE(doc->body.find("\"body\":\"AAE=\""), std::string::npos) << doc->body;
  const int64_t rev = *store->Version();
  EXPECT_NE(doc->body.find("\"_rev\":\"" + std::to_string(rev) + "-"), std::string::npos);

  // Rewrite it as format 2 (a later version's): both reading and opening refuse it.
  std::string newer = doc->body;
  newer.replace(newer.find("\"format\":1"), 10, "\"format\":2");
  auto put = (*http)->Request("PUT", path, &newer);
  ASSERT_TRUE(put.ok());
  ASSERT_EQ(put->status, 201) << put->body;
  EXPECT_EQ(store->List().status().code(), Code::kFailedPrecondition);
  auto reopened = CouchCollateralStore::Open(couch_);
  EXPECT_EQ(reopened.status().code(), Code::kFailedPrecondition);
}

TEST(CouchCollateralStore, AnUnreachableServerIsUnavailable) {
  store::CouchOptions o;
  o.url = "http://127.0.0.1:1";  // nothing listens on port 1
  o.database = "ehsm_pccs";
  auto s = CouchCollateralStore::Open(o);
  EXPECT_EQ(s.status().code(), Code::kUnavailable) << s.status().ToString();
}

INSTANTIATE_TEST_SUITE_P(Couch, CouchCollateralStoreTest, ::testing::Values("couchdb"),
                         BackendName);

}  // namespace
}  // namespace kms::pccs
