// SqliteCollateralStore on a real file: what goes in comes back byte for byte, the ordering
// rule (newer replaces, older and equal do not), all-or-nothing batches, reopening, and a
// database from a newer schema.

#include "pccs/sqlite_collateral_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "crypto/test_util.h"

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

std::unique_ptr<SqliteCollateralStore> Open(const crypto::testing::TempDir& tmp) {
  auto s = SqliteCollateralStore::Open(tmp.path("pccs.db"));
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(s).value() : nullptr;
}

TEST(SqliteCollateralStore, KeepsEveryByteAndSurvivesReopening) {
  crypto::testing::TempDir tmp;
  std::string body("{\"id\":\"SGX\",\0\xff}", 16);  // NUL and high bytes survive
  CollateralItem crl;
  crl.kind = ItemKind::kRootCaCrl;
  crl.key = "root";
  crl.body = std::string("\x30\x82\x01\x00", 4);
  crl.issue_date = 10;
  crl.next_update = 20;
  {
    auto store = Open(tmp);
    std::vector<CollateralItem> items = {Tcb("sgx-00a067110000", 100, body), crl};
    auto put = store->PutAll(items);
    ASSERT_TRUE(put.ok()) << put.status().ToString();
    EXPECT_EQ(*put, (std::vector<PutOutcome>{PutOutcome::kStored, PutOutcome::kStored}));
  }
  auto held = Open(tmp)->List();
  ASSERT_TRUE(held.ok());
  ASSERT_EQ(held->size(), 2u);
  const CollateralItem& root = (*held)[0];  // ordered by kind name: root_ca_crl < tcb_info
  EXPECT_EQ(root.kind, ItemKind::kRootCaCrl);
  EXPECT_EQ(root.body, crl.body);
  const CollateralItem& tcb = (*held)[1];
  EXPECT_EQ(tcb.key, "sgx-00a067110000");
  EXPECT_EQ(tcb.body, body);
  EXPECT_EQ(tcb.signature, Bytes(64, 0xab));
  EXPECT_EQ(tcb.issue_date, 100);
  EXPECT_EQ(tcb.next_update, 100 + 30 * 86400);
  EXPECT_EQ(tcb.source, "test");
}

TEST(SqliteCollateralStore, OnlyALaterIssueReplaces) {
  crypto::testing::TempDir tmp;
  auto store = Open(tmp);
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

TEST(SqliteCollateralStore, AFailedBatchLeavesNothingBehind) {
  crypto::testing::TempDir tmp;
  auto store = Open(tmp);
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
  EXPECT_TRUE(store->List()->empty());
}

TEST(SqliteCollateralStore, RefusesADatabaseFromANewerSchema) {
  crypto::testing::TempDir tmp;
  Open(tmp);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(tmp.path("pccs.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version = 9", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto s = SqliteCollateralStore::Open(tmp.path("pccs.db"));
  EXPECT_EQ(s.status().code(), Code::kFailedPrecondition);
}

}  // namespace
}  // namespace kms::pccs
