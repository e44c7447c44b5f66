// The PostgreSQL connector against the real PostgreSQL 15 servers of the
// `databases` fixture.
#include <gtest/gtest.h>

#include <chrono>
#include <ctime>
#include <cstdio>
#include <optional>

#include "connector/engines.h"
#include "connector/postgres/postgres_connector.h"
#include "schema/dialects.h"
#include "schema/postgres_dialect.h"
#include "test_env.h"

namespace godwit {
namespace {

using testing::PgAdmin;
using testing::Servers;
using Row = std::vector<std::optional<std::string>>;

Endpoint Ep(const std::string& uri) {
  auto ep = ParseEndpointUri(uri);
  EXPECT_TRUE(ep.ok()) << ep.status().ToString();
  return *ep;
}

std::unique_ptr<Session> Open(const std::string& uri) {
  auto s = ConnectPostgres(Ep(uri));
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(s).value() : nullptr;
}

class Collect final : public BatchConsumer {
 public:
  Status Consume(RowBatch& batch) override {
    ++batches;
    for (size_t r = 0; r < batch.rows(); ++r) {
      Row row;
      for (const Value& v : batch.row(r)) {
        row.push_back(v.is_null() ? std::nullopt : std::optional<std::string>(std::string(v.bytes())));
      }
      rows.push_back(std::move(row));
    }
    return Status::Ok();
  }
  std::vector<Row> rows;
  int batches = 0;
};

// Hands out `rows` in batches of `per_batch`; fails instead of the batch
// number `fail_at` when set.
class RowsSource final : public BatchSource {
 public:
  RowsSource(std::vector<Row> rows, size_t per_batch, int fail_at = -1)
      : rows_(std::move(rows)), per_batch_(per_batch), fail_at_(fail_at) {}
  Result<bool> Next(RowBatch& batch) override {
    if (batch_no_++ == fail_at_) return Status(ErrorCode::kReadFailed, "source broke on purpose");
    if (at_ >= rows_.size()) return false;
    batch.Clear(rows_[0].size());
    for (size_t n = 0; n < per_batch_ && at_ < rows_.size(); ++n, ++at_) {
      for (const auto& v : rows_[at_]) {
        if (v)
          batch.Add(*v);
        else
          batch.AddNull();
      }
    }
    return true;
  }

 private:
  std::vector<Row> rows_;
  size_t per_batch_;
  int fail_at_;
  int batch_no_ = 0;
  size_t at_ = 0;
};

std::vector<Row> QueryRows(Session& s, const std::string& sql, std::vector<ColumnType> types) {
  Collect c;
  Status st = s.Query(sql, types, c, BatchLimits{});
  EXPECT_TRUE(st.ok()) << st.ToString();
  return c.rows;
}

std::string Count(Session& s, const std::string& table) {
  auto rows = QueryRows(s, "SELECT count(*) FROM " + table, {TypeOf(TypeKind::kInt64)});
  return rows.empty() ? "?" : *rows[0][0];
}

void ExpectNoPassword(const Status& s) {
  for (const std::string& text : {s.message(), s.hint(), s.ToString()}) {
    EXPECT_EQ(text.find("godwit-pw"), std::string::npos) << text;
    EXPECT_EQ(text.find("Wr0ng-Secret"), std::string::npos) << text;
  }
}

TEST(PostgresConnect, ErrorsAreClassified) {
  const int port = Servers().pg_source_port;
  auto bad_pw = ConnectPostgres(Ep("postgresql://godwit:Wr0ng-Secret@127.0.0.1:" + std::to_string(port) + "/postgres"));
  ASSERT_FALSE(bad_pw.ok());
  EXPECT_EQ(bad_pw.status().code(), ErrorCode::kAuthFailed) << bad_pw.status().ToString();
  EXPECT_EQ(bad_pw.status().native_code(), "28P01");
  ExpectNoPassword(bad_pw.status());

  auto no_db = ConnectPostgres(Ep(testing::PgSourceUri("no_such_database_here")));
  ASSERT_FALSE(no_db.ok());
  EXPECT_EQ(no_db.status().code(), ErrorCode::kUnknownDatabase) << no_db.status().ToString();
  EXPECT_EQ(no_db.status().native_code(), "3D000");
  ExpectNoPassword(no_db.status());

  // A port nothing listens on: find one by asking the kernel.
  auto closed = ConnectPostgres(Ep("postgresql://godwit:godwit-pw@127.0.0.1:1/postgres"));
  ASSERT_FALSE(closed.ok());
  EXPECT_EQ(closed.status().code(), ErrorCode::kHostUnreachable) << closed.status().ToString();
  EXPECT_TRUE(closed.status().retryable());
  ExpectNoPassword(closed.status());

  auto bad_option = ConnectPostgres(Ep(testing::PgSourceUri("postgres") + "?no_such_option=1"));
  ASSERT_FALSE(bad_option.ok());
  EXPECT_EQ(bad_option.status().code(), ErrorCode::kInvalidArgument);

  auto ok = ConnectPostgres(Ep(testing::PgSourceUri("postgres") + "?sslmode=disable&application_name=gw_test"));
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ((*ok)->engine(), Engine::kPostgres);
  EXPECT_EQ((*ok)->default_schema(), "public");
}

class PostgresConnectorTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    testing::RecreatePgDatabase(Servers().pg_source_port, "gw_pg_src");
    testing::RecreatePgDatabase(Servers().pg_dest_port, "gw_pg_dst");
  }
  void SrcAdmin(const std::string& sql) { PgAdmin(Servers().pg_source_port, sql, "gw_pg_src"); }
  void DstAdmin(const std::string& sql) { PgAdmin(Servers().pg_dest_port, sql, "gw_pg_dst"); }
  std::string SrcUri() { return testing::PgSourceUri("gw_pg_src"); }
  std::string DstUri() { return testing::PgDestUri("gw_pg_dst"); }
};

TEST_F(PostgresConnectorTest, ReadCatalog) {
  SrcAdmin(R"sql(
    DROP SCHEMA IF EXISTS app CASCADE;
    CREATE SCHEMA app;
    CREATE TYPE app.mood AS ENUM ('sad', 'ok', 'happy');
    CREATE TABLE app.parent (id int PRIMARY KEY, code text UNIQUE);
    CREATE TABLE app.everything (
      id bigserial PRIMARY KEY,
      ident int GENERATED BY DEFAULT AS IDENTITY,
      b boolean NOT NULL DEFAULT true,
      i2 smallint DEFAULT -1, i4 integer, i8 bigint,
      n numeric(12,4) DEFAULT 3.5, nu numeric,
      r real, d double precision,
      c character(5), vc varchar(20) DEFAULT 'it''s', vcu varchar, t text,
      by bytea DEFAULT '\x0102',
      dt date, tm time(3), ts timestamp(2) DEFAULT now(), tz timestamptz DEFAULT CURRENT_TIMESTAMP,
      tzl timestamptz DEFAULT '2024-01-01 10:00:00+02',
      j json, jb jsonb, u uuid, bt bit(4) DEFAULT B'0101', vb bit varying(8),
      m app.mood DEFAULT 'ok', iv interval, arr int[], expr_default text DEFAULT lower('X'),
      parent_id int, qty int NOT NULL,
      CONSTRAINT qty_positive CHECK (qty > 0 AND qty < 1000),
      CONSTRAINT qty_nn CHECK (qty IS NOT NULL),
      CONSTRAINT fk_parent FOREIGN KEY (parent_id) REFERENCES app.parent(id) ON DELETE CASCADE ON UPDATE SET NULL
    );
    CREATE UNIQUE INDEX everything_vc_key ON app.everything (vc);
    CREATE INDEX everything_multi ON app.everything (i4, ts DESC);
    CREATE INDEX everything_expr ON app.everything (lower(t));
    CREATE INDEX everything_partial ON app.everything (i8) WHERE i8 > 0;
    CREATE INDEX everything_gin ON app.everything USING gin (jb);
    COMMENT ON TABLE app.everything IS 'all the types';
    COMMENT ON COLUMN app.everything.t IS 'free text';
    CREATE VIEW app.v_everything AS SELECT id, t FROM app.everything WHERE b;
    COMMENT ON VIEW app.v_everything IS 'a view';
    CREATE TABLE app.parted (id int PRIMARY KEY, k int) PARTITION BY RANGE (id);
    CREATE TABLE app.parted_1 PARTITION OF app.parted FOR VALUES FROM (0) TO (100);
    INSERT INTO app.parted SELECT g, g FROM generate_series(0, 99) g;
    INSERT INTO app.parent SELECT g, 'code' || g FROM generate_series(1, 50) g;
    ANALYZE app.parent; ANALYZE app.parted_1;
  )sql");
  auto s = Open(SrcUri());
  ASSERT_TRUE(s);
  // A temporary table exists only for its session: create it on the
  // session that reads the catalog.
  ASSERT_TRUE(s->Execute("CREATE TEMP TABLE scratch_tmp (a int)").ok());
  auto cat = s->ReadCatalog([](const TableRef& r) { return r.schema == "app" || r.schema.rfind("pg_temp", 0) == 0; });
  ASSERT_TRUE(cat.ok()) << cat.status().ToString();

  std::vector<std::string> names;
  for (const auto& t : cat->tables) names.push_back(t.ref.ToString());
  EXPECT_EQ(names, (std::vector<std::string>{"app.everything", "app.parent", "app.parted"}));
  ASSERT_EQ(cat->views.size(), 1u);
  EXPECT_EQ(cat->views[0].ref.ToString(), "app.v_everything");
  EXPECT_NE(cat->views[0].definition.find("SELECT"), std::string::npos);
  EXPECT_NE(cat->views[0].definition.find("everything"), std::string::npos);
  EXPECT_EQ(cat->views[0].definition.back(), 'b');  // no trailing ';'
  EXPECT_EQ(cat->views[0].comment, "a view");

  const TableSchema& e = cat->tables[0];
  EXPECT_EQ(e.comment, "all the types");
  auto col = [&](const char* name) -> const Column& {
    const Column* c = e.FindColumn(name);
    EXPECT_NE(c, nullptr) << name;
    static const Column kNone;
    return c ? *c : kNone;
  };
  using K = Column::DefaultKind;
  EXPECT_EQ(col("id").type.kind, TypeKind::kInt64);
  EXPECT_TRUE(col("id").auto_increment);
  EXPECT_EQ(col("id").default_kind, K::kNone);
  EXPECT_FALSE(col("id").nullable);
  EXPECT_TRUE(col("ident").auto_increment);
  EXPECT_EQ(col("b").type.kind, TypeKind::kBool);
  EXPECT_FALSE(col("b").nullable);
  EXPECT_EQ(col("b").default_kind, K::kLiteral);
  EXPECT_EQ(col("b").default_value, "1");
  EXPECT_EQ(col("i2").type.kind, TypeKind::kInt16);
  EXPECT_EQ(col("i2").default_value, "-1");
  EXPECT_EQ(col("i4").type.kind, TypeKind::kInt32);
  EXPECT_EQ(col("i8").type.kind, TypeKind::kInt64);
  EXPECT_EQ(col("n").type.kind, TypeKind::kDecimal);
  EXPECT_EQ(col("n").type.precision, 12u);
  EXPECT_EQ(col("n").type.scale, 4u);
  EXPECT_EQ(col("n").default_value, "3.5");
  EXPECT_EQ(col("nu").type.precision, 0u);
  EXPECT_EQ(col("r").type.kind, TypeKind::kFloat);
  EXPECT_EQ(col("d").type.kind, TypeKind::kDouble);
  EXPECT_EQ(col("c").type.kind, TypeKind::kChar);
  EXPECT_EQ(col("c").type.length, 5u);
  EXPECT_EQ(col("vc").type.kind, TypeKind::kVarchar);
  EXPECT_EQ(col("vc").type.length, 20u);
  EXPECT_EQ(col("vc").default_value, "it's");
  EXPECT_EQ(col("vcu").type.length, 0u);
  EXPECT_EQ(col("t").type.kind, TypeKind::kText);
  EXPECT_EQ(col("t").comment, "free text");
  EXPECT_EQ(col("by").type.kind, TypeKind::kBlob);
  EXPECT_EQ(col("by").default_value, std::string("\x01\x02"));
  EXPECT_EQ(col("dt").type.kind, TypeKind::kDate);
  EXPECT_EQ(col("tm").type.kind, TypeKind::kTime);
  EXPECT_EQ(col("tm").type.fsp, 3u);
  EXPECT_EQ(col("ts").type.kind, TypeKind::kDateTime);
  EXPECT_EQ(col("ts").type.fsp, 2u);
  EXPECT_EQ(col("ts").default_kind, K::kCurrentTimestamp);
  EXPECT_EQ(col("tz").type.kind, TypeKind::kTimestampTz);
  EXPECT_EQ(col("tz").type.fsp, 6u);
  EXPECT_EQ(col("tz").default_kind, K::kCurrentTimestamp);
  EXPECT_EQ(col("tzl").default_kind, K::kLiteral);
  EXPECT_EQ(col("tzl").default_value, "2024-01-01 08:00:00");
  EXPECT_EQ(col("j").type.kind, TypeKind::kJson);
  EXPECT_EQ(col("j").type.native, "json");
  EXPECT_EQ(col("jb").type.native, "jsonb");
  EXPECT_EQ(col("u").type.kind, TypeKind::kUuid);
  EXPECT_EQ(col("bt").type.kind, TypeKind::kBit);
  EXPECT_EQ(col("bt").type.length, 4u);
  EXPECT_EQ(col("bt").default_value, "0101");
  EXPECT_EQ(col("vb").type.native, "bit varying(8)");
  EXPECT_EQ(col("m").type.kind, TypeKind::kEnum);
  EXPECT_EQ(col("m").type.labels, (std::vector<std::string>{"sad", "ok", "happy"}));
  EXPECT_EQ(col("m").default_value, "ok");
  EXPECT_EQ(col("iv").type.kind, TypeKind::kNative);
  EXPECT_EQ(col("iv").type.native, "interval");
  EXPECT_EQ(col("arr").type.native, "integer[]");
  EXPECT_EQ(col("expr_default").default_kind, K::kExpression);
  EXPECT_EQ(col("expr_default").default_value, "lower('X'::text)");

  ASSERT_TRUE(e.primary_key.has_value());
  EXPECT_EQ(e.primary_key->name, "everything_pkey");
  ASSERT_EQ(e.primary_key->columns.size(), 1u);
  EXPECT_EQ(e.primary_key->columns[0].name, "id");
  std::map<std::string, IndexDef> idx;
  for (const auto& i : e.indexes) idx[i.name] = i;
  ASSERT_EQ(idx.size(), 5u);
  EXPECT_TRUE(idx["everything_vc_key"].unique);
  EXPECT_TRUE(idx["everything_vc_key"].unsupported_reason.empty());
  ASSERT_EQ(idx["everything_multi"].columns.size(), 2u);
  EXPECT_FALSE(idx["everything_multi"].unique);
  EXPECT_EQ(idx["everything_multi"].columns[0].name, "i4");
  EXPECT_FALSE(idx["everything_multi"].columns[0].descending);
  EXPECT_EQ(idx["everything_multi"].columns[1].name, "ts");
  EXPECT_TRUE(idx["everything_multi"].columns[1].descending);
  EXPECT_EQ(idx["everything_expr"].unsupported_reason.rfind("expression index: CREATE INDEX", 0), 0u);
  EXPECT_EQ(idx["everything_partial"].unsupported_reason.rfind("partial index: ", 0), 0u);
  EXPECT_EQ(idx["everything_gin"].unsupported_reason.rfind("gin index method: ", 0), 0u);

  ASSERT_EQ(e.foreign_keys.size(), 1u);
  const ForeignKey& fk = e.foreign_keys[0];
  EXPECT_EQ(fk.name, "fk_parent");
  EXPECT_EQ(fk.columns, std::vector<std::string>{"parent_id"});
  EXPECT_EQ(fk.ref_table.ToString(), "app.parent");
  EXPECT_EQ(fk.ref_columns, std::vector<std::string>{"id"});
  EXPECT_EQ(fk.on_delete, "CASCADE");
  EXPECT_EQ(fk.on_update, "SET NULL");

  ASSERT_EQ(e.checks.size(), 1u);  // qty_nn only repeats NOT NULL
  EXPECT_EQ(e.checks[0].name, "qty_positive");
  EXPECT_EQ(e.checks[0].expression, "(qty > 0) AND (qty < 1000)");

  const TableSchema& parent = cat->tables[1];
  EXPECT_EQ(parent.estimated_rows, 50);
  EXPECT_GT(parent.estimated_bytes, 0);
  ASSERT_EQ(parent.indexes.size(), 1u);
  EXPECT_EQ(parent.indexes[0].name, "parent_code_key");
  EXPECT_TRUE(parent.indexes[0].unique);
  const TableSchema& parted = cat->tables[2];
  EXPECT_EQ(parted.estimated_rows, 100);
  EXPECT_GT(parted.estimated_bytes, 0);
  EXPECT_TRUE(parted.primary_key.has_value());
  EXPECT_EQ(e.estimated_rows, 0);  // never analysed

  // The filter decides.
  auto only_parent = s->ReadCatalog([](const TableRef& r) { return r.name == "parent"; });
  ASSERT_TRUE(only_parent.ok());
  ASSERT_EQ(only_parent->tables.size(), 1u);
  EXPECT_TRUE(only_parent->views.empty());
}

TEST_F(PostgresConnectorTest, QueryReturnsCanonicalText) {
  auto s = Open(SrcUri());
  ASSERT_TRUE(s);
  std::vector<ColumnType> types;
  std::vector<std::string> exprs;
  std::vector<std::optional<std::string>> expect;
  auto add = [&](TypeKind k, std::string expr, std::optional<std::string> want) {
    types.push_back(TypeOf(k));
    exprs.push_back(std::move(expr));
    expect.push_back(std::move(want));
  };
  add(TypeKind::kInt16, "'-32768'::smallint", "-32768");
  add(TypeKind::kInt16, "32767::smallint", "32767");
  add(TypeKind::kInt32, "'-2147483648'::int", "-2147483648");
  add(TypeKind::kInt64, "'-9223372036854775808'::bigint", "-9223372036854775808");
  add(TypeKind::kInt64, "9223372036854775807::bigint", "9223372036854775807");
  add(TypeKind::kDecimal, "'-123456789012345678901234567890.123456789'::numeric",
      "-123456789012345678901234567890.123456789");
  add(TypeKind::kDecimal, "'NaN'::numeric", "NaN");
  add(TypeKind::kDecimal, "1.50::numeric(5,2)", "1.50");
  add(TypeKind::kDouble, "'NaN'::float8", "NaN");
  add(TypeKind::kDouble, "'Infinity'::float8", "Infinity");
  add(TypeKind::kFloat, "'-Infinity'::float4", "-Infinity");
  add(TypeKind::kDouble, "0.1::float8", "0.1");
  add(TypeKind::kDouble, "1e300::float8", "1e+300");
  add(TypeKind::kFloat, "3.4028235e38::float4", "3.4028235e+38");
  add(TypeKind::kText, "''::text", "");
  add(TypeKind::kText, "NULL::text", std::nullopt);
  add(TypeKind::kText, "'😀 ünï'::text", "😀 ünï");
  add(TypeKind::kText, "E'tab\\there\\nnew\\\\back\\rcr'", "tab\there\nnew\\back\rcr");
  add(TypeKind::kBlob, "'\\x00ff0a5c09'::bytea", std::string("\x00\xff\n\\\t", 5));
  add(TypeKind::kBlob, "''::bytea", "");
  add(TypeKind::kBool, "true", "1");
  add(TypeKind::kBool, "false", "0");
  add(TypeKind::kDate, "'2024-02-29'::date", "2024-02-29");
  add(TypeKind::kDate, "'infinity'::date", "infinity");
  add(TypeKind::kDate, "'0044-03-15 BC'::date", "0044-03-15 BC");
  add(TypeKind::kTime, "'23:59:59.123456'::time", "23:59:59.123456");
  add(TypeKind::kDateTime, "'2024-02-29 23:59:59.999999'::timestamp", "2024-02-29 23:59:59.999999");
  add(TypeKind::kTimestampTz, "'2024-02-29 23:59:59.5+02'::timestamptz", "2024-02-29 21:59:59.5");
  add(TypeKind::kTimestampTz, "'2024-06-01 00:00:00 America/New_York'::timestamptz", "2024-06-01 04:00:00");
  add(TypeKind::kTimestampTz, "'-infinity'::timestamptz", "-infinity");
  add(TypeKind::kJson, "'{\"a\": [1, 2]}'::jsonb", "{\"a\": [1, 2]}");
  add(TypeKind::kUuid, "'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'::uuid", "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
  add(TypeKind::kBit, "B'0101'::bit(4)", "0101");
  add(TypeKind::kNative, "'1 year 2 mons 3 days 04:05:06'::interval", "P1Y2M3DT4H5M6S");
  std::string sql = "SELECT ";
  for (size_t i = 0; i < exprs.size(); ++i) sql += (i ? ", " : "") + exprs[i];
  auto rows = QueryRows(*s, sql, types);
  ASSERT_EQ(rows.size(), 1u);
  ASSERT_EQ(rows[0].size(), expect.size());
  for (size_t i = 0; i < expect.size(); ++i) EXPECT_EQ(rows[0][i], expect[i]) << exprs[i];

  // A 1 MiB blob with every byte value, NULs included.
  std::string blob;
  for (int i = 0; i < (1 << 20); ++i) blob.push_back(static_cast<char>(i * 7 % 256));
  SrcAdmin(
      "DROP TABLE IF EXISTS blobs; CREATE TABLE blobs (id int, b bytea);"
      "INSERT INTO blobs SELECT 1, string_agg(set_byte('\\x00'::bytea, 0, (g * 7) % 256), ''::bytea ORDER BY g) "
      "FROM generate_series(0, 1048575) g;");
  auto blobs = QueryRows(*s, "SELECT id, b FROM blobs", {TypeOf(TypeKind::kInt32), TypeOf(TypeKind::kBlob)});
  ASSERT_EQ(blobs.size(), 1u);
  ASSERT_TRUE(blobs[0][1].has_value());
  EXPECT_EQ(blobs[0][1]->size(), blob.size());
  EXPECT_TRUE(*blobs[0][1] == blob);

  // Batches respect the limits; a failing query reports the server's error.
  Collect c;
  ASSERT_TRUE(s->Query("SELECT g FROM generate_series(1, 1000) g", std::vector<ColumnType>{TypeOf(TypeKind::kInt32)}, c,
                       BatchLimits{100, 1 << 20})
                  .ok());
  EXPECT_EQ(c.rows.size(), 1000u);
  EXPECT_EQ(c.batches, 10);
  Collect bad;
  Status st = s->Query("SELECT 1 / (g - 500) FROM generate_series(1, 1000) g",
                       std::vector<ColumnType>{TypeOf(TypeKind::kInt32)}, bad, BatchLimits{100, 1 << 20});
  EXPECT_EQ(st.code(), ErrorCode::kReadFailed);
  EXPECT_EQ(st.native_code(), "22012");
  Status missing = s->Query("SELECT * FROM no_such_table", std::vector<ColumnType>{TypeOf(TypeKind::kInt32)}, bad, {});
  EXPECT_EQ(missing.code(), ErrorCode::kNotFound);
  EXPECT_EQ(missing.native_code(), "42P01");

  // A consumer error stops the read and the session stays usable.
  class Stop final : public BatchConsumer {
   public:
    Status Consume(RowBatch&) override { return Status(ErrorCode::kCancelled, "enough"); }
  } stop;
  Status stopped = s->Query("SELECT g FROM generate_series(1, 2000000) g",
                            std::vector<ColumnType>{TypeOf(TypeKind::kInt32)}, stop, BatchLimits{10, 1 << 20});
  EXPECT_EQ(stopped.code(), ErrorCode::kCancelled);
  EXPECT_EQ(stopped.message(), "enough");
  EXPECT_EQ(Count(*s, "blobs"), "1");
}

// Creates the all-kinds table on the destination and returns its schema
// as the catalog reader sees it.
TableSchema AllKindsTable(Session& s, const std::string& name) {
  auto cat = s.ReadCatalog([&](const TableRef& r) { return r.name == name; });
  EXPECT_TRUE(cat.ok()) << cat.status().ToString();
  EXPECT_EQ(cat->tables.size(), 1u);
  return cat->tables.empty() ? TableSchema{} : cat->tables[0];
}

TEST_F(PostgresConnectorTest, BulkLoadAllKindsReadsBackEqual) {
  DstAdmin(R"sql(
    DROP TABLE IF EXISTS kinds; DROP TYPE IF EXISTS color;
    CREATE TYPE color AS ENUM ('red', 'green');
    CREATE TABLE kinds (id int PRIMARY KEY, b boolean, i2 smallint, i4 int, i8 bigint, n numeric(40,10), nu numeric,
      r real, d double precision, c char(5), vc varchar(10), t text, by bytea, dt date, tm time(6),
      ts timestamp(6), tz timestamptz(6), j jsonb, u uuid, bt bit(4), vb varbit(8), e color, iv interval);
  )sql");
  auto s = Open(DstUri());
  ASSERT_TRUE(s);
  TableSchema t = AllKindsTable(*s, "kinds");
  ASSERT_EQ(t.columns.size(), 23u);
  std::string blob;
  for (int i = 0; i < (1 << 20); ++i) blob.push_back(static_cast<char>((i * 13) % 256));
  std::vector<Row> rows = {
      {"1",
       "1",
       "-32768",
       "-2147483648",
       "-9223372036854775808",
       "-123456789012345678901234567890.0123456789",
       "NaN",
       "NaN",
       "Infinity",
       "abcde",
       "😀tab\tnl",
       "line\nret\rback\\slash",
       std::string("\x00\x01\xff\\", 4),
       "2024-02-29",
       "23:59:59.999999",
       "2024-02-29 23:59:59.999999",
       "1999-12-31 23:59:59.000001",
       "{\"a\": [1, \"x\\ty\"]}",
       "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
       "0101",
       "101",
       "green",
       "P1Y2M3DT4H5M6S"},
      {"2",
       "0",
       "32767",
       "2147483647",
       "9223372036854775807",
       "0.0000000001",
       "12345678901234567890123456789012345",
       "-Infinity",
       "2.2250738585072014e-308",
       "     ",
       "",
       "",
       "",
       "0044-03-15 BC",
       "00:00:00",
       "infinity",
       "0044-03-15 12:00:00 BC",
       "{}",
       "00000000-0000-0000-0000-000000000000",
       "1111",
       "",
       "red",
       "PT0S"},
      {"3",          std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt,
       std::nullopt, std::nullopt, std::nullopt, std::nullopt, blob,         std::nullopt, std::nullopt, std::nullopt,
       std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt},
  };
  RowsSource src(rows, 2);
  Status st = s->BulkLoad(t, {}, src);
  ASSERT_TRUE(st.ok()) << st.ToString();

  std::vector<ColumnType> types;
  std::string sql = "SELECT ";
  for (size_t i = 0; i < t.columns.size(); ++i) {
    types.push_back(t.columns[i].type);
    sql += (i ? ", " : "") + PostgresDialect().SelectExpr(t.columns[i]);
  }
  sql += " FROM kinds ORDER BY id";
  auto back = QueryRows(*s, sql, types);
  ASSERT_EQ(back.size(), rows.size());
  for (size_t r = 0; r < rows.size(); ++r) {
    for (size_t c = 0; c < rows[r].size(); ++c) {
      EXPECT_TRUE(back[r][c] == rows[r][c])
          << "row " << r << " column " << t.columns[c].name << ": got " << back[r][c].value_or("NULL").substr(0, 80);
    }
  }
}

TEST_F(PostgresConnectorTest, BulkLoadIsAtomicWithPreSql) {
  DstAdmin(
      "DROP TABLE IF EXISTS atomic; CREATE TABLE atomic (id int PRIMARY KEY, v text);"
      "INSERT INTO atomic VALUES (1, 'one'), (2, 'two'), (3, 'three');");
  auto s = Open(DstUri());
  ASSERT_TRUE(s);
  TableSchema t = AllKindsTable(*s, "atomic");
  std::vector<Row> many;
  for (int i = 4; i < 20000; ++i) many.push_back({std::to_string(i), std::string(100, 'x')});

  // The source fails after two batches (more than 1 MiB already sent).
  RowsSource failing(many, 6000, 2);
  Status st = s->BulkLoad(t, std::vector<std::string>{"DELETE FROM atomic WHERE id <= 3"}, failing);
  EXPECT_EQ(st.code(), ErrorCode::kReadFailed);
  EXPECT_EQ(st.message(), "source broke on purpose");
  EXPECT_EQ(Count(*s, "atomic"), "3");  // pre_sql rolled back with the rows

  // A constraint violation: nothing of the load stays.
  RowsSource dup({{"10", "a"}, {"2", "dup"}}, 10);
  Status dup_st = s->BulkLoad(t, std::vector<std::string>{"DELETE FROM atomic WHERE id = 1"}, dup);
  EXPECT_EQ(dup_st.code(), ErrorCode::kWriteFailed);
  EXPECT_EQ(dup_st.native_code(), "23505");
  EXPECT_EQ(Count(*s, "atomic"), "3");

  // Success: pre_sql and rows in one transaction.
  RowsSource good({{"10", "ten"}, {"11", std::nullopt}}, 1);
  ASSERT_TRUE(s->BulkLoad(t, std::vector<std::string>{"DELETE FROM atomic WHERE id = 1"}, good).ok());
  auto ids = QueryRows(*s, "SELECT string_agg(id::text, ',' ORDER BY id) FROM atomic", {TypeOf(TypeKind::kText)});
  EXPECT_EQ(ids[0][0], "2,3,10,11");

  // A violation the server finds while rows are still streaming in.
  std::vector<Row> late_dup;
  for (int i = 100; i < 30000; ++i) late_dup.push_back({std::to_string(i), std::string(100, 'y')});
  late_dup.insert(late_dup.begin() + 10, Row{"3", "dup"});
  RowsSource streaming(late_dup, 4096);
  Status streaming_st = s->BulkLoad(t, {}, streaming);
  EXPECT_EQ(streaming_st.code(), ErrorCode::kWriteFailed);
  EXPECT_EQ(streaming_st.native_code(), "23505");
  EXPECT_EQ(Count(*s, "atomic"), "4");

  // Bad pre_sql fails the load before any row.
  RowsSource more({{"12", "x"}}, 1);
  Status pre = s->BulkLoad(t, std::vector<std::string>{"DELETE FROM no_such_table"}, more);
  EXPECT_EQ(pre.code(), ErrorCode::kNotFound);
  EXPECT_EQ(Count(*s, "atomic"), "4");
}

TEST_F(PostgresConnectorTest, SnapshotsAreSharedAndConsistent) {
  SrcAdmin("DROP TABLE IF EXISTS snap; CREATE TABLE snap (id int); INSERT INTO snap VALUES (1), (2), (3);");
  auto owner = Open(SrcUri());
  auto a = Open(SrcUri());
  auto b = Open(SrcUri());
  ASSERT_TRUE(owner && a && b);

  for (bool with_slot : {false, true}) {
    SCOPED_TRACE(with_slot ? "with slot" : "plain");
    SnapshotOptions opts;
    if (with_slot) {
      opts.replication_slot = "godwit_test_slot";
      pg::DropReplicationSlot(Ep(SrcUri()), opts.replication_slot).IgnoreError();
    }
    auto lease = owner->ExportSnapshot(opts);
    ASSERT_TRUE(lease.ok()) << lease.status().ToString();
    ASSERT_FALSE((*lease)->token().empty());
    const auto* pos = std::get_if<PgLsnPos>(&(*lease)->position());
    ASSERT_NE(pos, nullptr);
    EXPECT_NE(pos->lsn.find('/'), std::string::npos);
    EXPECT_EQ(pos->slot, opts.replication_slot);

    ASSERT_TRUE(a->JoinSnapshot(**lease).ok());
    ASSERT_TRUE(b->JoinSnapshot(**lease).ok());
    std::string before = Count(*a, "snap");
    SrcAdmin("INSERT INTO snap VALUES (100);");
    EXPECT_EQ(Count(*a, "snap"), before);
    EXPECT_EQ(Count(*b, "snap"), before);
    EXPECT_EQ(Count(*owner, "snap"), std::to_string(std::stoi(before) + 1));  // outside the snapshot

    if (with_slot) {
      auto again = owner->ExportSnapshot(opts);
      ASSERT_FALSE(again.ok());
      EXPECT_EQ(again.status().code(), ErrorCode::kConflict);
      EXPECT_EQ(again.status().native_code(), "42710");
      EXPECT_NE(again.status().hint().find("pg_drop_replication_slot"), std::string::npos);
    }
    // A consumer that gives up midway leaves the snapshot usable.
    class Stop final : public BatchConsumer {
     public:
      Status Consume(RowBatch&) override { return Status(ErrorCode::kCancelled, "stop"); }
    } stop;
    EXPECT_EQ(a->Query("SELECT g FROM generate_series(1, 100000) g", std::vector<ColumnType>{TypeOf(TypeKind::kInt32)},
                       stop, BatchLimits{10, 1 << 20})
                  .code(),
              ErrorCode::kCancelled);
    EXPECT_EQ(Count(*a, "snap"), before);

    ASSERT_TRUE((*lease)->Release().ok());
    EXPECT_EQ(Count(*a, "snap"), before);  // joined sessions keep the snapshot
    ASSERT_TRUE(a->EndSnapshot().ok());
    ASSERT_TRUE(b->EndSnapshot().ok());
    EXPECT_EQ(Count(*a, "snap"), std::to_string(std::stoi(before) + 1));

    // The snapshot is gone once released.
    Status late = a->JoinSnapshot(**lease);
    EXPECT_FALSE(late.ok());
    EXPECT_TRUE(a->EndSnapshot().ok());
    if (with_slot) {
      EXPECT_TRUE(pg::DropReplicationSlot(Ep(SrcUri()), opts.replication_slot).ok());
      EXPECT_EQ(pg::DropReplicationSlot(Ep(SrcUri()), opts.replication_slot).code(), ErrorCode::kNotFound);
    }
  }
  SnapshotOptions bad;
  bad.replication_slot = "Bad Name";
  EXPECT_EQ(owner->ExportSnapshot(bad).status().code(), ErrorCode::kInvalidArgument);
}

TEST_F(PostgresConnectorTest, DialectDdlRunsOnTheServer) {
  auto s = Open(DstUri());
  ASSERT_TRUE(s);
  const Dialect& d = PostgresDialect();
  const std::string schema = "Weird \"Schema\"";
  ASSERT_TRUE(s->Execute("DROP SCHEMA IF EXISTS " + d.QuoteIdent(schema) + " CASCADE").ok());
  ASSERT_TRUE(s->Execute(d.CreateSchemaIfNotExists(schema)).ok());
  ASSERT_TRUE(s->Execute(d.CreateSchemaIfNotExists(schema)).ok());  // idempotent

  auto col = [](std::string name, TypeKind k, bool nullable = true) {
    Column c;
    c.name = std::move(name);
    c.type.kind = k;
    c.nullable = nullable;
    return c;
  };
  TableSchema parent;
  parent.ref = {schema, "Parent Table"};
  parent.columns = {col("ID", TypeKind::kInt32, false)};
  parent.primary_key = IndexDef{"PRIMARY", {{"ID"}}, true, true, ""};

  TableSchema t;
  t.ref = {schema, "Order \"Items\" select"};
  Column id = col("id", TypeKind::kInt64, false);
  id.type.is_unsigned = true;
  id.auto_increment = true;
  Column mixed = col("Mixed Case", TypeKind::kVarchar);
  mixed.type.length = 30;
  mixed.default_kind = Column::DefaultKind::kLiteral;
  mixed.default_value = "it's \"quoted\"";
  mixed.comment = "a 'comment'";
  Column sel = col("select", TypeKind::kEnum, false);
  sel.type.labels = {"a", "b'c"};
  sel.default_kind = Column::DefaultKind::kLiteral;
  sel.default_value = "b'c";
  Column from = col("from", TypeKind::kTimestampTz);
  from.type.fsp = 6;
  from.default_kind = Column::DefaultKind::kCurrentTimestamp;
  Column longname = col(std::string(70, 'L') + "1", TypeKind::kInt32);
  Column longname2 = col(std::string(70, 'L') + "2", TypeKind::kBool);
  longname2.default_kind = Column::DefaultKind::kLiteral;
  longname2.default_value = "1";
  Column parent_id = col("Parent ID", TypeKind::kInt32);
  Column qty = col("qty", TypeKind::kDecimal);
  qty.type.precision = 10;
  qty.type.scale = 2;
  qty.default_kind = Column::DefaultKind::kLiteral;
  qty.default_value = "-1.50";
  Column bits = col("bits", TypeKind::kBit);
  bits.type.length = 4;
  bits.default_kind = Column::DefaultKind::kLiteral;
  bits.default_value = "0110";
  Column raw = col("raw", TypeKind::kBlob);
  raw.default_kind = Column::DefaultKind::kLiteral;
  raw.default_value = std::string("\x00\x7f", 2);
  Column expr = col("expr", TypeKind::kText);
  expr.default_kind = Column::DefaultKind::kExpression;
  expr.default_value = "md5('x')";
  t.columns = {id, mixed, sel, from, longname, longname2, parent_id, qty, bits, raw, expr};
  t.primary_key = IndexDef{"PRIMARY", {{"id"}}, true, true, ""};
  t.comment = "awkward";

  for (const TableSchema* table : {&parent, &t}) {
    auto stmts = d.CreateTable(*table);
    ASSERT_TRUE(stmts.ok()) << stmts.status().ToString();
    for (const auto& sql : *stmts) ASSERT_TRUE(s->Execute(sql).ok()) << sql << "\n" << s->Execute(sql).ToString();
  }
  IndexDef idx{"by mixed", {{"Mixed Case", 10, false}, {"from", 0, true}}, false, false, ""};
  IndexDef uniq{"uq", {{std::string(70, 'L') + "1"}}, true, false, ""};
  for (const IndexDef* i : {&idx, &uniq}) {
    auto sql = d.CreateIndex(t, *i);
    ASSERT_TRUE(sql.ok());
    ASSERT_TRUE(s->Execute(*sql).ok()) << *sql;
  }
  ForeignKey fk{"fk \"parent\"", {"Parent ID"}, {schema, "Parent Table"}, {"ID"}, "SET NULL", "CASCADE"};
  auto fk_sql = d.AddForeignKey(t, fk);
  ASSERT_TRUE(fk_sql.ok());
  ASSERT_TRUE(s->Execute(*fk_sql).ok()) << *fk_sql;
  auto check_sql = d.AddCheck(t, {"qty check", "qty > -100"});
  ASSERT_TRUE(check_sql.ok());
  ASSERT_TRUE(s->Execute(*check_sql).ok()) << *check_sql;
  ViewDef view{{schema, "My View"}, "SELECT \"id\", \"select\" FROM " + d.QualifiedName(t.ref), "view comment"};
  auto view_sql = d.CreateView(view);
  ASSERT_TRUE(view_sql.ok());
  for (const auto& sql : *view_sql) ASSERT_TRUE(s->Execute(sql).ok()) << sql;

  // Rows with explicit keys, then AfterLoad makes the identity continue.
  auto full = s->ReadCatalog([&](const TableRef& r) { return r == t.ref; });
  ASSERT_TRUE(full.ok());
  ASSERT_EQ(full->tables.size(), 1u);
  const TableSchema& back = full->tables[0];
  std::vector<Row> vals = {{"5", "it's \"quoted\"", "a", "2024-01-01 00:00:00", std::nullopt, "0", std::nullopt, "1.25",
                            "1010", std::string("\x00", 1), "t"},
                           {"41", std::nullopt, "b'c", std::nullopt, "7", "1", std::nullopt, "2.00", "0000", "", ""}};
  RowsSource src(vals, 10);
  Status load_st = s->BulkLoad(back, {}, src);
  ASSERT_TRUE(load_st.ok()) << load_st.ToString();
  for (const auto& sql : d.AfterLoad(t)) ASSERT_TRUE(s->Execute(sql).ok()) << sql;
  ASSERT_TRUE(s->Execute("INSERT INTO " + d.QualifiedName(t.ref) + " DEFAULT VALUES").ok());
  auto ids = QueryRows(*s, "SELECT max(id) FROM " + d.QualifiedName(t.ref), {TypeOf(TypeKind::kInt64)});
  EXPECT_EQ(ids[0][0], "42");
  auto defaults =
      QueryRows(*s,
                "SELECT \"Mixed Case\", \"select\", \"from\" IS NOT NULL, " + d.QuoteIdent(std::string(70, 'L') + "2") +
                    ", qty, bits, raw, expr FROM " + d.QualifiedName(t.ref) + " WHERE id = 42",
                {TypeOf(TypeKind::kText), TypeOf(TypeKind::kEnum), TypeOf(TypeKind::kBool), TypeOf(TypeKind::kBool),
                 TypeOf(TypeKind::kDecimal), TypeOf(TypeKind::kBit), TypeOf(TypeKind::kBlob), TypeOf(TypeKind::kText)});
  ASSERT_EQ(defaults.size(), 1u);
  EXPECT_EQ(defaults[0], (Row{"it's \"quoted\"", "b'c", "1", "1", "-1.50", "0110", std::string("\x00\x7f", 2),
                              "9dd4e461268c8034f5c8564e155c67a6"}));

  // What the catalog reader sees of it.
  EXPECT_EQ(back.comment, "awkward");
  ASSERT_EQ(back.columns.size(), t.columns.size());
  EXPECT_EQ(back.columns[4].name, pg::PgIdentifier(std::string(70, 'L') + "1"));
  EXPECT_NE(back.columns[4].name, back.columns[5].name);
  EXPECT_TRUE(back.columns[0].auto_increment);
  EXPECT_EQ(back.columns[0].type.kind, TypeKind::kInt64);
  EXPECT_EQ(back.columns[1].comment, "a 'comment'");
  EXPECT_EQ(back.columns[1].default_value, "it's \"quoted\"");
  EXPECT_EQ(back.columns[2].type.labels, (std::vector<std::string>{"a", "b'c"}));
  EXPECT_EQ(back.columns[3].default_kind, Column::DefaultKind::kCurrentTimestamp);
  EXPECT_EQ(back.columns[9].default_value, std::string("\x00\x7f", 2));
  ASSERT_TRUE(back.primary_key.has_value());
  EXPECT_EQ(back.indexes.size(), 2u);
  ASSERT_EQ(back.foreign_keys.size(), 1u);
  EXPECT_EQ(back.foreign_keys[0].name, "fk \"parent\"");
  EXPECT_EQ(back.foreign_keys[0].on_delete, "SET NULL");
  ASSERT_EQ(back.checks.size(), 1u);
  EXPECT_EQ(back.checks[0].name, "qty check");

  // Bad DDL: kDdlFailed with the SQLSTATE.
  Status bad_type = s->Execute("CREATE TABLE bad (a no_such_type)");
  EXPECT_EQ(bad_type.code(), ErrorCode::kDdlFailed);
  EXPECT_EQ(bad_type.native_code(), "42704");
  Status syntax = s->Execute("CREAT TABLE oops (a int)");
  EXPECT_EQ(syntax.code(), ErrorCode::kDdlFailed);
  EXPECT_EQ(syntax.native_code(), "42601");
  Status dup = s->Execute(d.CreateTable(parent).value()[0]);
  EXPECT_EQ(dup.code(), ErrorCode::kDdlFailed);
  EXPECT_EQ(dup.native_code(), "42P07");
}

TEST_F(PostgresConnectorTest, LostConnectionIsRetryable) {
  auto s = Open(SrcUri());
  ASSERT_TRUE(s);
  auto pid = QueryRows(*s, "SELECT pg_backend_pid()", {TypeOf(TypeKind::kInt32)});
  ASSERT_EQ(pid.size(), 1u);
  SrcAdmin("SELECT pg_terminate_backend(" + *pid[0][0] + ", 10000);");  // waits until it is gone
  Status st = s->Execute("SELECT 1");
  EXPECT_EQ(st.code(), ErrorCode::kConnectionLost) << st.ToString();
  EXPECT_TRUE(st.retryable());
  Collect c;
  Status q = s->Query("SELECT 1", std::vector<ColumnType>{TypeOf(TypeKind::kInt32)}, c, {});
  EXPECT_EQ(q.code(), ErrorCode::kConnectionLost) << q.ToString();
}

// Throughput of the two hot paths on a typical table. Prints rows/s; the
// assertions check the data moved, the numbers are for the report.
TEST_F(PostgresConnectorTest, Throughput) {
  constexpr int kRows = 200000;
  SrcAdmin(
      "DROP TABLE IF EXISTS perf; CREATE TABLE perf (id bigint PRIMARY KEY, k int, name varchar(40), "
      "price numeric(12,2), created timestamp, updated timestamptz, active boolean, note text);"
      "INSERT INTO perf SELECT g, g % 1000, 'name ' || g, g * 1.25, '2024-01-01'::timestamp + g * interval '1 s', "
      "'2024-01-01'::timestamptz + g * interval '1 s', g % 2 = 0, repeat('x', 40) || E'\\t' || g "
      "FROM generate_series(1, " +
      std::to_string(kRows) + ") g; ANALYZE perf;");
  DstAdmin(
      "DROP TABLE IF EXISTS perf; CREATE TABLE perf (id bigint PRIMARY KEY, k int, name varchar(40), "
      "price numeric(12,2), created timestamp, updated timestamptz, active boolean, note text);");
  auto src = Open(SrcUri());
  auto dst = Open(DstUri());
  ASSERT_TRUE(src && dst);
  auto cat = src->ReadCatalog([](const TableRef& r) { return r.name == "perf"; });
  ASSERT_TRUE(cat.ok());
  const TableSchema& t = cat->tables.at(0);
  std::vector<ColumnType> types;
  for (const auto& c : t.columns) types.push_back(c.type);

  class Keep final : public BatchConsumer {
   public:
    Status Consume(RowBatch& batch) override {
      rows += batch.rows();
      batches.push_back(std::move(batch));
      return Status::Ok();
    }
    std::vector<RowBatch> batches;
    size_t rows = 0;
  } keep;
  // Timed: a consumer that looks at every value and lets the reader reuse
  // the batch, as a pipeline recycling its batches does.
  class Scan final : public BatchConsumer {
   public:
    Status Consume(RowBatch& batch) override {
      for (size_t r = 0; r < batch.rows(); ++r) {
        for (const Value& v : batch.row(r)) bytes += v.size();
      }
      rows += batch.rows();
      return Status::Ok();
    }
    size_t rows = 0, bytes = 0;
  } scan;
  std::clock_t c0 = std::clock();
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(src->Query("SELECT * FROM perf", types, scan, BatchLimits{}).ok());
  auto t1 = std::chrono::steady_clock::now();
  std::clock_t c1 = std::clock();
  ASSERT_EQ(scan.rows, static_cast<size_t>(kRows));
  // Untimed: keep every batch to load them.
  ASSERT_TRUE(src->Query("SELECT * FROM perf", types, keep, BatchLimits{}).ok());
  ASSERT_EQ(keep.rows, static_cast<size_t>(kRows));
  std::clock_t c1b = std::clock();
  auto t1b = std::chrono::steady_clock::now();

  class Replay final : public BatchSource {
   public:
    explicit Replay(std::vector<RowBatch>& b) : b_(b) {}
    Result<bool> Next(RowBatch& batch) override {
      if (i_ == b_.size()) return false;
      batch = std::move(b_[i_++]);
      return true;
    }

   private:
    std::vector<RowBatch>& b_;
    size_t i_ = 0;
  } replay(keep.batches);
  ASSERT_TRUE(dst->BulkLoad(t, {}, replay).ok());
  auto t2 = std::chrono::steady_clock::now();
  std::clock_t c2 = std::clock();
  EXPECT_EQ(Count(*dst, "perf"), std::to_string(kRows));
  auto same = QueryRows(*dst,
                        "SELECT count(*) FROM perf WHERE note = repeat('x', 40) || E'\\t' || id "
                        "AND updated = '2024-01-01'::timestamptz + id * interval '1 s' AND active = (id % 2 = 0)",
                        {TypeOf(TypeKind::kInt64)});
  EXPECT_EQ(same[0][0], std::to_string(kRows));

  double q = std::chrono::duration<double>(t1 - t0).count();
  double l = std::chrono::duration<double>(t2 - t1b).count();
  // Client CPU shows how much of the time is Godwit's own work (the
  // servers run on the same machine and share its cores).
  double qc = static_cast<double>(c1 - c0) / CLOCKS_PER_SEC;
  double lc = static_cast<double>(c2 - c1b) / CLOCKS_PER_SEC;
  std::printf("[perf] Query (COPY TO, decode): %d rows in %.3f s = %.0f rows/s; client CPU %.3f s\n", kRows, q,
              kRows / q, qc);
  std::printf("[perf] BulkLoad (encode, COPY FROM): %d rows in %.3f s = %.0f rows/s; client CPU %.3f s\n", kRows, l,
              kRows / l, lc);
}

}  // namespace
}  // namespace godwit
