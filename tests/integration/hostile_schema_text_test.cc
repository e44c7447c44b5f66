// Source schema text is data, never SQL on the destination (issue 12, item
// 2). A view and a CHECK constraint whose string literals hold \', '', \\,
// ;, --, /*, $$, # and newlines — written so that a literal copied as it is
// would end early and run what follows (MariaDB prints a quote in a literal
// as \', PostgreSQL leaves a trailing backslash bare) — are migrated by the
// real `godwit migrate` for every engine pair. On the destination the view
// must select the same values as on the source, the CHECK must refuse the
// same rows, and nothing else may have run: the canary table created on the
// destination beforehand is still there and no other object appeared.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "migration_harness.h"
#include "model/row_collector.h"
#include "schema/sql_lexer.h"
#include "process.h"
#include "test_env.h"

namespace godwit::testing {
namespace {

// The literals, decoded. Each one would break out of a literal somewhere if
// its text were copied between dialects unchanged.
const std::vector<std::string> kValues = {
    "x' AS a; CREATE TABLE pwned (a int); DROP TABLE canary; --",  // MariaDB prints it as 'x\' AS a; ...'
    "it''s",                                                       // doubled quotes
    "c\\",                                                         // ends in a backslash: escapes MySQL's quote
    "; DROP TABLE canary; CREATE TABLE pwned (a int); -- ",        // runs if the previous literal swallowed its quote
    "$$ /* -- ;\n# x\t*/",                                         // comment and dollar-quote openers, newline
    "q\"r`s[t]",                                                   // identifier quotes
    "d\\\\e'",                                                     // two backslashes and a quote
};
const std::vector<std::string> kColumns = {"a", "b", "c", "d", "e", "f", "g"};

std::string Tag(Engine e) { return e == Engine::kMysql ? "my" : e == Engine::kPostgres ? "pg" : "lite"; }

std::string Lit(const std::string& v, Engine e) { return sql::QuoteString(v, e).value(); }

// The source schema in `e`'s spelling, literals written in that engine's own
// way (MySQL with backslash escapes, PostgreSQL with E'' where a backslash
// is, SQLite with doubled quotes only), with comments in the view's text.
std::string SourceSql(Engine e) {
  const char q = e == Engine::kMysql ? '`' : '"';
  auto id = [&](const std::string& n) { return std::string(1, q) + n + q; };
  std::string check;
  for (size_t i = 0; i < kValues.size(); ++i) check += (i ? " AND " : "") + id("note") + " <> " + Lit(kValues[i], e);
  std::string select;
  for (size_t i = 0; i < kValues.size(); ++i) {
    select += std::string(i ? ", " : "") + "/* it's */ " + Lit(kValues[i], e) + " AS " + id(kColumns[i]) + " -- it's\n";
  }
  const std::string note_type = e == Engine::kMysql ? "VARCHAR(200)" : "TEXT";
  return "CREATE TABLE " + id("orders") + " (" + id("id") + " INT PRIMARY KEY, " + id("note") + " " + note_type +
         ", CONSTRAINT " + id("hostile_check") + " CHECK (" + check + "));\n" + "INSERT INTO " + id("orders") +
         " VALUES (1, 'first');\n" + "CREATE VIEW " + id("v_hostile") + " AS SELECT " + select + " FROM " +
         id("orders") + " WHERE " + id("id") + " = 1;\n";
}

std::string PrepareSource(Engine e, const std::string& tag) {
  return FreshSource(e, "hostile_src_" + tag, SourceSql(e));
}

// The view's one row as text.
std::vector<std::optional<std::string>> ViewRow(Session& s, const TableRef& view) {
  const Dialect& d = DialectFor(s.engine());
  std::string cols;
  for (size_t i = 0; i < kColumns.size(); ++i) cols += (i ? ", " : "") + d.QuoteIdent(kColumns[i]);
  std::vector<ColumnType> types(kColumns.size());
  for (auto& t : types) t.kind = TypeKind::kText;
  RowCollector rows;
  Status st = s.Query("SELECT " + cols + " FROM " + d.QualifiedName(view), types, rows, BatchLimits{});
  EXPECT_TRUE(st.ok()) << st.ToString();
  if (rows.rows.size() != 1) {
    ADD_FAILURE() << "the view returned " << rows.rows.size() << " rows";
    return {};
  }
  return rows.rows[0];
}

// Whether `table` takes a row whose note is `note`.
bool Accepts(Session& s, const TableRef& table, int id, const std::string& note) {
  const Dialect& d = DialectFor(s.engine());
  ColumnType int_type;
  int_type.kind = TypeKind::kInt32;
  return s
      .Execute("INSERT INTO " + d.QualifiedName(table) + " VALUES (" + d.Literal(int_type, std::to_string(id)) + ", " +
               d.Literal(ColumnType{}, note) + ")")
      .ok();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& text) { std::ofstream(path) << text; }

class HostileSchemaTextTest : public ::testing::TestWithParam<std::pair<Engine, Engine>> {};

TEST_P(HostileSchemaTextTest, LiteralsStayLiteralsAndNothingElseRuns) {
  auto [src_engine, dst_engine] = GetParam();
  const std::string tag = Tag(src_engine) + "_" + Tag(dst_engine);
  const std::string src_uri = PrepareSource(src_engine, tag);
  auto [dst_uri, schema] = FreshDestination(dst_engine, "hostile_dst_" + tag);
  const Dialect& dd = DialectFor(dst_engine);
  const TableRef canary{schema, "canary"}, orders{schema, "orders"}, view{schema, "v_hostile"};
  const std::string create_canary = "CREATE TABLE " + dd.QualifiedName(canary) + " (x INT)";
  if (dst_engine == Engine::kSqlite) {  // the file does not exist yet
    ASSERT_EQ(RunSqlite3(dst_uri.substr(std::string("sqlite://").size()), create_canary + ";\n"), 0);
  }
  auto dst = OpenSession(dst_uri);
  if (dst_engine != Engine::kSqlite) {
    ASSERT_TRUE(dst->Execute(create_canary).ok());
  }

  CommandResult run =
      RunGodwit("migrate -q --state-dir " + FreshTempDir("hostile-state-" + tag) + " " + src_uri + " " + dst_uri);
  EXPECT_EQ(run.exit_code, 0) << run.output;

  // Nothing else ran: the canary is there, and the only objects are the
  // canary, the table and the view.
  auto catalog = dst->ReadCatalog([schema = schema](const TableRef& r) { return r.schema == schema; });
  ASSERT_TRUE(catalog.ok()) << catalog.status().ToString();
  std::vector<std::string> tables, views;
  for (const auto& t : catalog->tables) tables.push_back(t.ref.name);
  for (const auto& v : catalog->views) views.push_back(v.ref.name);
  std::sort(tables.begin(), tables.end());
  EXPECT_EQ(tables, (std::vector<std::string>{"canary", "orders"})) << tag;
  EXPECT_EQ(views, (std::vector<std::string>{"v_hostile"})) << tag;

  // The view means the same on both sides: every literal's value.
  auto src = OpenSession(src_uri);
  const std::string src_schema = src_engine == Engine::kMysql      ? "hostile_src_" + tag
                                 : src_engine == Engine::kPostgres ? "public"
                                                                   : "";
  auto src_row = ViewRow(*src, {src_schema, "v_hostile"});
  auto dst_row = ViewRow(*dst, view);
  ASSERT_EQ(src_row.size(), kValues.size()) << tag;
  ASSERT_EQ(dst_row.size(), kValues.size()) << tag;
  for (size_t i = 0; i < kValues.size(); ++i) {
    EXPECT_EQ(src_row[i], kValues[i]) << tag << " source column " << kColumns[i];
    EXPECT_EQ(dst_row[i], kValues[i]) << tag << " destination column " << kColumns[i];
  }

  // The CHECK refuses the same rows on both sides and takes the others.
  const TableRef src_orders{src_schema, "orders"};
  for (size_t i = 0; i < kValues.size(); ++i) {
    EXPECT_FALSE(Accepts(*src, src_orders, 100 + static_cast<int>(i), kValues[i])) << tag << " source " << i;
    EXPECT_FALSE(Accepts(*dst, orders, 100 + static_cast<int>(i), kValues[i])) << tag << " destination " << i;
  }
  EXPECT_TRUE(Accepts(*src, src_orders, 200, "x' AS a")) << tag;
  EXPECT_TRUE(Accepts(*dst, orders, 200, "x' AS a")) << tag;
  EXPECT_TRUE(dst->Execute("INSERT INTO " + dd.QualifiedName(canary) + " VALUES (1)").ok())
      << tag << ": the canary table is gone";
}

// Every session runs exactly one statement per Execute, whatever the text
// holds: PostgreSQL through the extended protocol, SQLite by refusing a
// second statement, MySQL without CLIENT_MULTI_STATEMENTS.
class OneStatementTest : public ::testing::TestWithParam<Engine> {};

TEST_P(OneStatementTest, ExecuteRefusesASecondStatement) {
  const Engine e = GetParam();
  const std::string tag = Tag(e);
  auto [uri, schema] = FreshDestination(e, "hostile_one_" + tag);
  if (e == Engine::kSqlite) {
    ASSERT_EQ(RunSqlite3(uri.substr(std::string("sqlite://").size()), "CREATE TABLE keep (x INT);\n"), 0);
  }
  auto s = OpenSession(uri);
  const Dialect& d = DialectFor(e);
  const std::string keep = d.QualifiedName({schema, "keep"}), pwned = d.QualifiedName({schema, "pwned"});
  if (e != Engine::kSqlite) {
    ASSERT_TRUE(s->Execute("CREATE TABLE " + keep + " (x INT)").ok());
  }
  EXPECT_FALSE(s->Execute("CREATE TABLE " + pwned + " (x INT); DROP TABLE " + keep).ok()) << tag;
  EXPECT_FALSE(s->Execute("SELECT 1; DROP TABLE " + keep).ok()) << tag;
  EXPECT_FALSE(s->Execute(std::string("SELECT 1\0; DROP TABLE ", 22) + keep).ok()) << tag;
  EXPECT_TRUE(s->Execute("INSERT INTO " + keep + " VALUES (1)").ok()) << tag << ": the table was dropped";
  EXPECT_FALSE(s->Execute("INSERT INTO " + pwned + " VALUES (1)").ok()) << tag << ": the table was created";
  // A single statement with a trailing semicolon or comment still runs.
  EXPECT_TRUE(s->Execute("INSERT INTO " + keep + " VALUES (2); -- done").ok()) << tag;
}

// Source DATA never becomes SQL in the corrections file (security review,
// defects 1 and 2). A SQLite source holds values that break out of a literal
// when the DBA's session reads backslashes differently from the file's
// writer (`x\` and `y'` followed by `); \! touch <marker> #`), for a
// PostgreSQL database with standard_conforming_strings=off and a MariaDB
// session with NO_BACKSLASH_ESCAPES. `godwit verify --corrections` writes
// the file; psql / the mariadb client run it as a DBA would (going on after
// errors), once as written and once without its SET lines: either way only
// the corrected rows change and no \! runs. Then the source holds `1--` in
// its INTEGER column (and a shell payload in the next one): SQLite keeps
// any text in any column; Godwit refuses the row as a data error naming the
// column instead of writing it bare, where `--` would comment out the rest
// of the line.
class CorrectionsFileTest : public ::testing::TestWithParam<Engine> {};

std::vector<std::optional<std::string>> RowOf(Session& s, int id) {
  std::vector<ColumnType> types(3);
  for (auto& t : types) t.kind = TypeKind::kText;
  RowCollector rows;
  const std::string as = s.engine() == Engine::kPostgres ? "TEXT" : "CHAR";
  Status st =
      s.Query("SELECT CAST(n AS " + as + "), a, b FROM t WHERE id = " + std::to_string(id), types, rows, BatchLimits{});
  EXPECT_TRUE(st.ok()) << st.ToString();
  if (rows.rows.size() != 1) return {};
  return rows.rows[0];
}

TEST_P(CorrectionsFileTest, SourceValuesStayValuesWhateverTheSessionSettings) {
  const Engine dst_engine = GetParam();
  const std::string tag = "corrfile_" + Tag(dst_engine);
  const std::string dir = FreshTempDir(tag);
  const std::string path = dir + "/s.db";
  const std::string marker1 = dir + "/ran1", marker3 = dir + "/ran3", marker2 = dir + "/ran2";
  {
    const std::string sql =
        "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, a TEXT, b TEXT);\n"
        "INSERT INTO t VALUES (1, 1, 'x\\', '); \\! touch " +
        marker1 +
        " #'), (2, 2, 'ok', 'ok'), "
        "(3, 3, 'y''', '); \\! touch " +
        marker3 + " #');\n";
    ASSERT_EQ(RunSqlite3(path, sql), 0);
  }
  const std::string src_uri = "sqlite://" + path;
  const std::string table =
      "CREATE TABLE t (id BIGINT PRIMARY KEY, n BIGINT, a TEXT, b TEXT);"
      "CREATE TABLE canary (x INT);";
  const std::string rows =
      "DELETE FROM t; INSERT INTO t VALUES (1, 1, 'old', 'old'), (2, 2, 'ok', 'ok'), "
      "(3, 3, 'old', 'old');";
  std::string dst_uri, client;
  if (dst_engine == Engine::kPostgres) {
    RecreatePgDatabase(Servers().pg_dest_port, tag);
    PgAdmin(Servers().pg_dest_port, table + "ALTER DATABASE " + tag + " SET standard_conforming_strings = off;", tag);
    dst_uri = PgDestUri(tag);
    client = "psql -X -q -h 127.0.0.1 -p " + std::to_string(Servers().pg_dest_port) + " -U postgres -d " + tag;
  } else {
    RecreateMysqlDatabase(tag);
    MysqlAdmin(table, tag);
    dst_uri = MysqlUri(tag);
    client = "mariadb --no-defaults --force -h127.0.0.1 -P" + std::to_string(Servers().mysql_port) +
             " -uroot --default-character-set=utf8mb4 \"--init-command=SET SESSION sql_mode='NO_BACKSLASH_ESCAPES'\" " +
             tag;
  }
  auto admin = [&](const std::string& sql) {
    if (dst_engine == Engine::kPostgres) {
      PgAdmin(Servers().pg_dest_port, sql, tag);
    } else {
      MysqlAdmin(sql, tag);
    }
  };
  const std::string file = dir + "/corrections.sql";
  for (bool with_set_lines : {true, false}) {
    admin(rows);
    CommandResult r = RunGodwit("verify -q --state-dir " + FreshTempDir(tag + "-state") + " --corrections " + file +
                                " " + src_uri + " " + dst_uri);
    ASSERT_EQ(r.exit_code, 1) << r.output;
    std::string sql = ReadFile(file);
    if (!with_set_lines) {
      std::string kept;
      std::istringstream lines(sql);
      for (std::string l; std::getline(lines, l);) {
        if (!l.starts_with("SET ")) kept += l + "\n";
      }
      sql = kept;
    }
    const std::string run = dir + "/run.sql";
    WriteFile(run, sql);
    EXPECT_GE(std::system((client + " < " + run + " > " + dir + "/client.out 2>&1").c_str()), 0);
    EXPECT_FALSE(std::filesystem::exists(marker1)) << "a value ran as a client command:\n" << sql;
    EXPECT_FALSE(std::filesystem::exists(marker3)) << "a value ran as a client command:\n" << sql;
    auto dst = OpenSession(dst_uri);
    using Row = std::vector<std::optional<std::string>>;
    EXPECT_EQ(RowOf(*dst, 1), (Row{"1", "x\\", "); \\! touch " + marker1 + " #"}))
        << sql << ReadFile(dir + "/client.out");
    EXPECT_EQ(RowOf(*dst, 2), (Row{"2", "ok", "ok"})) << sql;
    EXPECT_EQ(RowOf(*dst, 3), (Row{"3", "y'", "); \\! touch " + marker3 + " #"})) << sql;
    EXPECT_TRUE(dst->Execute("SELECT x FROM canary").ok());
  }

  // `1--` in an INTEGER column, a line break and a client command in the
  // next: a data error naming the column, no file line written from it.
  {
    const std::string sql = "UPDATE t SET n = '1--', a = char(10) || ');' || char(10) || '\\! touch " + marker2 +
                            "' || char(10) WHERE id = 2;\n";
    ASSERT_EQ(RunSqlite3(path, sql), 0);
  }
  std::filesystem::remove(file);
  CommandResult r = RunGodwit("verify -q --state-dir " + FreshTempDir(tag + "-state2") + " --corrections " + file +
                              " " + src_uri + " " + dst_uri);
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("value '1--' in column n of table t"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("is not an integer"), std::string::npos) << r.output;
  if (std::filesystem::exists(file)) {
    EXPECT_GE(std::system((client + " < " + file + " > /dev/null 2>&1").c_str()), 0);
    EXPECT_EQ(ReadFile(file).find("1--"), std::string::npos) << ReadFile(file);
  }
  EXPECT_FALSE(std::filesystem::exists(marker2));
}

// A SQLite default is a literal only when it is one whole literal: the
// string '1--' on an INTEGER column is written quoted (PostgreSQL then
// refuses the table, a clear DDL error, rather than reading `DEFAULT 1--` and
// a comment), and 'a' || 'b' is an expression, not the string "a' || 'b".
TEST(SqliteDefaults, AreLiteralsOrExpressionsNeverText) {
  const std::string dir = FreshTempDir("sqlite-defaults");
  {
    ASSERT_EQ(RunSqlite3(dir + "/s.db",
                         "CREATE TABLE d (id INTEGER PRIMARY KEY, x INTEGER DEFAULT '1--', y TEXT);\n"
                         "CREATE TABLE e (id INTEGER PRIMARY KEY, y TEXT DEFAULT ('a' || 'b'), z INT DEFAULT -3);\n"),
              0);
  }
  const std::string db = "sqlite_defaults_dst";
  RecreatePgDatabase(Servers().pg_dest_port, db);
  PgAdmin(Servers().pg_dest_port, "CREATE TABLE canary (x int);", db);
  CommandResult r = RunGodwit("migrate -q --state-dir " + dir + "/state sqlite://" + dir + "/s.db " + PgDestUri(db));
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("\"x\" bigint DEFAULT '1--'"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("default ('a' || 'b') of e.y is an expression"), std::string::npos) << r.output;
  auto dst = OpenSession(PgDestUri(db));
  EXPECT_TRUE(dst->Execute("SELECT x FROM canary").ok());
  EXPECT_TRUE(dst->Execute("INSERT INTO e (id) VALUES (1)").ok());
  std::vector<ColumnType> types(2);
  for (auto& t : types) t.kind = TypeKind::kText;
  RowCollector rows;
  ASSERT_TRUE(dst->Query("SELECT y, CAST(z AS TEXT) FROM e", types, rows, BatchLimits{}).ok());
  ASSERT_EQ(rows.rows.size(), 1u);
  EXPECT_EQ(rows.rows[0], (std::vector<std::optional<std::string>>{std::nullopt, "-3"}));
}

INSTANTIATE_TEST_SUITE_P(PgAndMysql, CorrectionsFileTest, ::testing::Values(Engine::kPostgres, Engine::kMysql),
                         [](const auto& info) { return Tag(info.param); });

INSTANTIATE_TEST_SUITE_P(AllEngines, OneStatementTest,
                         ::testing::Values(Engine::kMysql, Engine::kPostgres, Engine::kSqlite),
                         [](const auto& info) { return Tag(info.param); });

INSTANTIATE_TEST_SUITE_P(AllPairs, HostileSchemaTextTest, ::testing::ValuesIn(AllEnginePairs()),
                         [](const auto& info) { return Tag(info.param.first) + "_to_" + Tag(info.param.second); });

}  // namespace
}  // namespace godwit::testing
