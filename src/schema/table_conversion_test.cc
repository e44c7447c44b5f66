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

}  // namespace
}  // namespace godwit
