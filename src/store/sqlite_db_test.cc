#include "store/sqlite_db.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "store/sqlite_test_util.h"

namespace kms::store::sqlite {
namespace {

using testing::RawQuery;
using testing::TempDir;

class SqliteDbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    db_ = OpenOrDie({});
    ASSERT_NE(db_, nullptr);
    ASSERT_TRUE(db_->Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB)").ok());
  }

  std::unique_ptr<Db> OpenOrDie(const Db::Options& options) {
    StatusOr<std::unique_ptr<Db>> db = Db::Open(path_, options);
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    return db.ok() ? std::move(db).value() : nullptr;
  }

  Status Insert(Db& db, int64_t id, ByteView blob) {
    KMS_ASSIGN_OR_RETURN(Stmt s, db.Prepare("INSERT INTO t (id, b) VALUES (?1, ?2)"));
    KMS_RETURN_IF_ERROR(s.BindInt64(1, id));
    KMS_RETURN_IF_ERROR(s.BindBlob(2, blob));
    return s.Run();
  }

  TempDir dir_;
  std::string path_ = dir_.File("db.sqlite");
  std::unique_ptr<Db> db_;
};

TEST_F(SqliteDbTest, EmptyBlobIsStoredAsEmptyBlobNotNull) {
  ASSERT_TRUE(Insert(*db_, 1, {}).ok());
  EXPECT_EQ(RawQuery(path_, "SELECT typeof(b) || ':' || length(b) FROM t WHERE id = 1"),
            "blob:0");
}

TEST_F(SqliteDbTest, BlobRoundTripsEveryByte) {
  Bytes all;
  for (int v = 0; v < 256; ++v) all.push_back(static_cast<uint8_t>(v));
  ASSERT_TRUE(Insert(*db_, 1, all).ok());
  StatusOr<Stmt> s = db_->Prepare("SELECT b FROM t WHERE id = 1");
  ASSERT_TRUE(s.ok());
  StatusOr<bool> row = s->Step();
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_EQ(s->ColumnBlob(0), all);
}

TEST_F(SqliteDbTest, CachedStatementComesBackResetWithoutBindings) {
  {
    StatusOr<Stmt> s = db_->Prepare("SELECT ?1");
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE(s->BindInt64(1, 42).ok());
    StatusOr<bool> row = s->Step();
    ASSERT_TRUE(row.ok() && *row);
    EXPECT_EQ(s->ColumnInt64(0), 42);
  }
  StatusOr<Stmt> again = db_->Prepare("SELECT ?1");
  ASSERT_TRUE(again.ok());
  StatusOr<bool> row = again->Step();
  ASSERT_TRUE(row.ok() && *row);
  EXPECT_EQ(again->ColumnText(0), "");
  EXPECT_EQ(again->ColumnInt64(0), 0);
}

TEST_F(SqliteDbTest, DuplicatePrimaryKeyIsAConstraintViolation) {
  ASSERT_TRUE(Insert(*db_, 1, ToBytes("a")).ok());
  StatusOr<Stmt> s = db_->Prepare("INSERT INTO t (id, b) VALUES (?1, ?2)");
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE(s->BindInt64(1, 1).ok());
  ASSERT_TRUE(s->BindBlob(2, ToBytes("b")).ok());
  Status status = s->Run();
  EXPECT_FALSE(status.ok());
  EXPECT_TRUE(IsConstraint(s->last_rc())) << s->last_rc();
}

TEST_F(SqliteDbTest, TxnRollsBackUnlessCommitted) {
  {
    StatusOr<Txn> txn = Txn::Begin(*db_);
    ASSERT_TRUE(txn.ok()) << txn.status().ToString();
    ASSERT_TRUE(Insert(*db_, 1, ToBytes("x")).ok());
  }
  EXPECT_FALSE(db_->InTransaction());
  EXPECT_EQ(RawQuery(path_, "SELECT count(*) FROM t"), "0");
  {
    StatusOr<Txn> txn = Txn::Begin(*db_);
    ASSERT_TRUE(txn.ok()) << txn.status().ToString();
    ASSERT_TRUE(Insert(*db_, 2, ToBytes("y")).ok());
    ASSERT_TRUE(txn->Commit().ok());
  }
  EXPECT_EQ(RawQuery(path_, "SELECT count(*) FROM t"), "1");
}

TEST_F(SqliteDbTest, LockedDatabaseIsUnavailableAfterBusyTimeout) {
  std::unique_ptr<Db> other = OpenOrDie({.read_only = false, .busy_timeout_ms = 50});
  ASSERT_NE(other, nullptr);
  StatusOr<Txn> holder = Txn::Begin(*db_);
  ASSERT_TRUE(holder.ok());
  StatusOr<Txn> blocked = Txn::Begin(*other);
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.status().code(), Code::kUnavailable) << blocked.status().ToString();
}

TEST_F(SqliteDbTest, ReadOnlyConnectionRefusesWrites) {
  std::unique_ptr<Db> reader = OpenOrDie({.read_only = true, .busy_timeout_ms = 50});
  ASSERT_NE(reader, nullptr);
  EXPECT_FALSE(Insert(*reader, 1, ToBytes("x")).ok());
  EXPECT_EQ(RawQuery(path_, "SELECT count(*) FROM t"), "0");
}

TEST(SqliteStatus, CodesMapToTheStoreContract) {
  EXPECT_EQ(FromSqlite(SQLITE_BUSY, nullptr, "x").code(), Code::kUnavailable);
  EXPECT_EQ(FromSqlite(SQLITE_LOCKED, nullptr, "x").code(), Code::kUnavailable);
  EXPECT_EQ(FromSqlite(SQLITE_FULL, nullptr, "x").code(), Code::kUnavailable);
  EXPECT_EQ(FromSqlite(SQLITE_IOERR_FSYNC, nullptr, "x").code(), Code::kUnavailable);
  EXPECT_EQ(FromSqlite(SQLITE_CANTOPEN, nullptr, "x").code(), Code::kUnavailable);
  EXPECT_EQ(FromSqlite(SQLITE_CORRUPT, nullptr, "x").code(), Code::kInternal);
  EXPECT_EQ(FromSqlite(SQLITE_CONSTRAINT_UNIQUE, nullptr, "x").code(), Code::kInternal);
  Status full = FromSqlite(SQLITE_FULL, nullptr, "commit");
  EXPECT_EQ(full.message().rfind("commit: ", 0), 0u) << full.message();
  EXPECT_NE(full.message().find("full"), std::string::npos) << full.message();
}

}  // namespace
}  // namespace kms::store::sqlite
