#include "schema/source_statement.h"

#include <gtest/gtest.h>

namespace godwit {
namespace {

constexpr std::string_view kFunctionHeads[] = {"CREATE OR REPLACE FUNCTION", "CREATE OR REPLACE PROCEDURE"};

Result<std::string> Function(std::string_view text, const std::map<std::string, std::string>* renames = nullptr) {
  SourceStatementRules rules;
  rules.heads = kFunctionHeads;
  rules.schema_renames = renames;
  return SourceStatement(text, Engine::kPostgres, rules);
}

TEST(SourceStatement, KeepsOneStatementWithItsBodyAndDropsTheTrailingSemicolon) {
  auto out = Function(
      "CREATE OR REPLACE FUNCTION public.f(a integer)\n RETURNS integer\n LANGUAGE plpgsql\n"
      "AS $function$ BEGIN RETURN a; END $function$;\n");
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  // The dollar-quoted body comes back as a literal of the same value.
  EXPECT_EQ(*out,
            "CREATE OR REPLACE FUNCTION public.f(a integer)\n RETURNS integer\n LANGUAGE plpgsql\n"
            "AS ' BEGIN RETURN a; END '");
}

TEST(SourceStatement, RefusesASecondStatement) {
  auto out = Function("CREATE OR REPLACE FUNCTION public.f() RETURNS int AS 'select 1' LANGUAGE sql; DROP TABLE t");
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), ErrorCode::kUnsupported);
  EXPECT_NE(out.status().message().find("more than one statement"), std::string::npos);
}

TEST(SourceStatement, RefusesAnotherKindOfStatement) {
  auto out = Function("DROP TABLE public.t");
  ASSERT_FALSE(out.ok());
  EXPECT_NE(out.status().message().find("begins with DROP TABLE public . t"), std::string::npos)
      << out.status().message();
  EXPECT_FALSE(Function("").ok());
  EXPECT_FALSE(Function("CREATE FUNCTION f() RETURNS int AS 'x' LANGUAGE sql").ok());  // not the expected head
}

TEST(SourceStatement, SemicolonsInsideLiteralsAndCommentsAreNotStatements) {
  EXPECT_TRUE(Function("CREATE OR REPLACE FUNCTION f() RETURNS text AS $$ select ';' $$ LANGUAGE sql -- ; x").ok());
  EXPECT_TRUE(Function("CREATE OR REPLACE FUNCTION f() RETURNS text AS 'a;b' /* ; */ LANGUAGE sql").ok());
}

TEST(SourceStatement, RenamesSchemaQualifiersOnly) {
  std::map<std::string, std::string> renames{{"public", "app"}, {"Old", "New Schema"}};
  auto out = Function(
      "CREATE OR REPLACE FUNCTION public.f(x public.year, y \"Old\".t) RETURNS public.year "
      "AS 'select public.g()' LANGUAGE sql",
      &renames);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  // Qualifiers outside literals are renamed; the body (a literal) is not.
  EXPECT_EQ(*out,
            "CREATE OR REPLACE FUNCTION \"app\".f(x \"app\".year, y \"New Schema\".t) RETURNS \"app\".year "
            "AS 'select public.g()' LANGUAGE sql");
}

TEST(SourceStatement, MysqlCompoundBodiesKeepTheirStatements) {
  constexpr std::string_view kHeads[] = {"CREATE PROCEDURE"};
  SourceStatementRules rules;
  rules.heads = kHeads;
  rules.compound_body = true;
  auto out = SourceStatement("CREATE PROCEDURE `p`() BEGIN SELECT 1; SELECT 'a;b'; END", Engine::kMysql, rules);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(*out, "CREATE PROCEDURE `p`() BEGIN SELECT 1; SELECT 'a;b'; END");
}

TEST(SourceStatement, MysqlDefinersAreDropped) {
  EXPECT_EQ(*WithoutDefiner("CREATE DEFINER=`root`@`localhost` PROCEDURE `p`() SELECT 'DEFINER=x'"),
            "CREATE PROCEDURE `p`() SELECT 'DEFINER=x'");
  EXPECT_EQ(*WithoutDefiner("CREATE DEFINER=CURRENT_USER() TRIGGER t BEFORE INSERT ON x FOR EACH ROW SET @a = 1"),
            "CREATE TRIGGER t BEFORE INSERT ON x FOR EACH ROW SET @a = 1");
  EXPECT_EQ(*WithoutDefiner("CREATE DEFINER='app'@'%' EVENT e ON SCHEDULE EVERY 1 DAY DO DELETE FROM t"),
            "CREATE EVENT e ON SCHEDULE EVERY 1 DAY DO DELETE FROM t");
  EXPECT_EQ(*WithoutDefiner("CREATE FUNCTION f() RETURNS INT RETURN 1"), "CREATE FUNCTION f() RETURNS INT RETURN 1");
}

}  // namespace
}  // namespace godwit
