#include "meta/sqlite_db.h"

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <thread>

namespace godwit {
namespace {

constexpr std::array<std::string_view, 1> kSchema = {"CREATE TABLE t (v INTEGER NOT NULL)"};

// A file of its own, with `n` connections to it, closed at the end.
class SqliteDbTest : public ::testing::Test {
 protected:
  sqlite3* Open() {
    const auto path = std::filesystem::path(::testing::TempDir()) / "sqlite_db_test.db";
    if (dbs_.empty()) {
      for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path.string() + suffix);
    }
    Result<sqlite3*> db = OpenSqliteWithSchema(path.string(), kSchema, "the test file");
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    dbs_.push_back(db.ok() ? *db : nullptr);
    return dbs_.back();
  }
  void TearDown() override {
    for (sqlite3* db : dbs_) sqlite3_close(db);
  }
  static int64_t Count(sqlite3* db) {
    Stmt s(db, "SELECT count(*) FROM t");
    s.Step();
    return s.Int(0);
  }
  static Status Insert(sqlite3* db, int64_t v) {
    Stmt s(db, "INSERT INTO t (v) VALUES (?)");
    s.Bind(1, v);
    return RunOnce(db, s, "inserting");
  }

 private:
  std::vector<sqlite3*> dbs_;
};

TEST_F(SqliteDbTest, CommitsWhatTheBodyDid) {
  sqlite3* db = Open();
  Status st = InTransaction(db, "test", [&] {
    RETURN_IF_ERROR(Insert(db, 1));
    return Insert(db, 2);
  });
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(Count(db), 2);
  EXPECT_TRUE(sqlite3_get_autocommit(db));
}

TEST_F(SqliteDbTest, RollsBackWhenTheBodyFails) {
  sqlite3* db = Open();
  Status st = InTransaction(db, "test", [&] {
    RETURN_IF_ERROR(Insert(db, 1));
    return Status(ErrorCode::kConflict, "the body's own error");
  });
  EXPECT_EQ(st.code(), ErrorCode::kConflict);
  EXPECT_EQ(st.message(), "the body's own error");
  EXPECT_EQ(Count(db), 0);
  EXPECT_TRUE(sqlite3_get_autocommit(db)) << "the transaction was left open";
  // The connection is usable for the next one.
  ASSERT_TRUE(InTransaction(db, "test", [&] { return Insert(db, 3); }).ok());
  EXPECT_EQ(Count(db), 1);
}

TEST_F(SqliteDbTest, RollsBackAndRethrowsWhenTheBodyThrows) {
  sqlite3* db = Open();
  EXPECT_THROW(InTransaction(db, "test",
                             [&]() -> Status {
                               Insert(db, 1).IgnoreBecause("the test throws next");
                               throw std::runtime_error("thrown by the body");
                             })
                   .IgnoreBecause("it throws"),
               std::runtime_error);
  EXPECT_EQ(Count(db), 0);
  EXPECT_TRUE(sqlite3_get_autocommit(db));
}

// A second connection holding the write lock for a moment: BEGIN IMMEDIATE
// waits for it (the busy timeout) instead of failing.
TEST_F(SqliteDbTest, WaitsForAnotherWriter) {
  sqlite3* db = Open();
  sqlite3* other = Open();
  ASSERT_TRUE(ExecSql(other, "BEGIN IMMEDIATE; INSERT INTO t (v) VALUES (10);", "other").ok());
  std::thread release([other] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    ExecSql(other, "COMMIT", "other").IgnoreBecause("the waiting side's result says whether it worked");
  });
  const auto start = std::chrono::steady_clock::now();
  Status st = InTransaction(db, "test", [&] { return Insert(db, 11); });
  const auto waited = std::chrono::steady_clock::now() - start;
  release.join();
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_GE(waited, std::chrono::milliseconds(200));
  EXPECT_EQ(Count(db), 2);
}

// A writer that keeps the lock past the busy timeout: an error saying what
// holds the file, and the body never runs.
TEST_F(SqliteDbTest, ReportsAWriterHoldingTheLockTooLong) {
  sqlite3* db = Open();
  sqlite3* other = Open();
  sqlite3_busy_timeout(db, 50);
  ASSERT_TRUE(ExecSql(other, "BEGIN IMMEDIATE; INSERT INTO t (v) VALUES (10);", "other").ok());
  bool ran = false;
  Status st = InTransaction(db, "writing the test file", [&] {
    ran = true;
    return Status();
  });
  EXPECT_FALSE(ran);
  EXPECT_EQ(st.code(), ErrorCode::kMetadata);
  EXPECT_NE(st.message().find("writing the test file: the file is locked by another writer"), std::string::npos)
      << st.message();
  EXPECT_NE(st.hint().find("Another Godwit process"), std::string::npos) << st.hint();
  ASSERT_TRUE(ExecSql(other, "ROLLBACK", "other").ok());
  EXPECT_TRUE(InTransaction(db, "test", [&] { return Insert(db, 1); }).ok());
}

}  // namespace
}  // namespace godwit
