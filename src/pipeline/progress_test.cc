// Progress counters: rows read count as the reader streams them, apart
// from rows written, and chunking time is averaged per chunk planned.
#include "pipeline/progress.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include "connector/endpoint.h"
#include "connector/session.h"
#include "pipeline/chunk_copier.h"

namespace godwit {
namespace {

TEST(ProgressTest, ReadAndWrittenCountersAreSeparate) {
  Progress p;
  p.RowsRead(10, 100);
  ProgressSnapshot s = p.Snapshot();
  EXPECT_EQ(s.rows_read, 10);
  EXPECT_EQ(s.bytes_read, 100);
  EXPECT_EQ(s.rows_written, 0);
  p.ChunkDone(10, 100, 1'000'000, 2'000'000);
  s = p.Snapshot();
  EXPECT_EQ(s.rows_read, 10);
  EXPECT_EQ(s.rows_written, 10);
}

TEST(ProgressTest, ChunkingTimeIsPerChunk) {
  Progress p;
  p.ChunkingTime(8'000'000, 4);  // one table, 8 ms, 4 chunks
  p.ChunkingTime(2'000'000, 1);  // another, 2 ms, 1 chunk
  EXPECT_DOUBLE_EQ(p.Snapshot().avg_chunking_ms, 2.0);
}

Result<std::unique_ptr<Session>> OpenSqlite(const std::string& path) {
  Endpoint ep;
  ep.engine = Engine::kSqlite;
  ep.path = path;
  ep.options["create"] = "1";
  return Connect(ep);
}

// The reader reports each batch as it hands it over, not the chunk's total
// once the destination commits.
TEST(ChunkCopierTest, ReportsRowsReadPerBatchAsTheyStream) {
  char dir[] = "/tmp/godwit-progress-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  auto src = OpenSqlite(std::string(dir) + "/s.db");
  auto dst = OpenSqlite(std::string(dir) + "/d.db");
  ASSERT_TRUE(src.ok() && dst.ok());
  ASSERT_TRUE((*src)->Execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)").ok());
  ASSERT_TRUE((*src)
                  ->Execute("WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < 100) "
                            "INSERT INTO t SELECT n, 'row ' || n FROM g")
                  .ok());
  ASSERT_TRUE((*dst)->Execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)").ok());
  auto cat = (*dst)->ReadCatalog([](const TableRef&) { return true; });
  ASSERT_TRUE(cat.ok());
  ASSERT_EQ(cat->tables.size(), 1u);
  std::vector<ColumnType> types = {cat->tables[0].columns[0].type, cat->tables[0].columns[1].type};

  Progress progress;
  std::vector<int64_t> seen;  // rows read so far, at each report
  ChunkCopyRequest req;
  req.select_sql = "SELECT id, v FROM t";
  req.source_types = types;
  req.destination = &cat->tables[0];
  req.limits.max_rows = 10;
  req.on_read = [&](int64_t rows, int64_t bytes) {
    progress.RowsRead(rows, bytes);
    seen.push_back(progress.Snapshot().rows_read);
  };
  auto stats = CopyChunk(**src, **dst, req);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->rows, 100);
  ASSERT_EQ(seen.size(), 10u);
  for (size_t i = 0; i < seen.size(); ++i) EXPECT_EQ(seen[i], static_cast<int64_t>(10 * (i + 1)));
  ProgressSnapshot s = progress.Snapshot();
  EXPECT_EQ(s.rows_read, 100);
  EXPECT_EQ(s.bytes_read, stats->bytes);
  EXPECT_EQ(s.rows_written, 0);  // only ChunkDone counts written rows
}

}  // namespace
}  // namespace godwit
