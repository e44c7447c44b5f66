// The change applier (src/replay) against real destinations: PostgreSQL,
// MySQL (MariaDB) and SQLite. Hand-built ChangeEvent transactions exercise
// each idempotence rule, the checkpoint that commits with the data, and a
// transaction that fails midway.
#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include <unistd.h>

#include "connector/session.h"
#include "replay/change_applier.h"
#include "sync/source_rows.h"
#include "columns.h"
#include "test_env.h"

namespace godwit {
namespace {

using namespace godwit::testing;
using Row = std::vector<std::optional<std::string>>;

const TableRef kItems{"src", "items"};
const TableRef kPairs{"src", "pairs"};
const TableRef kLoose{"src", "loose"};

std::map<TableRef, TableSchema> DestTables(const std::string& schema) {
  std::map<TableRef, TableSchema> out;
  TableSchema items;
  items.ref = {schema, "items"};
  items.columns = {Col("id", TypeKind::kInt64, false), Col("qty", TypeKind::kInt32, false),
                   Col("price", TypeKind::kDecimal),   Col("name", TypeKind::kText),
                   Col("data", TypeKind::kBlob),       Col("ts", TypeKind::kDateTime),
                   Col("doc", TypeKind::kJson),        Col("note", TypeKind::kVarchar, true, 100)};
  items.columns[2].type.precision = 12;
  items.columns[2].type.scale = 3;
  items.columns[5].type.fsp = 6;
  items.primary_key = UniqueIndex("pk", {"id"}, true);
  out[kItems] = items;

  TableSchema pairs;
  pairs.ref = {schema, "pairs"};
  pairs.columns = {Col("a", TypeKind::kInt32, false), Col("b", TypeKind::kVarchar, false, 20),
                   Col("v", TypeKind::kText)};
  pairs.primary_key = UniqueIndex("pk", {"a", "b"}, true);
  out[kPairs] = pairs;

  TableSchema loose;
  loose.ref = {schema, "loose"};
  loose.columns = {Col("x", TypeKind::kInt32), Col("y", TypeKind::kText)};
  out[kLoose] = loose;
  return out;
}

FieldValue V(std::string s) { return FieldValue::Of(std::move(s)); }
const FieldValue N = FieldValue::Null();
const FieldValue U = FieldValue::Unchanged();

const std::vector<std::string> kItemCols = {"id", "qty", "price", "name", "data", "ts", "doc", "note"};
const std::string kTricky = "it's a \\ back\\slash, \"quoted\", and \xF0\x9F\x98\x80 here";
const std::string kBytes = std::string("\x00\x01\xff'\\", 5);

RowImage Item(int id, int qty, std::string note = "n") {
  return {V(std::to_string(id)),
          V(std::to_string(qty)),
          V("12.340"),
          V(kTricky),
          V(kBytes),
          V("2024-01-02 03:04:05.123456"),
          V("{\"a\": 1}"),
          note == "NULL" ? N : V(note)};
}
Row ItemRow(int id, int qty, std::string note = "n") {
  Row r;
  for (const FieldValue& v : Item(id, qty, note)) {
    r.push_back(v.state == FieldValue::State::kValue ? std::optional<std::string>(v.bytes) : std::nullopt);
  }
  return r;
}

ChangeEvent Ev(ChangeKind kind, TableRef table, std::vector<std::string> cols, RowImage before, RowImage after,
               bool key_only = false) {
  ChangeEvent e;
  e.kind = kind;
  e.table = std::move(table);
  e.columns = std::move(cols);
  e.before = std::move(before);
  e.after = std::move(after);
  e.before_is_key_only = key_only;
  return e;
}
ChangeEvent Ins(RowImage after) { return Ev(ChangeKind::kInsert, kItems, kItemCols, {}, std::move(after)); }
ChangeEvent Upd(RowImage before, RowImage after) {
  return Ev(ChangeKind::kUpdate, kItems, kItemCols, std::move(before), std::move(after));
}
ChangeEvent Del(RowImage before) { return Ev(ChangeKind::kDelete, kItems, kItemCols, std::move(before), {}); }

Position Pos(uint64_t n) { return MysqlBinlogPos{"binlog.000001", n, "0-1-" + std::to_string(n)}; }

class Collect : public BatchConsumer {
 public:
  Status Consume(RowBatch& b) override {
    for (size_t r = 0; r < b.rows(); ++r) {
      Row row;
      for (const Value& v : b.row(r)) row.push_back(v.is_null() ? std::nullopt : std::optional(std::string(v.bytes())));
      rows.push_back(row);
    }
    return Status();
  }
  std::vector<Row> rows;
};

class ReplayTest : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    std::string uri;
    switch (GetParam()) {
      case Engine::kMysql:
        RecreateMysqlDatabase("replay_dst");
        uri = MysqlUri("replay_dst");
        break;
      case Engine::kPostgres:
        RecreatePgDatabase(Servers().pg_dest_port, "replay_dst");
        uri = PgDestUri("replay_dst");
        break;
      case Engine::kSqlite: uri = "sqlite://" + FreshTempDir("replay") + "/d.db?create=1"; break;
    }
    uri_ = uri;
    auto ep = ParseEndpointUri(uri);
    ASSERT_TRUE(ep.ok()) << ep.status().ToString();
    auto s = Connect(*ep);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    session_ = std::move(*s);
    tables_ = DestTables(session_->default_schema());
    for (auto& [ref, t] : tables_) {
      auto stmts = dialect().CreateTable(t);
      ASSERT_TRUE(stmts.ok()) << stmts.status().ToString();
      for (auto& sql : *stmts) ASSERT_TRUE(session_->Execute(sql).ok()) << sql;
    }
  }

  const Dialect& dialect() { return DialectFor(GetParam()); }

  std::unique_ptr<ChangeApplier> Open(ApplierOptions opt = {}) {
    if (opt.stream_id.empty()) opt.stream_id = "stream-1";
    opt.on_warning = [this](const std::string& w) { warnings_.push_back(w); };
    auto a = ChangeApplier::Open(*session_, dialect(), tables_, opt);
    EXPECT_TRUE(a.ok()) << a.status().ToString();
    return a.ok() ? std::move(*a) : nullptr;
  }

  std::vector<Row> Rows(const TableRef& src, const std::string& order) {
    const TableSchema& t = tables_.at(src);
    std::vector<ColumnType> types;
    std::string cols;
    for (const Column& c : t.columns) {
      types.push_back(c.type);
      cols += (cols.empty() ? "" : ", ") + dialect().SelectExpr(c);
    }
    Collect out;
    Status st = session_->Query("SELECT " + cols + " FROM " + dialect().QualifiedName(t.ref) + " ORDER BY " + order,
                                types, out, BatchLimits{});
    EXPECT_TRUE(st.ok()) << st.ToString();
    return out.rows;
  }

  std::string uri_;
  std::unique_ptr<Session> session_;
  std::map<TableRef, TableSchema> tables_;
  std::vector<std::string> warnings_;
};

// Compaction applies each key's net effect; when that order trips a unique
// secondary key (values swapped between rows within one piece), the piece
// is rolled back to its savepoint and applied in source order.
TEST_P(ReplayTest, CompactionFallsBackToSourceOrderOnUniqueConflict) {
  const TableSchema& items = tables_.at(kItems);
  IndexDef unique_qty;
  unique_qty.name = "items_qty_u";
  unique_qty.unique = true;
  unique_qty.columns = {IndexColumn{"qty"}};
  auto create = dialect().CreateIndex(items, unique_qty);
  ASSERT_TRUE(create.ok()) << create.status().ToString();
  ASSERT_TRUE(session_->Execute(*create).ok());
  auto applier = Open();
  ASSERT_NE(applier, nullptr);
  std::vector<ChangeEvent> tx1 = {Ins(Item(1, 10)), Ins(Item(2, 20)), Ins(Item(3, 30)), Del(Item(3, 30))};
  ASSERT_TRUE(applier->ApplyTransaction(tx1, Pos(10), 1).ok());
  EXPECT_EQ(applier->stats().compaction_fallbacks, 0u);
  EXPECT_EQ(applier->stats().inserts, 3u) << "stats count the source's changes, not the net statements";
  EXPECT_EQ(applier->stats().deletes, 1u);
  // Final: 1 -> 20, 2 -> 10. Net effect upserts key 1 (qty 20) while key 2
  // still holds 20 on the destination.
  std::vector<ChangeEvent> tx2 = {Upd(Item(1, 10), Item(1, 30)), Upd(Item(2, 20), Item(2, 10)),
                                  Upd(Item(1, 30), Item(1, 20))};
  Status st = applier->ApplyTransaction(tx2, Pos(20), 2);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(applier->stats().compaction_fallbacks, 1u);
  EXPECT_EQ(applier->stats().updates, 3u);
  EXPECT_EQ(Rows(kItems, "id"), (std::vector<Row>{ItemRow(1, 20), ItemRow(2, 10)}));
  auto cp = applier->LoadCheckpoint();
  ASSERT_TRUE(cp.ok() && *cp);
  EXPECT_EQ((*cp)->sequence, 2u);
}

TEST_P(ReplayTest, IdempotentRulesCheckpointAndAtomicity) {
  auto applier = Open();
  ASSERT_NE(applier, nullptr);
  auto cp = applier->LoadCheckpoint();
  ASSERT_TRUE(cp.ok()) << cp.status().ToString();
  EXPECT_FALSE(cp->has_value());

  const std::vector<std::string> pair_cols = {"a", "b", "v"};
  const std::vector<std::string> loose_cols = {"x", "y"};
  std::vector<ChangeEvent> tx1 = {
      Ev(ChangeKind::kBegin, {}, {}, {}, {}),
      Ins(Item(1, 10)),
      Ins(Item(2, 20)),
      Ins(Item(3, 30, "keep me")),
      Ins(Item(5, 50, "NULL")),
      Ev(ChangeKind::kInsert, kPairs, pair_cols, {}, {V("1"), V("a"), V("x")}),
      Ev(ChangeKind::kInsert, kPairs, pair_cols, {}, {V("1"), V("b"), V("y")}),
      Ev(ChangeKind::kInsert, kLoose, loose_cols, {}, {V("1"), V("p")}),
      Ev(ChangeKind::kInsert, kLoose, loose_cols, {}, {V("1"), V("p")}),
      Ev(ChangeKind::kInsert, kLoose, loose_cols, {}, {V("2"), N}),
      Ev(ChangeKind::kCommit, {}, {}, {}, {}),
  };
  const uint64_t statements_before = applier->stats().statements;
  ASSERT_TRUE(applier->ApplyTransaction(tx1, Pos(100), 1).ok());
  // BEGIN, SAVEPOINT, one multi-row upsert per keyed table, three keyless
  // inserts, RELEASE, the checkpoint, COMMIT.
  EXPECT_EQ(applier->stats().statements - statements_before, 10u);

  RowImage three_after = Item(3, 33, "ignored");
  three_after[3] = V("renamed");
  three_after[7] = U;  // note: unchanged, the destination keeps "keep me"
  RowImage five_after = Item(50, 55, "ignored");
  five_after[7] = U;  // key change with an unchanged column: moves the row
  std::vector<ChangeEvent> tx2 = {
      Ins(Item(1, 11)),                // duplicate insert -> update
      Upd(Item(9, 90), Item(9, 91)),   // update of a missing row -> insert
      Upd(Item(2, 20), Item(20, 21)),  // primary key change
      Del(Item(77, 0)),                // delete of a missing row: no-op
      Upd(Item(3, 30), three_after),   // unchanged column kept
      Upd(Item(5, 50), five_after),    // key change + unchanged column
      Ev(ChangeKind::kUpdate, kPairs, pair_cols, {V("1"), V("a"), N}, {V("1"), V("a"), V("x2")}, true),
      Ev(ChangeKind::kDelete, kPairs, pair_cols, {V("1"), V("b"), N}, {}, true),
      Ev(ChangeKind::kUpdate, kLoose, loose_cols, {V("1"), V("p")}, {V("1"), V("q")}),
      Ev(ChangeKind::kDelete, kLoose, loose_cols, {V("2"), N}, {}),
  };
  Status st = applier->ApplyTransaction(tx2, Pos(200), 2);
  ASSERT_TRUE(st.ok()) << st.ToString();

  Row three = ItemRow(3, 33, "keep me");
  three[3] = "renamed";
  const std::vector<Row> expected_items = {ItemRow(1, 11), three, ItemRow(9, 91), ItemRow(20, 21),
                                           ItemRow(50, 55, "NULL")};
  const std::vector<Row> expected_pairs = {{"1", "a", "x2"}};
  const std::vector<Row> expected_loose = {{"1", "p"}, {"1", "q"}};
  EXPECT_EQ(Rows(kItems, "id"), expected_items);
  EXPECT_EQ(Rows(kPairs, "a, b"), expected_pairs);
  EXPECT_EQ(Rows(kLoose, "x, y"), expected_loose);
  EXPECT_EQ(warnings_.size(), 1u);

  // Applying tx2 again is detected by the checkpoint; reopening reads it.
  ASSERT_TRUE(applier->ApplyTransaction(tx2, Pos(200), 2).ok());
  EXPECT_EQ(applier->stats().skipped_transactions, 1u);
  applier = Open();
  ASSERT_NE(applier, nullptr);
  cp = applier->LoadCheckpoint();
  ASSERT_TRUE(cp.ok() && cp->has_value());
  EXPECT_EQ((*cp)->sequence, 2u);
  EXPECT_EQ((*cp)->position, Pos(200));
  ASSERT_TRUE(applier->ApplyTransaction(tx2, Pos(200), 2).ok());
  EXPECT_EQ(Rows(kItems, "id"), expected_items);
  EXPECT_EQ(Rows(kLoose, "x, y"), expected_loose);

  // Even without the checkpoint (another stream id), the keyed rules make a
  // re-apply of tx2 harmless.
  {
    ApplierOptions other;
    other.stream_id = "stream-other";
    auto again = Open(other);
    ASSERT_NE(again, nullptr);
    std::vector<ChangeEvent> keyed(tx2.begin(), tx2.begin() + 8);
    ASSERT_TRUE(again->ApplyTransaction(keyed, Pos(200), 2).ok());
    EXPECT_EQ(Rows(kItems, "id"), expected_items);
    EXPECT_EQ(Rows(kPairs, "a, b"), expected_pairs);
  }

  // A transaction failing midway leaves neither rows nor checkpoint.
  RowImage bad = Item(7, 0);
  bad[1] = N;  // qty is NOT NULL
  std::vector<ChangeEvent> tx3 = {Ins(Item(4, 40)), Del(Item(1, 11)), Ins(bad)};
  st = applier->ApplyTransaction(tx3, Pos(300), 3);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), ErrorCode::kWriteFailed);
  EXPECT_FALSE(st.native_code().empty()) << st.ToString();
  EXPECT_NE(st.message().find("src.items"), std::string::npos) << st.ToString();
  EXPECT_NE(st.message().find("INSERT INTO"), std::string::npos) << st.ToString();
  EXPECT_EQ(Rows(kItems, "id"), expected_items);
  cp = applier->LoadCheckpoint();
  ASSERT_TRUE(cp.ok() && cp->has_value());
  EXPECT_EQ((*cp)->sequence, 2u);

  // A batch of two transactions, one checkpoint; deletes switched off in
  // a second applier are skipped; truncate empties a table.
  std::vector<ChangeEvent> tx4 = {Ins(Item(4, 40)), Del(Item(1, 11))};
  std::vector<ChangeEvent> tx5 = {Ev(ChangeKind::kTruncate, kPairs, {}, {}, {})};
  const SourceTransaction batch[] = {{tx4, Pos(400), 4}, {tx5, Pos(500), 5}};
  st = applier->ApplyBatch(batch);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(Rows(kPairs, "a, b").size(), 0u);
  std::vector<Row> after_batch = {three, ItemRow(4, 40), ItemRow(9, 91), ItemRow(20, 21), ItemRow(50, 55, "NULL")};
  EXPECT_EQ(Rows(kItems, "id"), after_batch);
  cp = applier->LoadCheckpoint();
  ASSERT_TRUE(cp.ok() && cp->has_value());
  EXPECT_EQ((*cp)->sequence, 5u);
  EXPECT_EQ((*cp)->position, Pos(500));

  ApplierOptions no_delete;
  no_delete.stream_id = "stream-2";
  no_delete.apply_delete = false;
  auto filtered = Open(no_delete);
  ASSERT_NE(filtered, nullptr);
  std::vector<ChangeEvent> tx6 = {Del(Item(4, 40)), Ins(Item(6, 60))};
  ASSERT_TRUE(filtered->ApplyTransaction(tx6, Pos(600), 1).ok());
  EXPECT_EQ(filtered->stats().filtered, 1u);
  EXPECT_EQ(Rows(kItems, "id").size(), 6u);

  // DDL is another step's job.
  ChangeEvent ddl;
  ddl.kind = ChangeKind::kDdl;
  ddl.ddl = "ALTER TABLE items ADD COLUMN z int";
  const ChangeEvent ddl_tx[] = {ddl};
  st = filtered->ApplyTransaction(ddl_tx, Pos(700), 2);
  EXPECT_EQ(st.code(), ErrorCode::kUnsupported) << st.ToString();
}

// A change that leaves values unchanged (PostgreSQL's unchanged TOASTed
// values) takes them from the source's current row, read by key through
// sync/source_rows.h from a real PostgreSQL source: replayed over a newer
// copy, the destination's row at that key may be missing or another row.
// A row the source no longer has is not written (a key change still
// leaves its old key); without a lookup, a missing row fails the
// transaction rather than write NULL.
TEST_P(ReplayTest, UnchangedValuesComeFromTheSource) {
  const int src_port = Servers().pg_source_port;
  RecreatePgDatabase(src_port, "replay_src");
  PgAdmin(src_port,
          "CREATE SCHEMA src;"
          "CREATE TABLE src.items (id bigint PRIMARY KEY, qty int NOT NULL, price numeric(12,3), name text, "
          "data bytea, ts timestamp(6), doc json, note varchar(100));"
          "INSERT INTO src.items (id, qty, name, data, note) VALUES "
          "(1, 100, 'the source''s name of 1', NULL, 'source note'), "
          "(30, 300, 'the source''s name of 30', '\\x00ff27', NULL), "
          "(31, 310, 'the source''s name of 31', NULL, NULL);",
          "replay_src");
  auto source = ParseEndpointUri(PgSourceUri("replay_src"));
  ASSERT_TRUE(source.ok()) << source.status().ToString();

  auto applier = Open();
  ASSERT_NE(applier, nullptr);
  const ChangeEvent seed[] = {Ins(Item(1, 10, "keep me")), Ins(Item(5, 50))};
  ASSERT_TRUE(applier->ApplyTransaction(seed, Pos(10), 1).ok());

  // name, data and note unchanged.
  auto unchanged = [](RowImage img) {
    img[3] = U;
    img[4] = U;
    img[7] = U;
    return img;
  };
  const std::vector<ChangeEvent> tx = {
      Upd(Item(28, 280), unchanged(Item(30, 301))),  // moved to 30; neither key here
      Upd(Item(31, 310), unchanged(Item(31, 311))),  // 31 missing here
      Upd(Item(32, 320), unchanged(Item(32, 321))),  // 32 gone from the source too: not written
      Upd(Item(5, 50), unchanged(Item(33, 51))),     // moved to 33, gone from the source: 5 deleted
      Upd(Item(1, 10), unchanged(Item(1, 11))),      // 1 here, but the source's values win
  };
  // Without a lookup: refused at the first missing row, nothing written.
  {
    ApplierOptions blind;
    blind.stream_id = "stream-blind";
    auto a = Open(blind);
    ASSERT_NE(a, nullptr);
    Status st = a->ApplyTransaction(tx, Pos(20), 2);
    EXPECT_EQ(st.code(), ErrorCode::kUnsupported) << st.ToString();
    EXPECT_NE(st.message().find("(id = 30) leaves name, data, note unchanged"), std::string::npos) << st.ToString();
    EXPECT_EQ(Rows(kItems, "id"), (std::vector<Row>{ItemRow(1, 10, "keep me"), ItemRow(5, 50)}));
  }

  applier.reset();
  ApplierOptions with_source;
  with_source.source_row = SourceRowLookupFor(*source);
  applier = Open(with_source);
  ASSERT_NE(applier, nullptr);
  Status st = applier->ApplyTransaction(tx, Pos(20), 2);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(applier->stats().source_reads, 5u);

  Row one = ItemRow(1, 11);
  one[3] = "the source's name of 1";
  one[4] = std::nullopt;
  one[7] = "source note";
  Row thirty = ItemRow(30, 301);
  thirty[3] = "the source's name of 30";
  thirty[4] = std::string("\x00\xff'", 3);
  thirty[7] = std::nullopt;
  Row thirty_one = ItemRow(31, 311);
  thirty_one[3] = "the source's name of 31";
  thirty_one[4] = std::nullopt;
  thirty_one[7] = std::nullopt;
  EXPECT_EQ(Rows(kItems, "id"), (std::vector<Row>{one, thirty, thirty_one}));
}

// Runs in a child process (see SigkillAroundCommit): applies one
// transaction under GODWIT_CRASH_AT, which kills the process.
TEST(ReplayCrashChild, ApplyOne) {
  const char* uri = std::getenv("GODWIT_REPLAY_CHILD_URI");
  if (uri == nullptr) GTEST_SKIP() << "run by SigkillAroundCommit only";
  auto ep = ParseEndpointUri(uri);
  ASSERT_TRUE(ep.ok());
  auto s = Connect(*ep);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ApplierOptions opt;
  opt.stream_id = "crash";
  auto applier = ChangeApplier::Open(**s, DialectFor(ep->engine), DestTables((*s)->default_schema()), opt);
  ASSERT_TRUE(applier.ok()) << applier.status().ToString();
  const ChangeEvent tx[] = {Ins(Item(100, 1)), Ins(Item(101, 1)), Del(Item(1, 0))};
  ASSERT_TRUE((*applier)->ApplyTransaction(tx, Pos(1000), 10).ok());
}

TEST_P(ReplayTest, SigkillAroundCommit) {
  auto applier = Open(ApplierOptions{.stream_id = "crash"});
  ASSERT_NE(applier, nullptr);
  const ChangeEvent tx0[] = {Ins(Item(1, 1))};
  ASSERT_TRUE(applier->ApplyTransaction(tx0, Pos(900), 9).ok());
  applier.reset();

  auto run_child = [&](const std::string& failpoint) {
    const std::string cmd = "GODWIT_CRASH_AT=" + failpoint + ":1 GODWIT_REPLAY_CHILD_URI='" + uri_ + "' /proc/" +
                            std::to_string(getpid()) + "/exe --gtest_filter=ReplayCrashChild.* > /dev/null 2>&1";
    return std::system(cmd.c_str());
  };
  // Killed before COMMIT: neither the rows nor the checkpoint.
  EXPECT_NE(run_child("replay.before_commit"), 0);
  applier = Open(ApplierOptions{.stream_id = "crash"});
  ASSERT_NE(applier, nullptr);
  auto cp = applier->LoadCheckpoint();
  ASSERT_TRUE(cp.ok() && cp->has_value());
  EXPECT_EQ((*cp)->sequence, 9u);
  EXPECT_EQ(Rows(kItems, "id"), std::vector<Row>{ItemRow(1, 1)});
  applier.reset();

  // Killed right after COMMIT: both.
  EXPECT_NE(run_child("replay.after_commit"), 0);
  applier = Open(ApplierOptions{.stream_id = "crash"});
  ASSERT_NE(applier, nullptr);
  cp = applier->LoadCheckpoint();
  ASSERT_TRUE(cp.ok() && cp->has_value());
  EXPECT_EQ((*cp)->sequence, 10u);
  EXPECT_EQ((*cp)->position, Pos(1000));
  const std::vector<Row> expected = {ItemRow(100, 1), ItemRow(101, 1)};
  EXPECT_EQ(Rows(kItems, "id"), expected);
  // The restarted writer skips what the destination already holds.
  const ChangeEvent tx[] = {Ins(Item(100, 1)), Ins(Item(101, 1)), Del(Item(1, 0))};
  ASSERT_TRUE(applier->ApplyTransaction(tx, Pos(1000), 10).ok());
  EXPECT_EQ(applier->stats().skipped_transactions, 1u);
}

INSTANTIATE_TEST_SUITE_P(Engines, ReplayTest, ::testing::Values(Engine::kPostgres, Engine::kMysql, Engine::kSqlite),
                         [](const auto& info) { return std::string(EngineName(info.param)); });

}  // namespace
}  // namespace godwit
