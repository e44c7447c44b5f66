#include "schema/table_conversion.h"

#include <gtest/gtest.h>

namespace godwit {
namespace {

TEST(TranslateExpressionTest, RequotesMysqlIdentifiers) {
  EXPECT_EQ(*TranslateExpression("`price` > 0 and `a``b` <> 'x`y'", Engine::kMysql, Engine::kPostgres),
            "\"price\" > 0 and \"a`b\" <> 'x`y'");
}

TEST(TranslateExpressionTest, StripsPostgresCasts) {
  EXPECT_EQ(*TranslateExpression("(price > (0)::numeric)", Engine::kPostgres, Engine::kMysql), "(price > (0))");
  EXPECT_EQ(
      *TranslateExpression("((status)::text = ANY ('{a,b}'::character varying[]))", Engine::kPostgres, Engine::kSqlite),
      "((status) = ANY ('{a,b}'))");
  EXPECT_EQ(*TranslateExpression("\"Qty\" >= 1", Engine::kPostgres, Engine::kMysql), "`Qty` >= 1");
}

TEST(TranslateExpressionTest, SameEngineUntouched) {
  EXPECT_EQ(*TranslateExpression("x::int > 1", Engine::kPostgres, Engine::kPostgres), "x::int > 1");
}

TEST(TranslateExpressionTest, LiteralsAreRewrittenForTheDestination) {
  // MariaDB's CHECK_CLAUSE / VIEW_DEFINITION print a quote as \'.
  EXPECT_EQ(*TranslateExpression("`c` <> 'x\\' OR 1=1; DROP TABLE t; --'", Engine::kMysql, Engine::kPostgres),
            "\"c\" <> 'x'' OR 1=1; DROP TABLE t; --'");
  EXPECT_EQ(*TranslateExpression("\"c\" <> 'a\\'::text", Engine::kPostgres, Engine::kMysql), "`c` <> 'a\\\\'");
  // Casts are only removed outside literals.
  EXPECT_EQ(*TranslateExpression("(c = 'a::text'::text)", Engine::kPostgres, Engine::kSqlite), "(c = 'a::text')");
  EXPECT_EQ(*TranslateExpression("select `shop`.`t`.`a` from `shop`.`t` where 'x' <> '`shop`.'", Engine::kMysql,
                                 Engine::kPostgres, "shop"),
            "select \"t\".\"a\" from \"t\" where 'x' <> '`shop`.'");
  EXPECT_FALSE(TranslateExpression("'open", Engine::kMysql, Engine::kPostgres).ok());
}

TEST(ConvertTableTest, DropsChecksThatCannotBeCarriedSafely) {
  TableSchema t;
  t.ref = {"public", "t"};
  Column v{"v", {}, true};
  v.type.kind = TypeKind::kInt32;
  t.columns = {v};
  t.checks = {{"xor", "(v # 1) > 0"}, {"ok", "v > 0"}};
  auto r = ConvertTable(t, {"d", "t"}, Engine::kPostgres, DialectFor(Engine::kMysql));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->table.checks.size(), 1u);
  EXPECT_EQ(r->table.checks[0].name, "ok");
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_NE(r->warnings[0].find("xor"), std::string::npos);
}

TEST(ConvertTableTest, RefusesNativeTypesAcrossEngines) {
  TableSchema t;
  t.ref = {"public", "t"};
  Column c{"span", {}, true};
  c.type.kind = TypeKind::kNative;
  c.type.native = "interval";
  t.columns = {c};
  auto r = ConvertTable(t, {"shop", "t"}, Engine::kPostgres, DialectFor(Engine::kMysql));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kUnsupported);
  EXPECT_NE(r.status().message().find("interval"), std::string::npos);
  EXPECT_TRUE(ConvertTable(t, {"public", "t"}, Engine::kPostgres, DialectFor(Engine::kPostgres)).ok());
}

TEST(ConvertTableTest, PrefixesMysqlIndexNamesAndDropsForeignDefaults) {
  TableSchema t;
  t.ref = {"shop", "sbtest1"};
  Column id{"id", {}, false};
  id.type.kind = TypeKind::kInt32;
  Column k{"k", {}, false};
  k.type.kind = TypeKind::kInt32;
  k.default_kind = Column::DefaultKind::kExpression;
  k.default_value = "uuid_short()";
  t.columns = {id, k};
  t.indexes = {IndexDef{"k_1", {{"k", 10}}, false, false, ""}};
  auto r = ConvertTable(t, {"public", "sbtest1"}, Engine::kMysql, DialectFor(Engine::kPostgres));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->table.indexes[0].name, "sbtest1_k_1");
  EXPECT_EQ(r->table.indexes[0].columns[0].prefix_length, 0u);
  EXPECT_EQ(r->table.columns[1].default_kind, Column::DefaultKind::kNone);
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_NE(r->warnings[0].find("uuid_short()"), std::string::npos);
}

TEST(ConvertTableTest, CaseSensitiveTextGetsBinaryCollationOnMysql) {
  TableSchema t;
  t.ref = {"public", "t"};
  Column k{"k", {}, false};
  k.type.kind = TypeKind::kText;
  k.type.collation = "default";
  Column n{"n", {}, true};
  n.type.kind = TypeKind::kInt32;
  t.columns = {k, n};
  auto to_mysql = ConvertTable(t, {"d", "t"}, Engine::kPostgres, DialectFor(Engine::kMysql));
  ASSERT_TRUE(to_mysql.ok());
  EXPECT_EQ(to_mysql->table.columns[0].type.collation, "utf8mb4_bin");
  EXPECT_EQ(to_mysql->table.columns[1].type.collation, "");
  auto to_pg = ConvertTable(t, {"public", "t"}, Engine::kPostgres, DialectFor(Engine::kPostgres));
  EXPECT_EQ(to_pg->table.columns[0].type.collation, "default");

  t.columns[0].type.charset = "utf8mb4";
  t.columns[0].type.collation = "utf8mb4_unicode_ci";
  auto ci = ConvertTable(t, {"public", "t"}, Engine::kMysql, DialectFor(Engine::kPostgres));
  EXPECT_EQ(ci->table.columns[0].type.collation, "");
  auto same = ConvertTable(t, {"d", "t"}, Engine::kMysql, DialectFor(Engine::kMysql));
  EXPECT_EQ(same->table.columns[0].type.collation, "utf8mb4_unicode_ci");

  t.columns[0].type.charset.clear();
  t.columns[0].type.collation = "NOCASE";
  auto nocase = ConvertTable(t, {"d", "t"}, Engine::kSqlite, DialectFor(Engine::kMysql));
  EXPECT_EQ(nocase->table.columns[0].type.collation, "");
}

TEST(ConvertTableTest, DropsChecksOnAutoIncrementForMysql) {
  TableSchema t;
  t.ref = {"", "t"};
  Column id{"select", {}, false};
  id.type.kind = TypeKind::kInt64;
  id.auto_increment = true;
  Column v{"v", {}, true};
  v.type.kind = TypeKind::kInt32;
  t.columns = {id, v};
  t.checks = {{"on_id", "\"select\" >= 0"}, {"on_v", "v > 0 AND v <> 'select'"}};
  auto r = ConvertTable(t, {"d", "t"}, Engine::kSqlite, DialectFor(Engine::kMysql));
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->table.checks.size(), 1u);
  EXPECT_EQ(r->table.checks[0].name, "on_v");
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_NE(r->warnings[0].find("on_id"), std::string::npos);
  EXPECT_EQ(ConvertTable(t, {"public", "t"}, Engine::kSqlite, DialectFor(Engine::kPostgres))->table.checks.size(), 2u);
}

// A pagila-like table: a domain column (year over integer, with a CHECK),
// an enum column and a user-defined composite column.
TableSchema WithUserTypes() {
  TableSchema t;
  t.ref = {"public", "film"};
  Column id{"film_id", TypeOf(TypeKind::kInt32), false};
  Column year{"release_year", TypeOf(TypeKind::kInt32), true};
  year.type.user_type = {"public", "year", 0, true};
  Column rating{"rating", TypeOf(TypeKind::kEnum), true};
  rating.type.labels = {"G", "PG"};
  rating.type.user_type = {"public", "mpaa_rating"};
  rating.default_text = "'G'::mpaa_rating";
  rating.default_kind = Column::DefaultKind::kLiteral;
  rating.default_value = "G";
  Column price{"price", TypeOf(TypeKind::kNative), true};
  price.type.native = "price[]";
  price.type.user_type = {"public", "price", 1};
  t.columns = {id, year, rating, price};
  t.checks = {{"release_year_year_check", "\"release_year\" >= 1901", true}, {"own", "film_id > 0"}};
  return t;
}

TEST(ConvertTableTest, SameEngineKeepsUserTypesAndDefaultsAsTheSourcePrintsThem) {
  ObjectRules rules;
  rules.schema_renames = {{"public", "app"}};
  ObjectMapping mapping(rules, "public", "public");
  auto r = ConvertTable(WithUserTypes(), {"app", "film"}, Engine::kPostgres, DialectFor(Engine::kPostgres), &mapping);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const TableSchema& t = r->table;
  EXPECT_EQ(t.columns[1].type.kind, TypeKind::kInt32);  // values travel as the base type's
  EXPECT_EQ(t.columns[1].type.declared, "\"app\".\"year\"");
  EXPECT_TRUE(t.columns[1].nullable);  // the domain says NOT NULL, not the column
  EXPECT_EQ(t.columns[2].type.declared, "\"app\".\"mpaa_rating\"");
  EXPECT_EQ(t.columns[2].default_kind, Column::DefaultKind::kExpression);
  EXPECT_EQ(t.columns[2].default_value, "'G'::mpaa_rating");
  EXPECT_EQ(t.columns[3].type.declared, "\"app\".\"price\"[]");
  // The domain's CHECK is the domain's: not repeated on the table.
  ASSERT_EQ(t.checks.size(), 1u);
  EXPECT_EQ(t.checks[0].name, "own");
}

TEST(ConvertTableTest, OtherEnginesGetTheDomainsBaseTypeWithItsCheckAndNotNull) {
  TableSchema source = WithUserTypes();
  source.columns.pop_back();  // the composite has no equivalent
  auto r = ConvertTable(source, {"d", "film"}, Engine::kPostgres, DialectFor(Engine::kMysql));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const TableSchema& t = r->table;
  EXPECT_EQ(t.columns[1].type.kind, TypeKind::kInt32);
  EXPECT_FALSE(t.columns[1].nullable);
  EXPECT_EQ(t.columns[2].type.kind, TypeKind::kEnum);
  EXPECT_EQ(t.columns[2].default_kind, Column::DefaultKind::kLiteral);
  ASSERT_EQ(t.checks.size(), 2u);
  EXPECT_EQ(t.checks[0].expression, "`release_year` >= 1901");
  // A composite column is refused elsewhere, naming its type.
  auto refused = ConvertTable(WithUserTypes(), {"d", "film"}, Engine::kPostgres, DialectFor(Engine::kMysql));
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("price[]"), std::string::npos);
}

TEST(ConvertTableTest, SameEngineIndexesComeFromTheSourcesDefinition) {
  TableSchema t;
  t.ref = {"public", "film"};
  t.columns = {Column{"fulltext", TypeOf(TypeKind::kNative), true}};
  t.columns[0].type.native = "tsvector";
  IndexDef gist;
  gist.name = "film_fulltext_idx";
  gist.unsupported_reason = "gist index method";
  gist.native_definition = "USING gist (fulltext)";
  t.indexes = {gist};
  auto same = ConvertTable(t, {"public", "film"}, Engine::kPostgres, DialectFor(Engine::kPostgres));
  ASSERT_TRUE(same.ok()) << same.status().ToString();
  ASSERT_EQ(same->table.indexes.size(), 1u);
  EXPECT_EQ(*DialectFor(Engine::kPostgres).CreateIndex(same->table, same->table.indexes[0]),
            "CREATE INDEX \"film_fulltext_idx\" ON \"public\".\"film\" USING gist (fulltext)");
  // A definition that is more than one clause is refused, not run.
  IndexDef hostile = gist;
  hostile.constraint = true;
  hostile.native_definition = "UNIQUE (a), DROP COLUMN b";
  EXPECT_FALSE(DialectFor(Engine::kPostgres).CreateIndex(same->table, hostile).ok());
}

TEST(ConvertTableTest, SameEngineSourceTextMustBeOneClause) {
  TableSchema t = WithUserTypes();
  t.columns[0].default_text = "ARRAY[1, 2]::integer[]";  // commas inside brackets: one clause
  EXPECT_TRUE(ConvertTable(t, {"public", "film"}, Engine::kPostgres, DialectFor(Engine::kPostgres)).ok());
  // A hostile server's default or type that would add a column.
  t.columns[0].default_text = "0, pwned text";
  auto r = ConvertTable(t, {"public", "film"}, Engine::kPostgres, DialectFor(Engine::kPostgres));
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("not one clause"), std::string::npos) << r.status().message();
  t = WithUserTypes();
  t.columns[2].type.native = "integer) , pwned text, x (int";
  t.columns[2].type.user_type = {};
  EXPECT_FALSE(ConvertTable(t, {"public", "film"}, Engine::kPostgres, DialectFor(Engine::kPostgres)).ok());
}

}  // namespace
}  // namespace godwit
