// The sysbench-shaped table (id INT PK, k INT indexed, c CHAR(120), pad
// CHAR(60)) migrated by the real `godwit migrate` for every engine pair,
// in many chunks with two workers, then compared value by value with the
// source, and the index on k checked on the destination.
#include <gtest/gtest.h>

#include "migration_harness.h"
#include "test_env.h"

namespace godwit::testing {
namespace {

constexpr int kRows = 20000;

std::string Name(Engine e) {
  switch (e) {
    case Engine::kMysql: return "mysql";
    case Engine::kPostgres: return "pg";
    case Engine::kSqlite: return "sqlite";
  }
  return "?";
}

struct Pair {
  Engine src, dst;
};

// A fresh sbtest1 on `engine`; returns the URI to migrate from.
std::string MakeSource(Engine engine, const std::string& tag) {
  std::string db = "sb_src_" + tag;
  switch (engine) {
    case Engine::kMysql:
      RecreateMysqlDatabase(db);
      MysqlAdmin(
          "CREATE TABLE sbtest1 (id INT PRIMARY KEY, k INT NOT NULL DEFAULT 0, c CHAR(120) NOT NULL DEFAULT '', "
          "pad CHAR(60) NOT NULL DEFAULT '', KEY k_1 (k));"
          "INSERT INTO sbtest1 SELECT seq, FLOOR(RAND(seq) * " +
              std::to_string(kRows) +
              "), CONCAT_WS('-', MD5(seq), MD5(seq + 1), MD5(seq + 2)), CONCAT_WS('-', MD5(seq + 3), 'x') "
              "FROM seq_1_to_" +
              std::to_string(kRows) + ";",
          db);
      return MysqlUri(db);
    case Engine::kPostgres:
      RecreatePgDatabase(Servers().pg_source_port, db);
      PgAdmin(Servers().pg_source_port,
              "CREATE TABLE sbtest1 (id INT PRIMARY KEY, k INT NOT NULL DEFAULT 0, c CHAR(120) NOT NULL DEFAULT '', "
              "pad CHAR(60) NOT NULL DEFAULT ''); CREATE INDEX k_1 ON sbtest1 (k);"
              "INSERT INTO sbtest1 SELECT g, (g * 7919) % " +
                  std::to_string(kRows) +
                  ", md5(g::text) || '-' || md5((g + 1)::text) || '-' || md5((g + 2)::text), "
                  "md5((g + 3)::text) || '-x' FROM generate_series(1, " +
                  std::to_string(kRows) + ") g;",
              db);
      return PgSourceUri(db);
    case Engine::kSqlite: {
      std::string path = FreshTempDir("sb-sqlite") + "/src.db";
      auto ep = ParseEndpointUri("sqlite://" + path + "?create=1");
      auto s = Connect(*ep);
      EXPECT_TRUE(s.ok()) << s.status().ToString();
      for (const char* sql :
           {"CREATE TABLE sbtest1 (id INTEGER PRIMARY KEY, k INTEGER NOT NULL DEFAULT 0, c CHAR(120) NOT NULL "
            "DEFAULT '', pad CHAR(60) NOT NULL DEFAULT '')",
            "CREATE INDEX k_1 ON sbtest1 (k)"}) {
        EXPECT_TRUE((*s)->Execute(sql).ok()) << sql;
      }
      std::string insert = "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < " +
                           std::to_string(kRows) + ") INSERT INTO sbtest1 SELECT n, (n * 7919) % " +
                           std::to_string(kRows) +
                           ", printf('%020d-%s-%s', n * 104729, hex(n), 'c'), printf('pad-%d', n) FROM g";
      EXPECT_TRUE((*s)->Execute(insert).ok());
      return "sqlite://" + path;
    }
  }
  return "";
}

std::string Unpadded(std::optional<std::string> v) {
  if (!v) return "<null>";
  v->erase(v->find_last_not_of(' ') + 1);  // CHAR(n) pads on PostgreSQL, not on MySQL/SQLite
  return *v;
}

class SysbenchPairsTest : public ::testing::TestWithParam<Pair> {};

TEST_P(SysbenchPairsTest, EveryValueAndTheIndexArrive) {
  Pair p = GetParam();
  std::string tag = Name(p.src) + "_" + Name(p.dst);
  std::string src = MakeSource(p.src, tag);
  std::string dst = FreshDestination(p.dst, "sb_dst_" + tag).uri;
  std::string state = FreshTempDir("sb-state");
  CommandResult r = RunGodwit("migrate '" + src + "' '" + dst +
                              "' --include '*sbtest1' --concurrency 2 --chunk-rows 1500 -q --state-dir " + state);
  ASSERT_EQ(r.exit_code, 0) << r.output;

  auto src_ref = ParseEndpointUri(src);
  auto dst_ep = ParseEndpointUri(dst);
  ASSERT_TRUE(src_ref.ok() && dst_ep.ok());
  auto schema_of = [](Engine e, const Endpoint& ep) {
    return e == Engine::kMysql ? ep.database : e == Engine::kPostgres ? "public" : "";
  };
  TableContents a = ReadTable(src, TableRef{schema_of(p.src, *src_ref), "sbtest1"});
  TableContents b = ReadTable(dst, TableRef{schema_of(p.dst, *dst_ep), "sbtest1"});
  ASSERT_EQ(a.rows.size(), static_cast<size_t>(kRows));
  ASSERT_EQ(b.rows.size(), a.rows.size());
  for (size_t i = 0; i < a.rows.size(); ++i) {
    for (size_t c = 0; c < a.rows[i].size(); ++c) {
      ASSERT_EQ(Unpadded(b.rows[i][c]), Unpadded(a.rows[i][c])) << "row " << i << " column " << a.columns[c].name;
    }
  }
  auto session = Connect(*dst_ep);
  ASSERT_TRUE(session.ok());
  auto catalog = (*session)->ReadCatalog([](const TableRef& t) { return t.name == "sbtest1"; });
  ASSERT_TRUE(catalog.ok());
  ASSERT_EQ(catalog->tables.size(), 1u);
  ASSERT_EQ(catalog->tables[0].indexes.size(), 1u) << "the index on k";
  ASSERT_EQ(catalog->tables[0].indexes[0].columns.size(), 1u);
  EXPECT_EQ(catalog->tables[0].indexes[0].columns[0].name, "k");
}

// A table without a primary key but with a unique NOT NULL key is split
// and checkpointed by that key, and arrives whole.
TEST(UniqueKeyTable, MigratesInChunksByItsUniqueKey) {
  RecreateMysqlDatabase("sb_uk_src");
  MysqlAdmin(
      "CREATE TABLE uk (code VARCHAR(20) NOT NULL, v INT, UNIQUE KEY uk_code (code));"
      "INSERT INTO uk SELECT CONCAT('K', LPAD(seq, 6, '0')), seq FROM seq_1_to_5000;",
      "sb_uk_src");
  RecreatePgDatabase(Servers().pg_dest_port, "sb_uk_dst");
  CommandResult r = RunGodwit("migrate '" + MysqlUri("sb_uk_src") + "' '" + PgDestUri("sb_uk_dst") +
                              "' --chunk-rows 400 --concurrency 2 --state-dir " + FreshTempDir("sb-uk"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("copied as one chunk"), std::string::npos) << "the unique key should split it: " << r.output;
  TableContents a = ReadTable(MysqlUri("sb_uk_src"), TableRef{"sb_uk_src", "uk"});
  TableContents b = ReadTable(PgDestUri("sb_uk_dst"), TableRef{"public", "uk"});
  ASSERT_EQ(a.rows.size(), 5000u);
  EXPECT_EQ(b.rows, a.rows);
}

std::vector<Pair> AllPairs() {
  std::vector<Pair> out;
  for (Engine s : {Engine::kMysql, Engine::kPostgres, Engine::kSqlite}) {
    for (Engine d : {Engine::kMysql, Engine::kPostgres, Engine::kSqlite}) out.push_back({s, d});
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Pairs, SysbenchPairsTest, ::testing::ValuesIn(AllPairs()),
                         [](const auto& info) { return Name(info.param.src) + "_to_" + Name(info.param.dst); });

}  // namespace
}  // namespace godwit::testing
