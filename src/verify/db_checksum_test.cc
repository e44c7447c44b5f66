#include "verify/db_checksum.h"

#include <gtest/gtest.h>

namespace godwit {
namespace {

TableSchema Orders() {
  TableSchema t;
  t.ref = {"shop", "orders"};
  t.columns = {{"id", {TypeKind::kInt32}, false},
               {"note", {TypeKind::kVarchar}, true},
               {"total", {TypeKind::kDecimal}, false},
               {"paid", {TypeKind::kDateTime}, true}};
  return t;
}

TEST(ChunkChecksumSql, MysqlFlagsOnlyNullableColumnsAndSums) {
  EXPECT_EQ(ChunkChecksumSql(DialectFor(Engine::kMysql), Orders(), {0, 1, 2, 3}, "`id` >= 1 AND `id` < 5"),
            "SELECT COUNT(*), COALESCE(SUM(CRC32(CONCAT_WS('#', `id`, `note`, `total`, `paid`, "
            "CONCAT(ISNULL(`note`), ISNULL(`paid`))))), 0) FROM `shop`.`orders` WHERE `id` >= 1 AND `id` < 5");
}

TEST(ChunkChecksumSql, MysqlWithoutNullableColumnsHasNoFlags) {
  EXPECT_EQ(ChunkChecksumSql(DialectFor(Engine::kMysql), Orders(), {2, 0}, ""),
            "SELECT COUNT(*), COALESCE(SUM(CRC32(CONCAT_WS('#', `total`, `id`))), 0) FROM `shop`.`orders`");
}

TEST(ChunkChecksumSql, MysqlReadsFloatsAsTheirExactDouble) {
  TableSchema t = Orders();
  t.columns.push_back({"ratio", {TypeKind::kFloat}, false});
  const std::string sql = ChunkChecksumSql(DialectFor(Engine::kMysql), t, {0, 4}, "");
  EXPECT_NE(sql.find(DialectFor(Engine::kMysql).SelectExpr(t.columns[4])), std::string::npos) << sql;
  EXPECT_NE(DialectFor(Engine::kMysql).SelectExpr(t.columns[4]), "`ratio`");
}

TEST(ChunkChecksumSql, PostgresHashesTheRecordOfTheListedColumns) {
  EXPECT_EQ(ChunkChecksumSql(DialectFor(Engine::kPostgres), Orders(), {0, 1}, "\"id\" >= 1"),
            "SELECT count(*), coalesce(sum(hash_record_extended(ROW(\"id\", \"note\"), 0)), 0) FROM "
            "\"shop\".\"orders\" WHERE \"id\" >= 1");
}

TEST(ChunkChecksumSql, PostgresCanHashTheRecordText) {
  EXPECT_EQ(ChunkChecksumSql(DialectFor(Engine::kPostgres), Orders(), {0, 1}, "\"id\" >= 1", true),
            "SELECT count(*), coalesce(sum(hashtextextended(ROW(\"id\", \"note\")::text, 0)), 0) FROM "
            "\"shop\".\"orders\" WHERE \"id\" >= 1");
}

TEST(DatabaseChecksum, SqliteHasNone) {
  EXPECT_TRUE(HasDatabaseChecksum(Engine::kMysql));
  EXPECT_TRUE(HasDatabaseChecksum(Engine::kPostgres));
  EXPECT_FALSE(HasDatabaseChecksum(Engine::kSqlite));
}

TEST(DatabaseChecksum, OnlyPostgresFallsBackOnTheRecordText) {
  EXPECT_TRUE(HasRecordTextChecksum(Engine::kPostgres));
  EXPECT_NE(RecordHashProbeSql(Engine::kPostgres).find("hash_record_extended"), std::string::npos);
  EXPECT_FALSE(HasRecordTextChecksum(Engine::kMysql));
  EXPECT_FALSE(HasRecordTextChecksum(Engine::kSqlite));
}

}  // namespace
}  // namespace godwit
