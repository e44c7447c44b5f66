// The chunker against real servers: plans for tables whose row estimate is
// missing or stale, and the statements that clear a chunk on the
// destination before it is copied again — which must remove exactly that
// chunk's rows even where the destination orders or compares the key
// differently from the source.
#include <gtest/gtest.h>

#include <algorithm>

#include "migration_harness.h"
#include "model/row_collector.h"
#include "pipeline/chunker.h"
#include "test_env.h"

namespace godwit::testing {
namespace {

TableSchema Table(Session& s, const TableRef& ref) {
  auto cat = s.ReadCatalog([&](const TableRef& r) { return r == ref; });
  if (!cat.ok()) throw std::runtime_error(cat.status().ToString());
  if (cat->tables.size() != 1) throw std::runtime_error("no table " + ref.ToString());
  return cat->tables[0];
}

// The first column of every row of `table`, sorted bytewise.
std::vector<std::string> Keys(Session& s, const TableSchema& table) {
  const Dialect& d = DialectFor(s.engine());
  RowCollector rows;
  Status st = s.Query("SELECT " + d.SelectExpr(table.columns[0]) + " FROM " + d.QualifiedName(table.ref),
                      std::span<const ColumnType>(&table.columns[0].type, 1), rows, BatchLimits{});
  if (!st.ok()) throw std::runtime_error(st.ToString());
  std::vector<std::string> out;
  for (auto& r : rows.rows) out.push_back(r[0].value_or("NULL"));
  std::sort(out.begin(), out.end());
  return out;
}

void RunAll(Session& s, const std::vector<std::string>& statements) {
  for (const auto& sql : statements) ASSERT_TRUE(s.Execute(sql).ok()) << sql;
}

TEST(ChunkingTest, TableNeverAnalyzedIsStillSplit) {
  const int port = Servers().pg_source_port;
  RecreatePgDatabase(port, "chunk_estimate");
  // Autovacuum off so that nothing ANALYZEs the tables behind the test's back.
  PgAdmin(port,
          "CREATE TABLE by_text (code text PRIMARY KEY, n int) WITH (autovacuum_enabled = false);"
          "INSERT INTO by_text SELECT 'code-' || g, g FROM generate_series(1, 5000) g;"
          "CREATE TABLE by_pair (a int, b text, PRIMARY KEY (a, b)) WITH (autovacuum_enabled = false);"
          "INSERT INTO by_pair SELECT g % 7, 'b' || g FROM generate_series(1, 5000) g;"
          "CREATE TABLE by_int (id int PRIMARY KEY) WITH (autovacuum_enabled = false);"
          "INSERT INTO by_int SELECT generate_series(1, 5000);",
          "chunk_estimate");
  auto s = OpenSession(PgSourceUri("chunk_estimate"));
  for (const char* name : {"by_text", "by_pair", "by_int"}) {
    TableSchema t = Table(*s, {"public", name});
    EXPECT_LE(t.estimated_rows, 0) << name << ": the premise is a table never analyzed";
    auto plan = PlanChunks(*s, t, 500);
    ASSERT_TRUE(plan.ok()) << plan.status().ToString();
    EXPECT_GE(plan->size(), 10u) << name;
    EXPECT_LE(plan->size(), 11u) << name;
  }
  // A stale estimate that fits in one chunk while the table does not.
  TableSchema stale = Table(*s, {"public", "by_int"});
  stale.estimated_rows = 3;
  auto plan = PlanChunks(*s, stale, 500);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->size(), 10u);
  stale = Table(*s, {"public", "by_text"});
  stale.estimated_rows = 3;
  plan = PlanChunks(*s, stale, 500);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_GE(plan->size(), 10u);
}

// MySQL compares the key case-insensitively, PostgreSQL bytewise (the
// worked example next to ChunkClearStatements).
TEST(ChunkingTest, ClearRemovesExactlyTheChunksRowsMysqlToPostgres) {
  RecreateMysqlDatabase("chunk_clear_src");
  MysqlAdmin(
      "CREATE TABLE words (w VARCHAR(20) PRIMARY KEY, n INT);"
      "INSERT INTO words VALUES ('apple', 1), ('Banana', 2), ('cherry', 3), ('Date', 4), ('elder', 5), ('Fig', 6);",
      "chunk_clear_src");
  RecreatePgDatabase(Servers().pg_dest_port, "chunk_clear_dst");
  auto r = RunGodwit("migrate -q --state-dir " + FreshTempDir("chunk-clear") + " " + MysqlUri("chunk_clear_src") + " " +
                     PgDestUri("chunk_clear_dst"));
  ASSERT_EQ(r.exit_code, 0) << r.output;

  auto src = OpenSession(MysqlUri("chunk_clear_src"));
  auto dst = OpenSession(PgDestUri("chunk_clear_dst"));
  TableSchema st = Table(*src, {"chunk_clear_src", "words"});
  TableSchema dt = Table(*dst, {"public", "words"});
  auto plan = PlanChunks(*src, st, 2);
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  // Boundaries at every second key: {apple} {Banana, cherry} {Date, elder} {Fig}.
  ASSERT_EQ(plan->size(), 4u);
  const ChunkRange& third = (*plan)[2];
  ASSERT_EQ(third.lower, (std::optional<KeyValues>(KeyValues{"Date"})));
  ASSERT_EQ(third.upper, (std::optional<KeyValues>(KeyValues{"Fig"})));

  // The premise: the chunk's range means other rows on PostgreSQL.
  RowCollector in_range;
  ColumnType text;
  ASSERT_TRUE(dst->Query("SELECT w FROM words WHERE " +
                             ChunkPredicate(DialectFor(Engine::kPostgres), dt, *st.ChunkKey(), third),
                         std::span<const ColumnType>(&text, 1), in_range, BatchLimits{})
                  .ok());
  EXPECT_EQ(in_range.rows.size(), 1u) << "PostgreSQL sorts elder after Fig";

  auto clear = ChunkClearStatements(*src, st, DialectFor(Engine::kPostgres), dt, st.ChunkKey(), third);
  ASSERT_TRUE(clear.ok()) << clear.status().ToString();
  RunAll(*dst, *clear);
  EXPECT_EQ(Keys(*dst, dt), (std::vector<std::string>{"Banana", "Fig", "apple", "cherry"}));
}

// Keys a case-insensitive destination cannot tell apart, and CHAR keys
// that PostgreSQL pads and MySQL trims.
TEST(ChunkingTest, ClearMatchesKeysExactlyOnMysql) {
  const int port = Servers().pg_source_port;
  RecreatePgDatabase(port, "chunk_exact_src");
  PgAdmin(port,
          "CREATE TABLE words (w varchar(20) PRIMARY KEY, n int);"
          "INSERT INTO words VALUES ('Date', 1), ('Straße', 2);"
          "CREATE TABLE pairs (code varchar(10), region char(4), n int, PRIMARY KEY (code, region));"
          "INSERT INTO pairs VALUES ('x', 'eu', 1), ('y', 'us', 2), ('Y', 'US', 3);",
          "chunk_exact_src");
  RecreateMysqlDatabase("chunk_exact_dst");
  // Rows another chunk wrote, equal to the source's keys only ignoring case
  // and accents.
  MysqlAdmin(
      "CREATE TABLE words (w VARCHAR(20) PRIMARY KEY, n INT);"
      "INSERT INTO words VALUES ('date', 9), ('strasse', 9);"
      "CREATE TABLE pairs (code VARCHAR(10), region CHAR(4), n INT, PRIMARY KEY (code, region));"
      "INSERT INTO pairs VALUES ('x', 'eu', 1), ('y', 'us', 2);",
      "chunk_exact_dst");

  auto src = OpenSession(PgSourceUri("chunk_exact_src"));
  auto dst = OpenSession(MysqlUri("chunk_exact_dst"));
  const Dialect& my = DialectFor(Engine::kMysql);
  TableSchema sw = Table(*src, {"public", "words"});
  TableSchema dw = Table(*dst, {"chunk_exact_dst", "words"});
  auto clear = ChunkClearStatements(*src, sw, my, dw, sw.ChunkKey(), ChunkRange{});
  ASSERT_TRUE(clear.ok()) << clear.status().ToString();
  RunAll(*dst, *clear);
  EXPECT_EQ(Keys(*dst, dw), (std::vector<std::string>{"date", "strasse"})) << "rows of other chunks were deleted";

  TableSchema sp = Table(*src, {"public", "pairs"});
  TableSchema dp = Table(*dst, {"chunk_exact_dst", "pairs"});
  RowCollector one;
  ASSERT_TRUE(
      src->Query("SELECT code, region FROM pairs WHERE code = 'x'", std::vector<ColumnType>(2), one, BatchLimits{})
          .ok());
  ASSERT_EQ(one.rows.size(), 1u);
  EXPECT_EQ(one.rows[0][1].value_or(""), "eu  ") << "the premise: PostgreSQL pads CHAR";
  // The chunk of ('x', 'eu'): everything below ('y', ...).
  clear = ChunkClearStatements(*src, sp, my, dp, sp.ChunkKey(), ChunkRange{std::nullopt, KeyValues{"y", "us"}});
  ASSERT_TRUE(clear.ok()) << clear.status().ToString();
  RunAll(*dst, *clear);
  EXPECT_EQ(Keys(*dst, dp), (std::vector<std::string>{"y"}));
}

}  // namespace
}  // namespace godwit::testing
