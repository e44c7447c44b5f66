// Collations across engines: keys that differ only in case (or accents)
// must stay distinct on the destination when the source keeps them apart,
// and a MySQL column's own collation is kept MySQL to MySQL.
#include <gtest/gtest.h>

#include <algorithm>

#include "migration_harness.h"
#include "process.h"
#include "test_env.h"

namespace godwit::testing {
namespace {

std::vector<std::optional<std::string>> R(std::initializer_list<const char*> values) {
  std::vector<std::optional<std::string>> out;
  for (const char* v : values) out.push_back(v ? std::optional<std::string>(v) : std::nullopt);
  return out;
}

TEST(CollationTest, MysqlToMysqlKeepsBinaryCollation) {
  RecreateMysqlDatabase("coll_src");
  MysqlAdmin(
      "CREATE TABLE t (id INT PRIMARY KEY, code VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL, "
      "name VARCHAR(20) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci, UNIQUE KEY code_u (code)) "
      "DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;"
      "INSERT INTO t VALUES (1, 'a', 'x'), (2, 'A', 'x'), (3, 'é', 'y'), (4, 'E', 'Y'), (5, 'e', NULL);",
      "coll_src");
  RecreateMysqlDatabase("coll_dst");
  auto r = RunGodwit("migrate -q --state-dir " + FreshTempDir("coll1") + " " + MysqlUri("coll_src") + " " +
                     MysqlUri("coll_dst"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  TableContents got = ReadTable(MysqlUri("coll_dst"), {"coll_dst", "t"});
  EXPECT_EQ(Sorted(got.rows), Sorted({R({"1", "a", "x"}), R({"2", "A", "x"}), R({"3", "é", "y"}), R({"4", "E", "Y"}),
                                      R({"5", "e", nullptr})}));
  EXPECT_EQ(ColumnNamed(got, "code").type.collation, "utf8mb4_bin");
  EXPECT_EQ(ColumnNamed(got, "name").type.collation, "utf8mb4_general_ci");
}

TEST(CollationTest, PostgresToMysqlTextKeyStaysCaseSensitive) {
  const int port = Servers().pg_source_port;
  RecreatePgDatabase(port, "coll_pg");
  PgAdmin(port,
          "CREATE TABLE t (k text PRIMARY KEY, u varchar(10) UNIQUE, note text);"
          "INSERT INTO t VALUES ('a', 'x', 'lower'), ('A', 'X', 'upper'), ('é', 'É', 'accent'), ('e', 'E', NULL);",
          "coll_pg");
  RecreateMysqlDatabase("coll_pg_dst");
  auto r = RunGodwit("migrate -q --state-dir " + FreshTempDir("coll2") + " " + PgSourceUri("coll_pg") + " " +
                     MysqlUri("coll_pg_dst"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  TableContents got = ReadTable(MysqlUri("coll_pg_dst"), {"coll_pg_dst", "t"});
  EXPECT_EQ(Sorted(got.rows),
            Sorted({R({"a", "x", "lower"}), R({"A", "X", "upper"}), R({"é", "É", "accent"}), R({"e", "E", nullptr})}));
  for (const char* col : {"k", "u", "note"}) EXPECT_EQ(ColumnNamed(got, col).type.collation, "utf8mb4_bin") << col;
}

TEST(CollationTest, SqliteToMysqlBinaryKeysCaseSensitiveNocaseNot) {
  std::string path = FreshTempDir("coll3-src") + "/s.db";
  ASSERT_EQ(RunSqlite3(path,
                       "CREATE TABLE t (k TEXT PRIMARY KEY, nc TEXT COLLATE NOCASE);"
                       "INSERT INTO t VALUES ('a', 'x'), ('A', 'y');"),
            0);
  RecreateMysqlDatabase("coll_lite_dst");
  auto r = RunGodwit("migrate -q --state-dir " + FreshTempDir("coll3") + " sqlite://" + path + " " +
                     MysqlUri("coll_lite_dst"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  TableContents got = ReadTable(MysqlUri("coll_lite_dst"), {"coll_lite_dst", "t"});
  EXPECT_EQ(Sorted(got.rows), Sorted({R({"a", "x"}), R({"A", "y"})}));
  EXPECT_EQ(ColumnNamed(got, "k").type.collation, "utf8mb4_bin");
  EXPECT_NE(ColumnNamed(got, "nc").type.collation, "utf8mb4_bin");
}

}  // namespace
}  // namespace godwit::testing
