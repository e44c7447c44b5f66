#include <gtest/gtest.h>

#include "schema/dialects.h"
#include "schema/postgres_dialect.h"

namespace godwit {
namespace {

Column Col(std::string name, ColumnType type, bool nullable = true) {
  Column c;
  c.name = std::move(name);
  c.type = std::move(type);
  c.nullable = nullable;
  return c;
}

TEST(PostgresDialect, QuoteIdent) {
  const Dialect& d = PostgresDialect();
  EXPECT_EQ(d.QuoteIdent("plain"), "\"plain\"");
  EXPECT_EQ(d.QuoteIdent("we\"ird na\"me"), "\"we\"\"ird na\"\"me\"");
  EXPECT_EQ(d.QualifiedName({"Sch", "T"}), "\"Sch\".\"T\"");
}

TEST(PostgresDialect, LongIdentifiersStayDistinctAndShort) {
  std::string a(70, 'a'), b = std::string(69, 'a') + "b";
  std::string ia = pg::PgIdentifier(a), ib = pg::PgIdentifier(b);
  EXPECT_LE(ia.size(), 63u);
  EXPECT_LE(ib.size(), 63u);
  EXPECT_NE(ia, ib);
  EXPECT_EQ(ia, pg::PgIdentifier(a));  // stable
  EXPECT_EQ(pg::PgIdentifier(std::string(63, 'x')), std::string(63, 'x'));
  // Never cut inside a UTF-8 character.
  std::string utf8;
  for (int i = 0; i < 30; ++i) utf8 += "\xC3\xA9";  // é, 60 bytes
  utf8 += "\xF0\x9F\x98\x80\xF0\x9F\x98\x80";       // two emoji
  std::string id = pg::PgIdentifier(utf8);
  EXPECT_LE(id.size(), 63u);
  size_t cut = id.rfind('_');
  ASSERT_NE(cut, std::string::npos);
  EXPECT_EQ(cut % 2, 0u);  // whole "é"s only
}

TEST(PostgresDialect, Literals) {
  const Dialect& d = PostgresDialect();
  EXPECT_EQ(d.Literal(TypeOf(TypeKind::kInt64), "-9223372036854775808"), "-9223372036854775808");
  EXPECT_EQ(d.Literal(TypeOf(TypeKind::kDouble), "NaN"), "'NaN'");
  EXPECT_EQ(d.Literal(TypeOf(TypeKind::kDouble), "-Infinity"), "'-Infinity'");
  EXPECT_EQ(d.Literal(TypeOf(TypeKind::kDecimal), "1.5e-7"), "1.5e-7");
  EXPECT_EQ(d.Literal(TypeOf(TypeKind::kInt32), "1; DROP TABLE x"), "'1; DROP TABLE x'");
  EXPECT_EQ(d.Literal(TypeOf(TypeKind::kText), "it's"), "'it''s'");
  // A backslash: E'..' with it doubled, the same whatever
  // standard_conforming_strings says.
  EXPECT_EQ(d.Literal(TypeOf(TypeKind::kText), "a\\b"), "E'a\\\\b'");
  EXPECT_EQ(d.Literal(TypeOf(TypeKind::kText), "x\\'); DROP"), "E'x\\\\''); DROP'");
  EXPECT_EQ(d.Literal(TypeOf(TypeKind::kBlob), std::string_view("\x00\xff", 2)), "E'\\\\x00ff'::bytea");
  // Bare only in a number's strict shape: `1--` would comment out the line.
  EXPECT_EQ(d.Literal(TypeOf(TypeKind::kInt32), "1--"), "'1--'");
  EXPECT_EQ(d.Literal(TypeOf(TypeKind::kDouble), "1e--5"), "'1e--5'");
  EXPECT_EQ(d.Literal(TypeOf(TypeKind::kDouble), "-.5E+3"), "-.5E+3");
  EXPECT_EQ(d.Literal(TypeOf(TypeKind::kDecimal), "+-1"), "'+-1'");
  EXPECT_EQ(d.Literal(TypeOf(TypeKind::kBit, 4), "01'||'1"), "'01''||''1'");
  EXPECT_EQ(d.Literal(TypeOf(TypeKind::kBool), "1"), "true");
  EXPECT_EQ(d.Literal(TypeOf(TypeKind::kBool), "0"), "false");
  EXPECT_EQ(d.Literal(TypeOf(TypeKind::kBit, 4), "0101"), "B'0101'");
  EXPECT_EQ(d.Literal(TypeOf(TypeKind::kTimestampTz), "2024-01-02 03:04:05.5"), "'2024-01-02 03:04:05.5+00'");
  EXPECT_EQ(d.Literal(TypeOf(TypeKind::kDate), "2024-01-02"), "'2024-01-02'");
  EXPECT_EQ(d.Literal(TypeOf(TypeKind::kText), std::string_view()), "NULL");
}

TEST(PostgresDialect, ColumnTypes) {
  const Dialect& d = PostgresDialect();
  auto sql = [&](ColumnType t) { return d.ColumnTypeSql(t).value(); };
  ColumnType t = TypeOf(TypeKind::kInt16);
  t.is_unsigned = true;
  EXPECT_EQ(sql(t), "integer");
  t.kind = TypeKind::kInt32;
  EXPECT_EQ(sql(t), "bigint");
  t.kind = TypeKind::kInt64;
  EXPECT_EQ(sql(t), "numeric(20,0)");
  EXPECT_EQ(sql(TypeOf(TypeKind::kInt8)), "smallint");
  EXPECT_EQ(sql(TypeOf(TypeKind::kInt24)), "integer");
  EXPECT_EQ(sql(TypeOf(TypeKind::kInt64)), "bigint");
  ColumnType dec = TypeOf(TypeKind::kDecimal);
  EXPECT_EQ(sql(dec), "numeric");
  dec.precision = 38;
  dec.scale = 10;
  EXPECT_EQ(sql(dec), "numeric(38,10)");
  dec.precision = 2000;
  EXPECT_EQ(d.ColumnTypeSql(dec).status().code(), ErrorCode::kUnsupported);
  EXPECT_EQ(sql(TypeOf(TypeKind::kFloat)), "real");
  EXPECT_EQ(sql(TypeOf(TypeKind::kDouble)), "double precision");
  EXPECT_EQ(sql(TypeOf(TypeKind::kChar, 3)), "character(3)");
  EXPECT_EQ(sql(TypeOf(TypeKind::kVarchar, 0)), "character varying");
  EXPECT_EQ(sql(TypeOf(TypeKind::kVarchar, 255)), "character varying(255)");
  EXPECT_EQ(sql(TypeOf(TypeKind::kText, 65535)), "text");
  EXPECT_EQ(sql(TypeOf(TypeKind::kVarbinary, 16)), "bytea");
  ColumnType tm = TypeOf(TypeKind::kTime);
  tm.fsp = 3;
  EXPECT_EQ(sql(tm), "time(3)");
  tm.kind = TypeKind::kDateTime;
  EXPECT_EQ(sql(tm), "timestamp(3)");
  tm.kind = TypeKind::kTimestampTz;
  tm.fsp = 6;
  EXPECT_EQ(sql(tm), "timestamptz(6)");
  EXPECT_EQ(sql(TypeOf(TypeKind::kYear)), "smallint");
  EXPECT_EQ(sql(TypeOf(TypeKind::kJson)), "jsonb");
  ColumnType js = TypeOf(TypeKind::kJson);
  js.native = "json";
  EXPECT_EQ(sql(js), "json");
  EXPECT_EQ(sql(TypeOf(TypeKind::kSet)), "text");
  EXPECT_EQ(sql(TypeOf(TypeKind::kUuid)), "uuid");
  EXPECT_EQ(sql(TypeOf(TypeKind::kBit, 8)), "bit(8)");
  ColumnType vb = TypeOf(TypeKind::kBit, 8);
  vb.native = "bit varying(8)";
  EXPECT_EQ(sql(vb), "bit varying(8)");
  ColumnType native = TypeOf(TypeKind::kNative);
  native.native = "interval";
  EXPECT_EQ(sql(native), "interval");
  EXPECT_EQ(d.ColumnTypeSql(TypeOf(TypeKind::kEnum)).status().code(), ErrorCode::kUnsupported);
}

TEST(PostgresDialect, CreateTableWithEnumIdentityDefaultsAndComments) {
  TableSchema t;
  t.ref = {"app", "Order Items"};
  Column id = Col("id", TypeOf(TypeKind::kInt64), false);
  id.type.is_unsigned = true;
  id.auto_increment = true;
  Column status = Col("status", TypeOf(TypeKind::kEnum), false);
  status.type.labels = {"new", "it's done"};
  status.default_kind = Column::DefaultKind::kLiteral;
  status.default_value = "new";
  Column created = Col("created", TypeOf(TypeKind::kTimestampTz));
  created.default_kind = Column::DefaultKind::kCurrentTimestamp;
  created.comment = "when";
  Column flag = Col("select", TypeOf(TypeKind::kBool), false);
  flag.default_kind = Column::DefaultKind::kLiteral;
  flag.default_value = "1";
  t.columns = {id, status, created, flag};
  t.primary_key = IndexDef{"PRIMARY", {{"id"}}, true, true, ""};
  t.comment = "items";
  auto stmts = PostgresDialect().CreateTable(t).value();
  ASSERT_EQ(stmts.size(), 4u);
  EXPECT_EQ(stmts[0], "CREATE TYPE \"app\".\"Order Items_status\" AS ENUM ('new', 'it''s done')");
  EXPECT_EQ(stmts[1],
            "CREATE TABLE \"app\".\"Order Items\" (\n"
            "  \"id\" bigint GENERATED BY DEFAULT AS IDENTITY NOT NULL,\n"
            "  \"status\" \"app\".\"Order Items_status\" NOT NULL DEFAULT 'new',\n"
            "  \"created\" timestamptz(0) DEFAULT CURRENT_TIMESTAMP,\n"
            "  \"select\" boolean NOT NULL DEFAULT true,\n"
            "  CONSTRAINT \"Order Items_pkey\" PRIMARY KEY (\"id\")\n"
            ")");
  EXPECT_EQ(stmts[2], "COMMENT ON TABLE \"app\".\"Order Items\" IS 'items'");
  EXPECT_EQ(stmts[3], "COMMENT ON COLUMN \"app\".\"Order Items\".\"created\" IS 'when'");

  auto after = PostgresDialect().AfterLoad(t);
  ASSERT_EQ(after.size(), 1u);
  EXPECT_EQ(after[0],
            "SELECT setval(pg_get_serial_sequence('\"app\".\"Order Items\"', 'id'), "
            "GREATEST(COALESCE(MAX(\"id\"), 0), 0) + 1, false) FROM \"app\".\"Order Items\"");
}

TEST(PostgresDialect, IndexesForeignKeysChecksViews) {
  const Dialect& d = PostgresDialect();
  TableSchema t;
  t.ref = {"s", "t"};
  IndexDef idx{"by_name", {{"name", 10, false}, {"created", 0, true}}, false, false, ""};
  EXPECT_EQ(d.CreateIndex(t, idx).value(), "CREATE INDEX \"t_by_name\" ON \"s\".\"t\" (\"name\", \"created\" DESC)");
  IndexDef uniq{"t_email_key", {{"email"}}, true, false, ""};
  EXPECT_EQ(d.CreateIndex(t, uniq).value(), "CREATE UNIQUE INDEX \"t_email_key\" ON \"s\".\"t\" (\"email\")");
  IndexDef expr{"t_lower", {{""}}, false, false, "expression index: CREATE INDEX t_lower ON s.t (lower(name))"};
  EXPECT_EQ(d.CreateIndex(t, expr).status().code(), ErrorCode::kUnsupported);

  ForeignKey fk{"fk_p", {"pid"}, {"", "parent"}, {"id"}, "CASCADE", ""};
  EXPECT_EQ(
      d.AddForeignKey(t, fk).value(),
      "ALTER TABLE \"s\".\"t\" ADD CONSTRAINT \"fk_p\" FOREIGN KEY (\"pid\") REFERENCES \"s\".\"parent\" (\"id\") "
      "ON DELETE CASCADE");
  fk.on_update = "DROP DATABASE";
  EXPECT_EQ(d.AddForeignKey(t, fk).status().code(), ErrorCode::kUnsupported);

  EXPECT_EQ(d.AddCheck(t, {"positive", "qty > 0"}).value(),
            "ALTER TABLE \"s\".\"t\" ADD CONSTRAINT \"positive\" CHECK (qty > 0)");
  EXPECT_EQ(d.CreateView({{"s", "v"}, "SELECT 1", ""}).value(),
            std::vector<std::string>{"CREATE OR REPLACE VIEW \"s\".\"v\" AS\nSELECT 1"});
  EXPECT_EQ(d.CreateSchemaIfNotExists("My Schema"), "CREATE SCHEMA IF NOT EXISTS \"My Schema\"");
}

}  // namespace
}  // namespace godwit
