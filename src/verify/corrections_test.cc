#include "verify/corrections.h"

#include <gtest/gtest.h>

#include <sstream>

namespace godwit {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST(CommentText, EscapesWhatCouldEndOrHideTheComment) {
  EXPECT_EQ(CommentText("plain, accentué 42"), "plain, accentué 42");
  EXPECT_EQ(CommentText("a\nDROP TABLE t; --"), "a\\nDROP TABLE t; --");
  EXPECT_EQ(CommentText("a\r\nb"), "a\\r\\nb");
  EXPECT_EQ(CommentText("x */ DROP TABLE t; /* y"), "x *\\/ DROP TABLE t; /\\* y");
  EXPECT_EQ(CommentText("back\\slash\\n"), "back\\\\slash\\\\n");
  EXPECT_EQ(CommentText(std::string("nul\0bel\a", 8)), "nul\\u0000bel\\u0007");
  EXPECT_EQ(CommentText("line\u2028sep\u2029par\u0085nel"), "line\\u2028sep\\u2029par\\u0085nel");
  EXPECT_EQ(CommentText("rtl\u202Eoverride\u2066"), "rtl\\u202eoverride\\u2066");
  EXPECT_EQ(CommentText("bad \xff\xc3 utf8"), "bad \\xff\\xc3 utf8");
  EXPECT_EQ(CommentText("\xe2\x80"), "\\xe2\\x80");  // a truncated sequence
}

// Keys and table names holding newlines and comment delimiters stay inside
// their comment lines: the file's statements are exactly the corrections.
TEST(CorrectionsSql, CommentsNeverBecomeStatements) {
  TableCorrections t;
  t.source = "app.t\nDROP TABLE a;";
  t.destination = "public.t */ DROP TABLE b; /*";
  t.comments = {"only in the destination, kept: x\nDROP TABLE c; --", "only in the destination, kept: y\r*/z"};
  t.statements = {"INSERT INTO public.t (k) VALUES ('1')"};
  t.upserts = 1;
  t.kept_destination_only = 2;
  const std::string sql =
      CorrectionsSql("postgresql://u@h/s\nDROP TABLE d;", "postgresql://u@h/d", Engine::kPostgres, {t});
  std::vector<std::string> statements;
  for (const auto& l : Lines(sql)) {
    if (l.empty() || l.starts_with("-- ")) {
      EXPECT_EQ(l.find('\r'), std::string::npos) << l;
      continue;
    }
    statements.push_back(l);
  }
  EXPECT_EQ(statements,
            (std::vector<std::string>{"SET standard_conforming_strings = on;", "SET client_encoding = 'UTF8';",
                                      "BEGIN;", "INSERT INTO public.t (k) VALUES ('1');", "COMMIT;"}))
      << sql;
  EXPECT_NE(sql.find("-- only in the destination, kept: x\\nDROP TABLE c; --\n"), std::string::npos) << sql;
  EXPECT_NE(sql.find("-- only in the destination, kept: y\\r*\\/z\n"), std::string::npos) << sql;
  EXPECT_NE(sql.find("-- app.t\\nDROP TABLE a; -> public.t *\\/ DROP TABLE b; /\\*: 1 rows written"), std::string::npos)
      << sql;
  EXPECT_EQ(sql.find("*/"), std::string::npos) << sql;
}

// The file sets the session settings its literals are written for, before
// any statement, rather than assuming the DBA's session has them.
TEST(CorrectionsSql, SetsTheSessionItsLiteralsAreWrittenFor) {
  TableCorrections t;
  t.source = t.destination = "t";
  t.statements = {"DELETE FROM t WHERE k = 1"};
  t.deletes = 1;
  const std::string pg = CorrectionsSql("a", "b", Engine::kPostgres, {t});
  EXPECT_LT(pg.find("\nSET standard_conforming_strings = on;\nSET client_encoding = 'UTF8';\n"), pg.find("BEGIN;"))
      << pg;
  const std::string my = CorrectionsSql("a", "b", Engine::kMysql, {t});
  const size_t mode = my.find("\nSET NAMES utf8mb4;\nSET SESSION sql_mode = '");
  ASSERT_NE(mode, std::string::npos) << my;
  EXPECT_LT(mode, my.find("START TRANSACTION;")) << my;
  const std::string mode_line = my.substr(mode, my.find('\n', mode + 25) - mode);
  EXPECT_EQ(mode_line.find("NO_BACKSLASH_ESCAPES"), std::string::npos) << my;
  EXPECT_EQ(mode_line.find("ANSI_QUOTES"), std::string::npos) << my;
}

}  // namespace
}  // namespace godwit
