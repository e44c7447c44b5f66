// The MySQL connector against the real MariaDB of the test fixture.
#include <gtest/gtest.h>

#include <thread>

#include "connector/engines.h"
#include "model/row_collector.h"
#include "schema/dialects.h"
#include "test_env.h"

namespace godwit {
namespace {

using testing::MysqlAdmin;
using testing::MysqlUri;
using testing::RecreateMysqlDatabase;

using Collect = RowCollector;

// The rows, then (when `fail` is set) an error instead of the end of input.
class RowsSource : public BatchSource {
 public:
  RowsSource(size_t cols, std::vector<TextRow> rows, bool fail = false) : inner_(cols, std::move(rows)), fail_(fail) {}
  Result<bool> Next(RowBatch& batch) override {
    ASSIGN_OR_RETURN(bool more, inner_.Next(batch));
    if (!more && fail_) return Status(ErrorCode::kReadFailed, "source broke midway");
    return more;
  }

 private:
  RowVectorSource inner_;
  bool fail_;
};

std::unique_ptr<Session> Open(const std::string& db, const std::string& query = "") {
  auto ep = ParseEndpointUri(MysqlUri(db) + query);
  EXPECT_TRUE(ep.ok());
  auto s = ConnectMysql(*ep);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(*s) : nullptr;
}

TEST(MysqlConnectorTest, ConnectErrorsAreClassified) {
  auto bad_pw = ParseEndpointUri(
      "mysql://godwit:wrong-secret@127.0.0.1:" + std::to_string(testing::Servers().mysql_port) + "/mysql");
  auto st = ConnectMysql(*bad_pw).status();
  EXPECT_EQ(st.code(), ErrorCode::kAuthFailed);
  EXPECT_EQ(st.native_code(), "1045");
  EXPECT_EQ(st.ToString().find("wrong-secret"), std::string::npos);
  auto closed = ParseEndpointUri("mysql://godwit:x@127.0.0.1:1/mysql");
  EXPECT_EQ(ConnectMysql(*closed).status().code(), ErrorCode::kHostUnreachable);
  auto unknown = ParseEndpointUri(MysqlUri("no_such_database_here"));
  EXPECT_EQ(ConnectMysql(*unknown).status().code(), ErrorCode::kUnknownDatabase);
}

TEST(MysqlConnectorTest, CatalogReadsEverythingButTemporaryTables) {
  RecreateMysqlDatabase("mc_catalog");
  MysqlAdmin(R"sql(
    CREATE TABLE parent (id INT AUTO_INCREMENT PRIMARY KEY, code VARCHAR(10) NOT NULL, UNIQUE KEY uk_code (code))
      COMMENT 'the parents';
    CREATE TABLE `Child Table` (
      a INT NOT NULL, b VARCHAR(20) NOT NULL DEFAULT 'x''y', doc JSON, price DECIMAL(10,2) CHECK (price >= 0),
      created TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) COMMENT 'when', parent_id INT,
      body TEXT, PRIMARY KEY (a, b), KEY idx_body (body(20)), FULLTEXT KEY ft_body (body),
      CONSTRAINT fk_parent FOREIGN KEY (parent_id) REFERENCES parent (id) ON DELETE CASCADE,
      CONSTRAINT positive_a CHECK (a > 0)
    );
    CREATE VIEW v_parent AS SELECT id, code FROM parent;
  )sql",
             "mc_catalog");
  auto s = Open("mc_catalog");
  ASSERT_TRUE(s->Execute("CREATE TEMPORARY TABLE scratch (x INT)").ok());
  auto cat = s->ReadCatalog([](const TableRef&) { return true; });
  ASSERT_TRUE(cat.ok()) << cat.status().ToString();
  ASSERT_EQ(cat->tables.size(), 2u);
  const TableSchema& child = cat->tables[0];
  EXPECT_EQ(child.ref.name, "Child Table");
  ASSERT_TRUE(child.primary_key);
  EXPECT_EQ(child.primary_key->columns.size(), 2u);
  EXPECT_EQ(child.FindColumn("b")->default_value, "x'y");
  EXPECT_EQ(child.FindColumn("doc")->type.kind, TypeKind::kJson);
  EXPECT_EQ(child.FindColumn("created")->default_kind, Column::DefaultKind::kCurrentTimestamp);
  EXPECT_EQ(child.FindColumn("created")->comment, "when");
  ASSERT_EQ(child.foreign_keys.size(), 1u);
  EXPECT_EQ(child.foreign_keys[0].on_delete, "CASCADE");
  EXPECT_EQ(child.checks.size(), 2u) << "price check and positive_a; json_valid is not a user check";
  int fulltext = 0, prefixed = 0;
  for (auto& i : child.indexes) {
    if (i.kind == IndexKind::kFulltext && i.unsupported_reason.empty()) ++fulltext;
    if (i.name == "idx_body" && i.columns[0].prefix_length == 20) ++prefixed;
  }
  EXPECT_EQ(fulltext, 1);
  EXPECT_EQ(prefixed, 1);
  const TableSchema& parent = cat->tables[1];
  EXPECT_TRUE(parent.FindColumn("id")->auto_increment);
  EXPECT_EQ(parent.comment, "the parents");
  ASSERT_EQ(cat->views.size(), 1u);
  EXPECT_NE(cat->views[0].definition.find("parent"), std::string::npos);

  // The dialect recreates both tables with their indexes and constraints.
  RecreateMysqlDatabase("mc_catalog_copy");
  auto d = Open("mc_catalog_copy");
  const Dialect& dialect = MysqlDialect();
  for (auto t : cat->tables) {
    t.ref.schema = "mc_catalog_copy";
    for (auto& fk : t.foreign_keys) fk.ref_table.schema = "mc_catalog_copy";
    auto ddl = dialect.CreateTable(t);
    ASSERT_TRUE(ddl.ok()) << ddl.status().ToString();
    for (auto& q : *ddl) ASSERT_TRUE(d->Execute(q).ok()) << q;
  }
  for (auto t : cat->tables) {
    t.ref.schema = "mc_catalog_copy";
    for (auto& i : t.indexes) {
      if (i.unsupported_reason.empty()) {
        EXPECT_TRUE(d->Execute(*dialect.CreateIndex(t, i)).ok());
      }
    }
    for (auto& fk : t.foreign_keys) {
      fk.ref_table.schema = "mc_catalog_copy";
      EXPECT_TRUE(d->Execute(*dialect.AddForeignKey(t, fk)).ok());
    }
    for (auto& ck : t.checks) EXPECT_TRUE(d->Execute(*dialect.AddCheck(t, ck)).ok()) << ck.expression;
  }
  Status bad = d->Execute("CREATE TABLE broken (");
  EXPECT_EQ(bad.code(), ErrorCode::kDdlFailed);
  EXPECT_EQ(bad.native_code(), "1064");
}

TEST(MysqlConnectorTest, BulkLoadAndQueryRoundTripEdgeValues) {
  RecreateMysqlDatabase("mc_values");
  MysqlAdmin(
      "CREATE TABLE v (id INT PRIMARY KEY, u BIGINT UNSIGNED, d DECIMAL(40,20), f FLOAT, g DOUBLE, "
      "s VARCHAR(50), b LONGBLOB, ts TIMESTAMP(6) NULL, bits BIT(10), e ENUM('x','y'), j JSON)",
      "mc_values");
  auto s = Open("mc_values");
  auto cat = s->ReadCatalog([](const TableRef&) { return true; });
  ASSERT_TRUE(cat.ok());
  const TableSchema& t = cat->tables[0];
  std::string big_blob(1 << 20, '\0');
  for (size_t i = 0; i < big_blob.size(); ++i) big_blob[i] = static_cast<char>(i * 7);
  std::vector<std::vector<std::optional<std::string>>> rows = {
      {"1", "18446744073709551615", "12345678901234567890.12345678901234567890", "1.2345677614212036",
       "1.7976931348623157e308", "😀\ttab\nnl\\", big_blob, "2038-01-19 03:14:07.999999", "1010101010", "y",
       R"({"k": [1, 2]})"},
      {"2", "0", "-0.00000000000000000001", "-3.25", "0.1", "", "", "1970-01-01 00:00:01.000000", "0000000000", "x",
       "[]"},
      {"3", std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt,
       std::nullopt, std::nullopt, std::nullopt},
  };
  RowsSource src(t.columns.size(), rows);
  Status st = s->BulkLoad(t, {}, src);
  ASSERT_TRUE(st.ok()) << st.ToString();
  std::vector<ColumnType> types;
  std::string cols;
  for (auto& c : t.columns) {
    types.push_back(c.type);
    cols += (cols.empty() ? "" : ", ") + MysqlDialect().SelectExpr(c);
  }
  Collect out;
  ASSERT_TRUE(s->Query("SELECT " + cols + " FROM v ORDER BY id", types, out, BatchLimits{2, 1 << 20}).ok());
  ASSERT_EQ(out.rows.size(), 3u);
  EXPECT_EQ(out.batches, 2);
  for (size_t r = 0; r < 3; ++r) {
    for (size_t c = 0; c < rows[r].size(); ++c) {
      if (t.columns[c].name == "j" && rows[r][c]) continue;  // compared below, MariaDB keeps the text
      EXPECT_EQ(out.rows[r][c], rows[r][c]) << "row " << r << " column " << t.columns[c].name;
    }
  }
  EXPECT_EQ(out.rows[0][10], rows[0][10]);

  // A failing source leaves nothing, and pre_sql ran in the same transaction.
  RowsSource broken(t.columns.size(), {{"9", "1", "1", "1", "1", "a", "b", std::nullopt, "0000000001", "x", "1"}},
                    true);
  EXPECT_EQ(s->BulkLoad(t, std::vector<std::string>{"DELETE FROM v"}, broken).code(), ErrorCode::kReadFailed);
  Collect count;
  ColumnType i;
  i.kind = TypeKind::kInt64;
  ASSERT_TRUE(s->Query("SELECT COUNT(*) FROM v", std::span<const ColumnType>(&i, 1), count, BatchLimits{}).ok());
  EXPECT_EQ(count.rows[0][0], "3");
  // A value MySQL would alter fails the load instead of being altered.
  RowsSource too_long(t.columns.size(),
                      {{"10", "1", "1", "1", "1", std::string(60, 'x'), "", std::nullopt, "0000000001", "x", "1"}});
  EXPECT_FALSE(s->BulkLoad(t, {}, too_long).ok());
}

TEST(MysqlConnectorTest, ZeroDatesFailUnlessMappedToNull) {
  RecreateMysqlDatabase("mc_zero");
  MysqlAdmin(
      "SET SESSION sql_mode=''; CREATE TABLE z (id INT PRIMARY KEY, d DATE); INSERT INTO z VALUES (7, '0000-00-00');",
      "mc_zero");
  ColumnType it, dt;
  it.kind = TypeKind::kInt32;
  dt.kind = TypeKind::kDate;
  std::vector<ColumnType> types = {it, dt};
  Collect out;
  Status st = Open("mc_zero")->Query("SELECT id, d FROM z", types, out, BatchLimits{});
  EXPECT_EQ(st.code(), ErrorCode::kDataError);
  EXPECT_NE(st.message().find("'7'"), std::string::npos) << st.message();
  Collect mapped;
  ASSERT_TRUE(Open("mc_zero", "?zero_date=null")->Query("SELECT id, d FROM z", types, mapped, BatchLimits{}).ok());
  EXPECT_FALSE(mapped.rows[0][1].has_value());
}

TEST(MysqlConnectorTest, SnapshotHidesLaterWritesAndRecordsPosition) {
  RecreateMysqlDatabase("mc_snap");
  MysqlAdmin("CREATE TABLE s (id INT PRIMARY KEY); INSERT INTO s VALUES (1), (2);", "mc_snap");
  auto coordinator = Open("mc_snap");
  auto lease = coordinator->ExportSnapshot({});
  ASSERT_TRUE(lease.ok()) << lease.status().ToString();
  auto* pos = std::get_if<MysqlBinlogPos>(&(*lease)->position());
  ASSERT_NE(pos, nullptr) << "binary logging is on in the test server";
  EXPECT_FALSE(pos->file.empty());
  auto r1 = Open("mc_snap");
  auto r2 = Open("mc_snap");
  ASSERT_TRUE(r1->JoinSnapshot(**lease).ok());
  ASSERT_TRUE(r2->JoinSnapshot(**lease).ok());
  ASSERT_TRUE((*lease)->Release().ok());
  MysqlAdmin("INSERT INTO s VALUES (3);", "mc_snap");
  ColumnType i;
  i.kind = TypeKind::kInt64;
  for (auto* r : {r1.get(), r2.get()}) {
    Collect c;
    ASSERT_TRUE(r->Query("SELECT COUNT(*) FROM s", std::span<const ColumnType>(&i, 1), c, BatchLimits{}).ok());
    EXPECT_EQ(c.rows[0][0], "2");
    ASSERT_TRUE(r->EndSnapshot().ok());
  }
}

}  // namespace
}  // namespace godwit
