// The chunker against real servers: plans for tables whose row estimate is
// missing or stale.
#include <gtest/gtest.h>

#include "migration_harness.h"
#include "pipeline/chunker.h"
#include "test_env.h"

namespace godwit::testing {
namespace {

std::unique_ptr<Session> Open(const std::string& uri) {
  auto ep = ParseEndpointUri(uri);
  if (!ep.ok()) throw std::runtime_error(ep.status().ToString());
  auto s = Connect(*ep);
  if (!s.ok()) throw std::runtime_error(s.status().ToString());
  return std::move(*s);
}

TableSchema Table(Session& s, const TableRef& ref) {
  auto cat = s.ReadCatalog([&](const TableRef& r) { return r == ref; });
  if (!cat.ok()) throw std::runtime_error(cat.status().ToString());
  if (cat->tables.size() != 1) throw std::runtime_error("no table " + ref.ToString());
  return cat->tables[0];
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
  auto s = Open(PgSourceUri("chunk_estimate"));
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

}  // namespace
}  // namespace godwit::testing
