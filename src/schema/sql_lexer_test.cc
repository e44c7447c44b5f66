#include "schema/sql_lexer.h"

#include <gtest/gtest.h>

namespace godwit::sql {
namespace {

constexpr Engine kMy = Engine::kMysql;
constexpr Engine kPg = Engine::kPostgres;
constexpr Engine kLite = Engine::kSqlite;

// The significant tokens of `text` as "kind:value" strings.
std::vector<std::string> Significant(std::string_view text, Engine d) {
  auto tokens = Tokenize(text, d);
  EXPECT_TRUE(tokens.ok()) << tokens.status().ToString();
  std::vector<std::string> out;
  if (!tokens.ok()) return out;
  std::string joined;
  for (const Token& t : *tokens) {
    joined += t.text;
    if (IsBlank(t)) continue;
    const char* k = t.kind == TokenKind::kWord          ? "w"
                    : t.kind == TokenKind::kQuotedIdent ? "id"
                    : t.kind == TokenKind::kString      ? "s"
                    : t.kind == TokenKind::kBitString   ? "b"
                                                        : "p";
    out.push_back(std::string(k) + ":" + t.value);
  }
  EXPECT_EQ(joined, text) << "the tokens' text gives back the input";
  return out;
}

using V = std::vector<std::string>;

TEST(SqlLexerTest, MysqlBackslashEscapedQuoteStaysInsideTheLiteral) {
  // MariaDB prints a quote in a view's literal as \'.
  EXPECT_EQ(Significant("select 'x\\' AS c1; DROP TABLE orders; --' AS `c`", kMy),
            (V{"w:select", "s:x' AS c1; DROP TABLE orders; --", "w:AS", "id:c"}));
  EXPECT_EQ(Significant(R"('a''b' "c\"d" 'e\\' '\0\n\t\Z\%\_\q')", kMy),
            (V{"s:a'b", "s:c\"d", "s:e\\", std::string("s:") + std::string("\0\n\t\x1a\\%\\_q", 9)}));
  EXPECT_EQ(Significant("_utf8mb4'it\\'s' N'n' _latin1\"q\" X'4F' b'01' 0x4F", kMy),
            (V{"s:it's", "s:n", "s:q", "b:X'4F'", "b:b'01'", "w:0x4F"}));
}

TEST(SqlLexerTest, MysqlComments) {
  EXPECT_EQ(Significant("1--1 # it's\n-- it's\n+ /* it's */ 2", kMy), (V{"w:1", "p:-", "p:-", "w:1", "p:+", "w:2"}));
  // Executable comments are code.
  EXPECT_EQ(Significant("CREATE /*!32302 TEMPORARY */ TABLE t", kMy), (V{"w:CREATE", "w:TEMPORARY", "w:TABLE", "w:t"}));
  EXPECT_EQ(Significant("/*M!100000 'a' */", kMy), (V{"s:a"}));
}

TEST(SqlLexerTest, MysqlWithoutBackslashEscapes) {
  LexOptions o;
  o.mysql_backslash_escapes = false;
  auto t = Tokenize("'a\\' x", kMy, o);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ((*t)[0].value, "a\\");
}

TEST(SqlLexerTest, PostgresLiterals) {
  EXPECT_EQ(Significant("'a\\' || E'b\\'c\\\\d\\n\\x41\\101\\u00e9' || 'e''f'", kPg),
            (V{"s:a\\", "p:|", "p:|", "s:b'c\\d\nAA\xc3\xa9", "p:|", "p:|", "s:e'f"}));
  EXPECT_EQ(Significant("$$it's; --$$ $tag$a$$b$tag$ $1 a$$b", kPg),
            (V{"s:it's; --", "s:a$$b", "p:$", "w:1", "w:a$$b"}));
  EXPECT_EQ(Significant("U&'d\\0061t\\+000061' U&'x!0061' UESCAPE '!' U&\"i\\0064\"", kPg),
            (V{"s:data", "s:xa", "id:id"}));
  EXPECT_EQ(Significant("\"a\"\"b\" B'0101' X'1f' /* outer /* inner */ still */ -- to the end\n1", kPg),
            (V{"id:a\"b", "b:B'0101'", "b:X'1f'", "w:1"}));
  // A number ends at a $, which then opens a dollar quote.
  EXPECT_EQ(Significant("1$$x$$", kPg), (V{"w:1", "s:x"}));
}

TEST(SqlLexerTest, SqliteQuoting) {
  EXPECT_EQ(Significant("'a\\' [it's] `b``c` \"d\"\"e\" X'00' /* open", kLite),
            (V{"s:a\\", "id:it's", "id:b`c", "id:d\"e", "b:X'00'"}));
}

TEST(SqlLexerTest, RefusesWhatItCannotRead) {
  for (auto [text, d] : std::vector<std::pair<const char*, Engine>>{{"'abc\\'", kMy},
                                                                    {"`abc", kMy},
                                                                    {"/* open", kMy},
                                                                    {"$x$ open", kPg},
                                                                    {"/* /* */", kPg},
                                                                    {"E'\\u12'", kPg},
                                                                    {"X'4G'", kMy},
                                                                    {"U&'\\D800'", kPg},
                                                                    {"'open", kLite}}) {
    auto t = Tokenize(text, d);
    EXPECT_FALSE(t.ok()) << text;
    if (!t.ok()) {
      EXPECT_EQ(t.status().code(), ErrorCode::kInvalidArgument) << text;
    }
  }
}

TEST(SqlLexerTest, QuotingPerDestination) {
  EXPECT_EQ(*QuoteString("it's \\ x", kMy), "'it\\'s \\\\ x'");
  EXPECT_EQ(*QuoteString(std::string("a\0b", 3), kMy), "'a\\0b'");
  EXPECT_EQ(*QuoteString("it's", kPg), "'it''s'");
  EXPECT_EQ(*QuoteString("it's \\", kPg), "E'it''s \\\\'");
  EXPECT_EQ(*QuoteString("it's \\", kLite), "'it''s \\'");
  EXPECT_FALSE(QuoteString(std::string("a\0b", 3), kPg).ok());
  EXPECT_FALSE(QuoteString(std::string("a\0b", 3), kLite).ok());
  EXPECT_EQ(*QuoteIdentifier("a`b", kMy), "`a``b`");
  EXPECT_EQ(*QuoteIdentifier("a\"b", kPg), "\"a\"\"b\"");
}

// The hostile view body of issue 12: after translation the destination
// reads one literal holding the whole text, and no statement after it.
TEST(SqlLexerTest, HostileLiteralsStayLiterals) {
  const std::string hostile = "SELECT 'x\\' AS c1; DROP TABLE orders; --' AS `c`";
  EXPECT_EQ(*Translate(hostile, kMy, kPg), "SELECT 'x'' AS c1; DROP TABLE orders; --' AS \"c\"");
  EXPECT_EQ(*Translate(hostile, kMy, kLite), "SELECT 'x'' AS c1; DROP TABLE orders; --' AS \"c\"");
  EXPECT_EQ(*Translate(hostile, kMy, kMy), "SELECT 'x\\' AS c1; DROP TABLE orders; --' AS `c`");
  EXPECT_EQ(*Translate("SELECT 'a\\\\' AS x, '; DROP TABLE t; --' AS y", kMy, kPg),
            "SELECT E'a\\\\' AS x, '; DROP TABLE t; --' AS y");
  // A PostgreSQL literal ending in a backslash must not escape MySQL's quote.
  EXPECT_EQ(*Translate("SELECT 'a\\' AS x, ', 1); DROP TABLE t; -- ' AS y", kPg, kMy),
            "SELECT 'a\\\\' AS x, ', 1); DROP TABLE t; -- ' AS y");
  EXPECT_EQ(*Translate("SELECT $q$it's$q$ AS \"x\", E'\\'' AS \"y\"", kPg, kMy),
            "SELECT 'it\\'s' AS `x`, '\\'' AS `y`");
  // Comments are dropped; their content never reaches the destination.
  EXPECT_EQ(*Translate("SELECT 1 /* it's */ + 2 # ';\n", kMy, kPg), "SELECT 1   + 2  \n");
  EXPECT_EQ(*Translate("SELECT [a'b] FROM t -- it's", kLite, kMy), "SELECT `a'b` FROM t  ");
  // Newlines and $$ inside literals are only characters.
  EXPECT_EQ(*Translate("SELECT 'a\\nb $$ /* --' AS x", kMy, kPg), "SELECT 'a\nb $$ /* --' AS x");
}

TEST(SqlLexerTest, RefusesTextTheDestinationWouldReadDifferently) {
  // # is an operator in PostgreSQL but a comment in MySQL.
  EXPECT_EQ(Translate("SELECT 1 # 2 AS x, 'a'", kPg, kMy).status().code(), ErrorCode::kUnsupported);
  // A MySQL identifier 1$$ would open a dollar quote in PostgreSQL.
  EXPECT_EQ(Translate("SELECT 1$$ AS a, 'x $$; DROP TABLE t; --' AS b", kMy, kPg).status().code(),
            ErrorCode::kUnsupported);
  // A NUL byte cannot be written to PostgreSQL.
  EXPECT_EQ(Translate("SELECT 'a\\0b'", kMy, kPg).status().code(), ErrorCode::kUnsupported);
  // Joined tokens are kept apart rather than read as a new literal.
  EXPECT_EQ(*Translate("SELECT e'x\\'y'", kMy, kPg), "SELECT e 'x''y'");
  EXPECT_EQ(*Translate("SELECT 1--1", kMy, kPg), "SELECT 1- -1");
  EXPECT_EQ(*Translate("SELECT 'a'E'b'", kPg, kMy), "SELECT 'a' 'b'");
}

}  // namespace
}  // namespace godwit::sql
