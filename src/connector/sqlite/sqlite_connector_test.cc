#include <gtest/gtest.h>

#include <filesystem>

#include "connector/engines.h"
#include "model/row_collector.h"
#include "connector/sqlite/sqlite_session.h"
#include "schema/dialects.h"
#include "schema/sqlite_dialect.h"

namespace godwit {
namespace {

using Collect = RowCollector;

// The rows, then (when `fail_after` is set) an error instead of the end.
class VectorSource : public BatchSource {
 public:
  VectorSource(size_t cols, std::vector<TextRow> rows, bool fail_after = false)
      : inner_(cols, std::move(rows)), fail_after_(fail_after) {}
  Result<bool> Next(RowBatch& batch) override {
    ASSIGN_OR_RETURN(bool more, inner_.Next(batch));
    if (!more && fail_after_) return Status(ErrorCode::kReadFailed, "source broke");
    return more;
  }

 private:
  RowVectorSource inner_;
  bool fail_after_;
};

std::unique_ptr<Session> Open(const std::string& name, bool create = true) {
  auto path = std::filesystem::path(::testing::TempDir()) / name;
  if (create) {
    std::filesystem::remove(path);
    std::filesystem::remove(path.string() + "-wal");
    std::filesystem::remove(path.string() + "-shm");
  }
  Endpoint ep;
  ep.engine = Engine::kSqlite;
  ep.path = path.string();
  if (create) ep.options["create"] = "1";
  auto s = ConnectSqlite(ep);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return std::move(*s);
}

TEST(SqliteConnectorTest, MissingFileIsNotFound) {
  Endpoint ep;
  ep.engine = Engine::kSqlite;
  ep.path = "/nonexistent/dir/x.db";
  auto s = ConnectSqlite(ep);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(s.status().message().find("/nonexistent/dir/x.db"), std::string::npos);
}

TEST(SqliteConnectorTest, DeclaredTypesRoundTripThroughTheDialect) {
  const Dialect& d = SqliteDialect();
  std::vector<ColumnType> kinds;
  for (TypeKind k : {TypeKind::kBool, TypeKind::kInt8, TypeKind::kInt16, TypeKind::kInt24, TypeKind::kInt32,
                     TypeKind::kInt64, TypeKind::kFloat, TypeKind::kDouble, TypeKind::kText, TypeKind::kBlob,
                     TypeKind::kDate, TypeKind::kJson, TypeKind::kUuid}) {
    ColumnType t;
    t.kind = k;
    kinds.push_back(t);
  }
  ColumnType dec;
  dec.kind = TypeKind::kDecimal;
  dec.precision = 30;
  dec.scale = 10;
  kinds.push_back(dec);
  ColumnType bit;
  bit.kind = TypeKind::kBit;
  bit.length = 10;
  kinds.push_back(bit);
  ColumnType ts;
  ts.kind = TypeKind::kTimestampTz;
  ts.fsp = 6;
  kinds.push_back(ts);
  for (const auto& t : kinds) {
    auto sql = d.ColumnTypeSql(t);
    ASSERT_TRUE(sql.ok());
    ColumnType back = SqliteColumnType(*sql);
    EXPECT_EQ(back.kind, t.kind) << *sql;
    EXPECT_EQ(back.precision, t.precision) << *sql;
    EXPECT_EQ(back.scale, t.scale) << *sql;
    EXPECT_EQ(back.length, t.length) << *sql;
    EXPECT_EQ(back.fsp, t.fsp) << *sql;
  }
  ColumnType big;
  big.kind = TypeKind::kInt64;
  big.is_unsigned = true;
  EXPECT_EQ(SqliteColumnType(*d.ColumnTypeSql(big)).kind, TypeKind::kDecimal) << "kept exact as text";
}

TEST(SqliteConnectorTest, BulkLoadAndQueryKeepEveryValue) {
  auto s = Open("roundtrip.db");
  TableSchema t;
  t.ref = {"", "Odd \"Name\" select"};
  auto col = [](const char* name, TypeKind k, uint32_t p = 0, uint32_t sc = 0, bool uns = false) {
    Column c;
    c.name = name;
    c.type.kind = k;
    c.type.precision = p;
    c.type.scale = sc;
    c.type.is_unsigned = uns;
    if (k == TypeKind::kBit) c.type.length = 4;
    return c;
  };
  t.columns = {col("id", TypeKind::kInt64),
               col("dec", TypeKind::kDecimal, 40, 20),
               col("u64", TypeKind::kInt64, 0, 0, true),
               col("d", TypeKind::kDouble),
               col("b", TypeKind::kBlob),
               col("s", TypeKind::kText),
               col("bits", TypeKind::kBit),
               col("flag", TypeKind::kBool),
               col("j", TypeKind::kJson)};
  t.columns[0].nullable = false;
  t.primary_key = IndexDef{"PRIMARY", {{"id"}}, true, true, ""};
  auto ddl = SqliteDialect().CreateTable(t);
  ASSERT_TRUE(ddl.ok());
  for (auto& q : *ddl) ASSERT_TRUE(s->Execute(q).ok()) << q;

  std::vector<std::vector<std::optional<std::string>>> rows = {
      {"9223372036854775807", "12345678901234567890.12345678901234567890", "18446744073709551615",
       "1.7976931348623157e+308", std::string("\0\xff\0", 3), "😀 ünï\ttab", "0101", "1",
       "{\"n\": 12345678901234567890}"},
      {"-9223372036854775808", "-0.00000000000000000001", "0", "-Infinity", "", "", "0000", "0", "[]"},
      {"3", std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt,
       std::nullopt},
  };
  VectorSource src(t.columns.size(), rows);
  ASSERT_TRUE(s->BulkLoad(t, {}, src).ok());

  auto cat = s->ReadCatalog([](const TableRef&) { return true; });
  ASSERT_TRUE(cat.ok());
  ASSERT_EQ(cat->tables.size(), 1u);
  const TableSchema& back = cat->tables[0];
  ASSERT_EQ(back.columns.size(), t.columns.size());
  std::vector<ColumnType> types;
  std::string cols;
  for (auto& c : back.columns) {
    types.push_back(c.type);
    cols += (cols.empty() ? "" : ", ") + SqliteDialect().QuoteIdent(c.name);
  }
  Collect out;
  ASSERT_TRUE(s->Query("SELECT " + cols + " FROM " + SqliteDialect().QuoteIdent(t.ref.name) + " ORDER BY id DESC",
                       types, out, BatchLimits{1, 1 << 20})
                  .ok());
  ASSERT_EQ(out.rows.size(), 3u);
  EXPECT_EQ(out.rows[0], rows[0]);
  EXPECT_EQ(out.rows[2], rows[1]);
  EXPECT_EQ(out.rows[1], rows[2]);
}

TEST(SqliteConnectorTest, FailedLoadLeavesNothingAndPreSqlIsInTheTransaction) {
  auto s = Open("atomic.db");
  ASSERT_TRUE(s->Execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)").ok());
  ASSERT_TRUE(s->Execute("INSERT INTO t VALUES (1, 'keep')").ok());
  TableSchema t;
  t.ref = {"", "t"};
  Column id{"id"};
  id.type.kind = TypeKind::kInt64;
  Column v{"v"};
  v.type.kind = TypeKind::kText;
  t.columns = {id, v};
  VectorSource broken(2, {{"2", "a"}, {"3", "b"}}, /*fail_after=*/true);
  Status st = s->BulkLoad(t, std::vector<std::string>{"DELETE FROM t"}, broken);
  EXPECT_EQ(st.code(), ErrorCode::kReadFailed);
  Collect out;
  std::vector<ColumnType> types = {id.type, v.type};
  ASSERT_TRUE(s->Query("SELECT id, v FROM t", types, out, BatchLimits{}).ok());
  ASSERT_EQ(out.rows.size(), 1u) << "the delete and the inserts rolled back together";
  EXPECT_EQ(out.rows[0][1], "keep");
  VectorSource dup(2, {{"1", "again"}});
  EXPECT_EQ(s->BulkLoad(t, {}, dup).code(), ErrorCode::kWriteFailed);
}

TEST(SqliteConnectorTest, ExecuteRunsExactlyOneStatement) {
  auto s = Open("one_statement.db");
  ASSERT_TRUE(s->Execute("CREATE TABLE canary (x INT); -- trailing comment\n /* and another */ ;").ok());
  Status two = s->Execute("CREATE VIEW v AS SELECT 'x' AS c1; DROP TABLE canary; --' AS c");
  EXPECT_EQ(two.code(), ErrorCode::kDdlFailed) << two.ToString();
  EXPECT_NE(two.message().find("more than one statement"), std::string::npos) << two.message();
  EXPECT_FALSE(s->Execute(std::string("SELECT 1\0; DROP TABLE canary", 28)).ok());
  EXPECT_TRUE(s->Execute("-- nothing to run").ok());
  EXPECT_TRUE(s->Execute("SELECT count(*) FROM canary").ok()) << "the canary is still there";
  EXPECT_FALSE(s->Execute("SELECT count(*) FROM v").ok()) << "the view was not created either";
}

TEST(SqliteConnectorTest, CatalogReadsKeysIndexesForeignKeysChecksAndViews) {
  auto s = Open("catalog.db");
  // Execute runs one statement per call.
  for (const char* sql :
       {R"sql(CREATE TABLE parent (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE))sql",
        R"sql(CREATE TABLE child (
      a INT NOT NULL, b VARCHAR(20) NOT NULL DEFAULT 'x''y', price DECIMAL(10,2) CHECK (price >= 0),
      created DATETIME DEFAULT CURRENT_TIMESTAMP, parent_id INT REFERENCES parent ON DELETE CASCADE,
      PRIMARY KEY (a, b), CONSTRAINT "named check" CHECK (a <> 0 AND b <> ')')
    ))sql",
        "CREATE INDEX child_price ON child (price DESC)", "CREATE INDEX child_partial ON child (a) WHERE a > 5",
        "CREATE VIEW cheap AS SELECT a, b FROM child WHERE price < 10", "CREATE TEMP TABLE scratch (x INT)"}) {
    ASSERT_TRUE(s->Execute(sql).ok()) << sql;
  }
  auto cat = s->ReadCatalog([](const TableRef&) { return true; });
  ASSERT_TRUE(cat.ok()) << cat.status().ToString();
  ASSERT_EQ(cat->tables.size(), 2u) << "the temporary table is not part of the catalog";
  const TableSchema& child = cat->tables[0];
  ASSERT_EQ(child.ref.name, "child");
  ASSERT_TRUE(child.primary_key.has_value());
  EXPECT_EQ(child.primary_key->columns.size(), 2u);
  EXPECT_EQ(child.columns[1].default_kind, Column::DefaultKind::kLiteral);
  EXPECT_EQ(child.columns[1].default_value, "x'y");
  EXPECT_EQ(child.columns[3].default_kind, Column::DefaultKind::kCurrentTimestamp);
  EXPECT_EQ(child.columns[2].type.kind, TypeKind::kDecimal);
  EXPECT_EQ(child.columns[2].type.precision, 10u);
  ASSERT_EQ(child.checks.size(), 2u);
  EXPECT_EQ(child.checks[0].expression, "price >= 0");
  EXPECT_EQ(child.checks[1].name, "named check");
  EXPECT_EQ(child.checks[1].expression, "a <> 0 AND b <> ')'");
  ASSERT_EQ(child.foreign_keys.size(), 1u);
  EXPECT_EQ(child.foreign_keys[0].ref_table.name, "parent");
  EXPECT_EQ(child.foreign_keys[0].ref_columns, std::vector<std::string>{"id"});
  EXPECT_EQ(child.foreign_keys[0].on_delete, "CASCADE");
  int partial = 0, desc = 0;
  for (auto& i : child.indexes) {
    if (!i.unsupported_reason.empty()) ++partial;
    if (i.name == "child_price" && i.columns[0].descending) ++desc;
  }
  EXPECT_EQ(partial, 1);
  EXPECT_EQ(desc, 1);
  const TableSchema& parent = cat->tables[1];
  EXPECT_TRUE(parent.columns[0].auto_increment);
  ASSERT_EQ(parent.indexes.size(), 1u);
  EXPECT_TRUE(parent.indexes[0].unique);
  ASSERT_EQ(cat->views.size(), 1u);
  EXPECT_EQ(cat->views[0].definition, "SELECT a, b FROM child WHERE price < 10");

  // The same tables created from the catalog by the dialect work.
  auto s2 = Open("catalog2.db");
  for (const auto& t : cat->tables) {
    auto ddl = SqliteDialect().CreateTable(t);
    ASSERT_TRUE(ddl.ok());
    for (auto& q : *ddl) EXPECT_TRUE(s2->Execute(q).ok()) << q;
    for (auto& i : t.indexes) {
      if (!i.unsupported_reason.empty()) continue;
      auto q = SqliteDialect().CreateIndex(t, i);
      EXPECT_TRUE(s2->Execute(*q).ok()) << *q;
    }
  }
  EXPECT_EQ(s2->Execute("CREATE TABLE bad (").code(), ErrorCode::kDdlFailed);
}

TEST(SqliteConnectorTest, ParseChecksKeepsExpressionsVerbatim) {
  auto checks = sqlite_internal::ParseChecks(
      "t", "CREATE TABLE t (x INT CHECK (x IN (1, 2)), y TEXT, CHECK (length(y) > 0 OR y = 'a)b'))");
  ASSERT_EQ(checks.size(), 2u);
  EXPECT_EQ(checks[0].expression, "x IN (1, 2)");
  EXPECT_EQ(checks[1].expression, "length(y) > 0 OR y = 'a)b'");
  EXPECT_EQ(checks[1].name, "t_check_2");
}

TEST(SqliteConnectorTest, ParsesQuotedConstraintNames) {
  std::string sql =
      "CREATE TABLE \"order\" (\"select\" INT PRIMARY KEY, \"p id\" INT CONSTRAINT [inline fk] REFERENCES p (id), "
      "q INT, CONSTRAINT \"fk 'p' \"\"x\"\"\" FOREIGN KEY (\"q\") REFERENCES p (id), "
      "CONSTRAINT `chk ``b``` CHECK (\"select\" >= 0))";
  auto checks = sqlite_internal::ParseChecks("order", sql);
  ASSERT_EQ(checks.size(), 1u);
  EXPECT_EQ(checks[0].name, "chk `b`");
  auto fks = sqlite_internal::ForeignKeyNames(sql);
  ASSERT_EQ(fks.size(), 2u);
  EXPECT_EQ(fks[0].first, std::vector<std::string>{"p id"});
  EXPECT_EQ(fks[0].second, "inline fk");
  EXPECT_EQ(fks[1].first, std::vector<std::string>{"q"});
  EXPECT_EQ(fks[1].second, "fk 'p' \"x\"");
}

// SQLite keeps any text in a column of any type. A value of a number or bit
// column that is not one is a data error naming where it is, never passed
// on to become a destination's bare literal.
TEST(SqliteConnectorTest, TextThatIsNotAValueOfItsColumnsKindIsADataError) {
  auto s = Open("not_a_number.db");
  ASSERT_TRUE(s->Execute("CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, r REAL, b BIT_TEXT(4), f BOOLEAN)").ok());
  ASSERT_TRUE(s->Execute("INSERT INTO t VALUES (1, 5, 1.5, '0101', 1), (2, -3, 'NaN', '1', 'true')").ok());
  ColumnType id, n, r, b, f;
  id.kind = n.kind = TypeKind::kInt64;
  r.kind = TypeKind::kDouble;
  b.kind = TypeKind::kBit;
  b.length = 4;
  f.kind = TypeKind::kBool;
  const std::vector<ColumnType> types = {id, n, r, b, f};
  const std::string select = "SELECT id, n, r, b, f FROM t ORDER BY id";
  {
    Collect out;
    ASSERT_TRUE(s->Query(select, types, out, BatchLimits{}).ok());
    EXPECT_EQ(out.rows.size(), 2u);
  }
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"n = '1--'", "value '1--' in column n of table t, in the row whose first value is '1', is not an integer"},
      {"r = '1e--5'", "value '1e--5' in column r of table t"},
      {"b = '1''||''0'", "value '1'||'0' in column b of table t"},
      {"b = 2", "value '2' in column b of table t"},
      {"f = 'yes'", "value 'yes' in column f of table t"},
  };
  for (const auto& [set, message] : bad) {
    ASSERT_TRUE(s->Execute("UPDATE t SET n = 5, r = 1.5, b = '0101', f = 1 WHERE id = 1").ok());
    ASSERT_TRUE(s->Execute("UPDATE t SET " + set + " WHERE id = 1").ok()) << set;
    Collect out;
    Status st = s->Query(select, types, out, BatchLimits{});
    EXPECT_EQ(st.code(), ErrorCode::kDataError) << set << ": " << st.ToString();
    EXPECT_NE(st.message().find(message), std::string::npos) << st.ToString();
  }
}

// A default is a literal only when it is one whole literal; the rest are
// expressions (translated or refused as expressions are), not text to write.
TEST(SqliteConnectorTest, DefaultsAreReadWithTheLexer) {
  auto s = Open("defaults.db");
  ASSERT_TRUE(s->Execute("CREATE TABLE d (id INTEGER PRIMARY KEY, a INT DEFAULT '1--', b TEXT DEFAULT ('a' || 'b'), "
                         "c INT DEFAULT -5, e REAL DEFAULT +1.5e3, g TEXT DEFAULT 'it''s', h INT DEFAULT (1--2\n))")
                  .ok());
  auto cat = s->ReadCatalog([](const TableRef&) { return true; });
  ASSERT_TRUE(cat.ok()) << cat.status().ToString();
  const auto& c = cat->tables.at(0).columns;
  EXPECT_EQ(c[1].default_kind, Column::DefaultKind::kLiteral);
  EXPECT_EQ(c[1].default_value, "1--");
  EXPECT_EQ(SqliteDialect().Literal(c[1].type, c[1].default_value), "'1--'") << "a string, not a number";
  EXPECT_EQ(c[2].default_kind, Column::DefaultKind::kExpression) << c[2].default_value;
  EXPECT_EQ(c[3].default_kind, Column::DefaultKind::kLiteral);
  EXPECT_EQ(c[3].default_value, "-5");
  EXPECT_EQ(c[4].default_kind, Column::DefaultKind::kLiteral);
  EXPECT_EQ(c[4].default_value, "1.5e3");
  EXPECT_EQ(c[5].default_kind, Column::DefaultKind::kLiteral);
  EXPECT_EQ(c[5].default_value, "it's");
  // SQLite keeps "(1--2\n)" as "1--2": the number 1 and a comment.
  EXPECT_EQ(c[6].default_kind, Column::DefaultKind::kLiteral);
  EXPECT_EQ(c[6].default_value, "1");
}

// A file an API client names is opened defensively: no ATTACH of another
// file, no path through a symbolic link, no writable schema.
TEST(SqliteConnectorTest, OpensFilesDefensively) {
  auto s = Open("defensive.db");
  EXPECT_FALSE(s->Execute("ATTACH DATABASE ':memory:' AS other").ok());
  ASSERT_TRUE(s->Execute("PRAGMA writable_schema = ON").ok());
  EXPECT_FALSE(s->Execute("UPDATE sqlite_schema SET sql = 'x'").ok());
  s.reset();
  const auto dir = std::filesystem::path(::testing::TempDir());
  std::filesystem::remove(dir / "defensive-link.db");
  std::filesystem::create_symlink(dir / "defensive.db", dir / "defensive-link.db");
  Endpoint ep;
  ep.engine = Engine::kSqlite;
  ep.path = (dir / "defensive-link.db").string();
  auto linked = ConnectSqlite(ep);
  ASSERT_FALSE(linked.ok());
  EXPECT_NE(linked.status().ToString().find("symbolic link"), std::string::npos) << linked.status().ToString();
}

}  // namespace
}  // namespace godwit
