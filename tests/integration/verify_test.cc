// `godwit verify` end to end, for every engine pair, through the real
// binary: identical copies verify clean (no false difference from type
// conversion, time zones, decimal scale, trailing blanks, float printing,
// JSON formatting), and differences planted on the destination — rows
// missing, rows extra, a changed value in every column of the wide table,
// NULL against '', a trailing blank in a VARCHAR, the last digit of a
// decimal, one microsecond, the next double — are each found exactly.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <set>

#include "migration_harness.h"
#include "test_env.h"
#include "wide_fixture.h"

namespace godwit::testing {
namespace {

std::string Tag(Engine e) { return e == Engine::kMysql ? "mysql" : e == Engine::kPostgres ? "pg" : "sqlite"; }

// The comparison tables, created on a source of each engine:
//   vt  integer key, 3,000 rows: decimal, datetime, double, varchar, char
//   tk  text key in mixed case (a case-insensitive collation on MySQL)
//   nk  no key, with a duplicate row
std::string ExtraTablesSql(Engine e) {
  switch (e) {
    case Engine::kMysql:
      return "CREATE TABLE vt (id INT PRIMARY KEY, d DECIMAL(20,10), t DATETIME(6), f DOUBLE, s VARCHAR(20), "
             "ch CHAR(10));"
             "INSERT INTO vt SELECT seq, seq + 0.5, TIMESTAMP'2024-01-01 00:00:00' + INTERVAL seq SECOND, seq + 0.25,"
             " IF(seq % 5 = 0, '', CONCAT('s', seq)), 'ab' FROM seq_1_to_3000;"
             "CREATE TABLE tk (code VARCHAR(20) PRIMARY KEY, v INT) DEFAULT CHARSET utf8mb4 "
             "COLLATE utf8mb4_unicode_ci;"
             "INSERT INTO tk SELECT CONCAT(IF(seq % 2 = 1, 'a', 'B'), seq), seq FROM seq_1_to_500;"
             "CREATE TABLE nk (a INT, b VARCHAR(10)); INSERT INTO nk VALUES (1, 'x'), (1, 'x'), (2, NULL);";
    case Engine::kPostgres:
      return "CREATE TABLE vt (id integer PRIMARY KEY, d numeric(20,10), t timestamp(6), f double precision, "
             "s varchar(20), ch char(10));"
             "INSERT INTO vt SELECT g, g + 0.5, timestamp '2024-01-01 00:00:00' + g * interval '1 second', g + 0.25,"
             " CASE WHEN g % 5 = 0 THEN '' ELSE 's' || g END, 'ab' FROM generate_series(1, 3000) g;"
             "CREATE TABLE tk (code varchar(20) PRIMARY KEY, v integer);"
             "INSERT INTO tk SELECT CASE WHEN g % 2 = 1 THEN 'a' ELSE 'B' END || g, g FROM generate_series(1, 500) g;"
             "CREATE TABLE nk (a integer, b varchar(10)); INSERT INTO nk VALUES (1, 'x'), (1, 'x'), (2, NULL);";
    case Engine::kSqlite:
      return "CREATE TABLE vt (id INTEGER PRIMARY KEY, d DECIMAL(20,10), t DATETIME, f DOUBLE, s VARCHAR(20), "
             "ch CHAR(10));"
             "WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < 3000) "
             "INSERT INTO vt SELECT x, x + 0.5, datetime('2024-01-01 00:00:00', '+' || x || ' seconds'), x + 0.25,"
             " CASE WHEN x % 5 = 0 THEN '' ELSE 's' || x END, 'ab' FROM g;"
             "CREATE TABLE tk (code VARCHAR(20) PRIMARY KEY, v INTEGER);"
             "WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < 500) "
             "INSERT INTO tk SELECT CASE WHEN x % 2 = 1 THEN 'a' ELSE 'B' END || x, x FROM g;"
             "CREATE TABLE nk (a INTEGER, b VARCHAR(10)); INSERT INTO nk VALUES (1, 'x'), (1, 'x'), (2, NULL);";
  }
  return "";
}

std::vector<std::string> SplitStatements(const std::string& sql) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < sql.size()) {
    size_t end = sql.find(';', start);
    if (end == std::string::npos) end = sql.size();
    std::string stmt = sql.substr(start, end - start);
    if (stmt.find_first_not_of(" \n") != std::string::npos) out.push_back(stmt);
    start = end + 1;
  }
  return out;
}

void Exec(Session& s, const std::string& sql) {
  Status st = s.Execute(sql);
  if (!st.ok()) throw std::runtime_error(sql + ": " + st.ToString());
}

// The result JSON `godwit verify --json` printed (after stderr's lines).
nlohmann::json VerifyJson(const CommandResult& r) {
  size_t at = r.output.find("\n{");
  if (at == std::string::npos) at = r.output.rfind('{', 0) == 0 ? 0 : std::string::npos;
  if (at == std::string::npos) throw std::runtime_error("no JSON in:\n" + r.output);
  return nlohmann::json::parse(r.output.substr(at));
}

const nlohmann::json& TableOf(const nlohmann::json& result, const std::string& name) {
  for (const auto& t : result["tables"]) {
    const std::string src = t["source"].get<std::string>();
    if (src == name || src.ends_with("." + name)) return t;
  }
  throw std::runtime_error("no table " + name + " in the result");
}

std::set<std::string> SampleKeys(const nlohmann::json& table, const std::string& kind) {
  std::set<std::string> keys;
  for (const auto& s : table["samples"]) {
    if (s["kind"] == kind) keys.insert(s["key"][0].get<std::string>());
  }
  return keys;
}

class VerifyPairTest : public ::testing::TestWithParam<std::pair<Engine, Engine>> {};

TEST_P(VerifyPairTest, IdenticalCopiesVerifyCleanAndEveryPlantedDifferenceIsFound) {
  auto [src_engine, dst_engine] = GetParam();
  const std::string tag = Tag(src_engine) + "_" + Tag(dst_engine);
  const std::string src_uri = PrepareWideSource(src_engine, "verify_" + tag);
  auto source = OpenSession(src_uri);
  for (const std::string& stmt : SplitStatements(ExtraTablesSql(src_engine))) Exec(*source, stmt);

  // Row 100+i of the wide table is a copy of row 1 (the maxima): on the
  // destination its column i becomes row 2's value (the minima).
  auto catalog = source->ReadCatalog([](const TableRef& r) { return r.name == "wide"; });
  ASSERT_TRUE(catalog.ok() && catalog->tables.size() == 1);
  const TableSchema wide = catalog->tables[0];
  const Dialect& sd = DialectFor(src_engine);
  std::string cols;
  for (size_t c = 1; c < wide.columns.size(); ++c) cols += ", " + sd.QuoteIdent(wide.columns[c].name);
  for (size_t c = 1; c < wide.columns.size(); ++c) {
    Exec(*source, "INSERT INTO " + sd.QualifiedName(wide.ref) + " (" + sd.QuoteIdent("id") + cols + ") SELECT " +
                      std::to_string(100 + c) + cols + " FROM " + sd.QualifiedName(wide.ref) + " WHERE " +
                      sd.QuoteIdent("id") + " = 1");
  }
  // The copies keep a short binary value instead of row 1's 1 MiB blob
  // (still unlike row 2's empty one): the blob is verified in row 1 already.
  for (const Column& c : wide.columns) {
    if (!c.type.IsBinary()) continue;
    Exec(*source, "UPDATE " + sd.QualifiedName(wide.ref) + " SET " + sd.QuoteIdent(c.name) + " = " +
                      sd.Literal(c.type, std::string("\x01\xfe", 2)) + " WHERE " + sd.QuoteIdent("id") + " >= 100");
  }

  auto [dst_uri, dst_schema] = FreshDestination(dst_engine, "verify_dst_" + tag);
  const std::string state = FreshTempDir("verify-state-" + tag);
  CommandResult run = RunGodwit("migrate -q --state-dir " + state + " " + src_uri + " " + dst_uri);
  ASSERT_EQ(run.exit_code, 0) << run.output;

  // 1. Identical: exit 0, every table consistent, every row compared.
  CommandResult clean =
      RunGodwit("verify -q --json --chunk-rows 1000 --state-dir " + state + " " + src_uri + " " + dst_uri);
  ASSERT_EQ(clean.exit_code, 0) << clean.output;
  EXPECT_EQ(clean.output.find("godwit-pw"), std::string::npos) << "password leaked:\n" << clean.output;
  nlohmann::json result = VerifyJson(clean);
  for (const auto& t : result["tables"]) EXPECT_EQ(t["status"], "consistent") << t.dump(2);
  EXPECT_EQ(TableOf(result, "vt")["rows_compared"], 3000);
  EXPECT_EQ(TableOf(result, "vt")["units_total"], 3);
  EXPECT_EQ(TableOf(result, "tk")["rows_compared"], 500);
  EXPECT_EQ(TableOf(result, "nk")["rows_compared"], 3);
  EXPECT_EQ(TableOf(result, "wide")["rows_compared"], static_cast<int64_t>(3 + wide.columns.size() - 1));
  const bool same_engine = src_engine == dst_engine && src_engine != Engine::kSqlite;
  EXPECT_EQ(TableOf(result, "vt")["method"], same_engine ? "database" : "hashed");
  // Text keys: ranges between servers of one engine that order them alike;
  // PostgreSQL's "default" collation is each database's own, so buckets.
  EXPECT_EQ(TableOf(result, "tk")["units"],
            src_engine == dst_engine && src_engine != Engine::kPostgres ? "range" : "bucket");

  // 2. Plant differences on the destination.
  auto dest = OpenSession(dst_uri);
  const Dialect& dd = DialectFor(dst_engine);
  auto dst_catalog = dest->ReadCatalog([schema = dst_schema](const TableRef& r) { return r.schema == schema; });
  ASSERT_TRUE(dst_catalog.ok());
  auto table = [&](const std::string& name) -> const TableSchema& {
    for (const auto& t : dst_catalog->tables) {
      if (t.ref.name == name) return t;
    }
    throw std::runtime_error("no destination table " + name);
  };
  auto set = [&](const std::string& t, const std::string& col, const std::string& key_literal,
                 const std::optional<std::string>& canonical) {
    const TableSchema& ts = table(t);
    const Column* c = ts.FindColumn(col);
    Exec(*dest, "UPDATE " + dd.QualifiedName(ts.ref) + " SET " + dd.QuoteIdent(col) + " = " +
                    (canonical ? dd.Literal(c->type, *canonical) : "NULL") + " WHERE " +
                    dd.QuoteIdent(ts.columns[0].name) + " = " + key_literal);
  };
  const std::string vt = dd.QualifiedName(table("vt").ref), tk = dd.QualifiedName(table("tk").ref),
                    nk = dd.QualifiedName(table("nk").ref);
  Exec(*dest, "DELETE FROM " + vt + " WHERE id IN (10, 1500, 2999)");
  Exec(*dest, "INSERT INTO " + vt + " (id, s) VALUES (5001, 'extra'), (5002, 'extra')");
  set("vt", "s", "5", std::nullopt);                   // '' -> NULL
  set("vt", "s", "7", "s7 ");                          // a trailing blank in a VARCHAR is data
  set("vt", "ch", "8", "ab  ");                        // ... in a CHAR it is not
  set("vt", "d", "11", "11.5000000001");               // the last digit of the scale
  set("vt", "t", "12", "2024-01-01 00:00:12.000001");  // one microsecond
  char next_double[64];
  std::snprintf(next_double, sizeof next_double, "%.17g", std::nextafter(13.25, 14.0));
  set("vt", "f", "13", next_double);  // the next double
  Exec(*dest, "DELETE FROM " + tk + " WHERE code = 'a1'");
  Exec(*dest, "INSERT INTO " + tk + " (code, v) VALUES ('A1', 1)");
  Exec(*dest, "UPDATE " + tk + " SET v = -2 WHERE code = 'B2'");
  Exec(*dest, "DELETE FROM " + nk + " WHERE a = 1");
  Exec(*dest, "INSERT INTO " + nk + " VALUES (1, 'x')");
  TableContents dst_wide = ReadTable(dst_uri, table("wide").ref);
  std::set<std::string> planted_columns;
  for (size_t c = 1; c < dst_wide.columns.size(); ++c) {
    const auto& row1 = dst_wide.rows[0][c];
    const auto& row2 = dst_wide.rows[1][c];
    if (row1 && row2 && CanonicalEqual(dst_wide.columns[c].type.kind, *row1, *row2)) continue;
    const std::string& name = dst_wide.columns[c].name;
    const size_t src_index = static_cast<size_t>(wide.ColumnIndex(name));
    set("wide", name, std::to_string(100 + src_index), row2);
    planted_columns.insert(name);
  }
  EXPECT_GE(planted_columns.size(), wide.columns.size() - 2) << "row 1 and row 2 should differ almost everywhere";

  CommandResult dirty =
      RunGodwit("verify -q --json --chunk-rows 1000 --state-dir " + state + " " + src_uri + " " + dst_uri);
  ASSERT_EQ(dirty.exit_code, 1) << dirty.output;
  result = VerifyJson(dirty);
  const auto& v = TableOf(result, "vt");
  EXPECT_EQ(v["status"], "inconsistent");
  EXPECT_EQ(v["only_in_source"], 3);
  EXPECT_EQ(v["only_in_destination"], 2);
  EXPECT_EQ(v["differing"], 5) << v.dump(2);
  EXPECT_EQ(v["differing_columns"], nlohmann::json({{"d", 1}, {"f", 1}, {"s", 2}, {"t", 1}})) << v.dump(2);
  EXPECT_EQ(v["consistent"], 3000 - 3 - 5);
  EXPECT_EQ(SampleKeys(v, "only_in_source"), (std::set<std::string>{"10", "1500", "2999"}));
  EXPECT_EQ(SampleKeys(v, "only_in_destination"), (std::set<std::string>{"5001", "5002"}));
  EXPECT_EQ(SampleKeys(v, "differing"), (std::set<std::string>{"5", "7", "11", "12", "13"}));
  EXPECT_EQ(v["units_mismatched"], 3) << "each of the three units holds a difference";

  const auto& k = TableOf(result, "tk");
  EXPECT_EQ(SampleKeys(k, "only_in_source"), std::set<std::string>{"a1"}) << k.dump(2);
  EXPECT_EQ(SampleKeys(k, "only_in_destination"), std::set<std::string>{"A1"}) << k.dump(2);
  EXPECT_EQ(SampleKeys(k, "differing"), std::set<std::string>{"B2"}) << k.dump(2);
  EXPECT_EQ(k["differing_columns"], nlohmann::json({{"v", 1}}));

  const auto& n = TableOf(result, "nk");
  EXPECT_EQ(n["only_in_source"], 1) << n.dump(2);
  EXPECT_EQ(n["only_in_destination"], 0);

  const auto& w = TableOf(result, "wide");
  nlohmann::json want_columns = nlohmann::json::object();
  for (const auto& c : planted_columns) want_columns[c] = 1;
  EXPECT_EQ(w["differing"], static_cast<int64_t>(planted_columns.size())) << w.dump(2);
  EXPECT_EQ(w["differing_columns"], want_columns) << w.dump(2);
  EXPECT_EQ(w["only_in_source"], 0);
  EXPECT_EQ(w["only_in_destination"], 0);

  // 3. Corrected on request (rows only in the destination too), then a
  //    re-verify is clean: every kind's value written back exactly.
  CommandResult fix = RunGodwit("verify -q --json --apply --delete-extra --chunk-rows 1000 --state-dir " + state + " " +
                                src_uri + " " + dst_uri);
  nlohmann::json after = VerifyJson(fix);
  for (const auto& t : after["tables"]) {
    if (t["source"].get<std::string>().ends_with("nk")) continue;  // no key: copied again, not corrected
    EXPECT_EQ(t["status"], "consistent") << t.dump(2);
  }
  const std::string nk_src = sd.QualifiedName({wide.ref.schema, "nk"});
  Exec(*dest, "DELETE FROM " + nk);
  Exec(*dest, "INSERT INTO " + nk + " VALUES (1, 'x'), (1, 'x'), (2, NULL)");
  CommandResult reverify =
      RunGodwit("verify -q --json --chunk-rows 1000 --state-dir " + state + " " + src_uri + " " + dst_uri);
  EXPECT_EQ(reverify.exit_code, 0) << reverify.output;
}

INSTANTIATE_TEST_SUITE_P(
    AllPairs, VerifyPairTest,
    ::testing::Values(std::pair{Engine::kMysql, Engine::kMysql}, std::pair{Engine::kMysql, Engine::kPostgres},
                      std::pair{Engine::kMysql, Engine::kSqlite}, std::pair{Engine::kPostgres, Engine::kPostgres},
                      std::pair{Engine::kPostgres, Engine::kMysql}, std::pair{Engine::kPostgres, Engine::kSqlite},
                      std::pair{Engine::kSqlite, Engine::kSqlite}, std::pair{Engine::kSqlite, Engine::kMysql},
                      std::pair{Engine::kSqlite, Engine::kPostgres}),
    [](const auto& info) { return Tag(info.param.first) + "_to_" + Tag(info.param.second); });

}  // namespace
}  // namespace godwit::testing
