// `godwit verify` end to end beyond verify_test.cc, through the real binary
// against the test servers:
//   - corrections: the reviewable file (an upsert of the source's row for a
//     missing or changed row, a comment and no DELETE for a row only in the
//     destination, one transaction), --apply (the destination then holds the
//     source's values; the extra row is kept, so exit 1), --apply
//     --delete-extra (exit 0, and a plain verify agrees), a keyless table
//     (no statement: copy it again), and a row deleted on the source after it
//     was found, which becomes a DELETE because corrections read the source
//     as it is when they are built;
//   - re-verify modes: --mode abnormal leaves a consistent table's result as
//     it was, --mode records re-reads only the recorded rows;
//   - a run killed at named crash points (GODWIT_CRASH_AT) resumes as the
//     same run, does not compare a recorded unit again, and counts every
//     difference exactly once;
//   - bad input: a table missing on the destination, malformed URIs, a wrong
//     password, an unreachable server, --method database across engines or
//     for columns declared differently, an --include matching nothing;
//   - no blocking: during a verification of a 300,000-row table, single-row
//     UPDATEs on the source stay fast and an ADD COLUMN on it completes.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "migration_harness.h"
#include "polling.h"
#include "process.h"
#include "test_env.h"

namespace godwit::testing {
namespace {

using Json = nlohmann::json;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

std::string Tag(Engine e) { return e == Engine::kMysql ? "mysql" : "pg"; }

// A database on one of the test servers.
struct Db {
  Engine engine = Engine::kMysql;
  int pg_port = 0;  // PostgreSQL: which of the two servers
  std::string name;
  std::string uri;
  std::string schema;  // where its tables are: the database (MySQL), public (PostgreSQL)
  TableRef Table(const std::string& t) const { return {schema, t}; }
  std::string Qualified(const std::string& t) const { return DialectFor(engine).QualifiedName(Table(t)); }
};

Db SourceDb(Engine e, const std::string& name) {
  if (e == Engine::kMysql) {
    RecreateMysqlDatabase(name);
    return {e, 0, name, MysqlUri(name), name};
  }
  RecreatePgDatabase(Servers().pg_source_port, name);
  return {e, Servers().pg_source_port, name, PgSourceUri(name), "public"};
}

Db DestinationDb(Engine e, const std::string& name) {
  Destination d = FreshDestination(e, name);
  return {e, e == Engine::kPostgres ? Servers().pg_dest_port : 0, name, d.uri, d.schema};
}

// Runs `sql` as an administrator, independently of the code under test.
void Sql(const Db& db, const std::string& sql) {
  if (db.engine == Engine::kMysql) {
    MysqlAdmin(sql, db.name);
  } else {
    PgAdmin(db.pg_port, sql, db.name);
  }
}

// `table` with ids 1..rows: name 'name-ID', note '' for every 7th id and
// 'note-ID' otherwise, amount ID.25.
std::string AccountsSql(Engine e, const std::string& table, int rows) {
  const std::string n = std::to_string(rows);
  if (e == Engine::kMysql) {
    return "CREATE TABLE " + table +
           " (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL, note VARCHAR(40) NULL, amount DECIMAL(12,2));"
           "INSERT INTO " +
           table +
           " SELECT seq, CONCAT('name-', seq), IF(seq % 7 = 0, '', CONCAT('note-', seq)),"
           " seq + 0.25 FROM seq_1_to_" +
           n + ";";
  }
  return "CREATE TABLE " + table +
         " (id integer PRIMARY KEY, name varchar(40) NOT NULL, note varchar(40), amount numeric(12,2));"
         "INSERT INTO " +
         table +
         " SELECT g, 'name-' || g, CASE WHEN g % 7 = 0 THEN '' ELSE 'note-' || g END,"
         " g + 0.25 FROM generate_series(1, " +
         n + ") g;";
}

std::string NoKeySql(Engine e) {
  return std::string("CREATE TABLE nokey (a ") + (e == Engine::kMysql ? "INT" : "integer") +
         ", b VARCHAR(10)); INSERT INTO nokey VALUES (1, 'x'), (2, 'y'), (3, 'z');";
}

// Identical copies, built by the same statements on each side (godwit
// migrate's own conversions are verify_test.cc's subject; here the copy only
// has to be identical, and is quicker to make).
using TablesSql = std::string (*)(Engine);

void MakeCopies(const Db& src, const Db& dst, TablesSql tables) {
  Sql(src, tables(src.engine));
  Sql(dst, tables(dst.engine));
}

std::string VerifyArgs(const Db& src, const Db& dst, const std::string& state, const std::string& extra) {
  return "verify -q --json --chunk-rows 500 --state-dir " + state + " " + extra + " " + src.uri + " " + dst.uri;
}

// --- running godwit with failpoints in its environment -------------------

struct Process {
  pid_t pid = -1;
  std::string log;
  bool reaped = false;
  int status = 0;
};

std::vector<std::string> Words(const std::string& s) {
  std::istringstream in(s);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

// Starts `godwit ARGS` (split at blanks) with `env` ("NAME=value") added to
// its environment, its stdout and stderr to a log file. Everything the child
// needs is made before fork(): the test may have threads running.
Process Start(const std::string& args, const std::vector<std::string>& env) {
  Process p;
  p.log = FreshTempDir("vcli-log") + "/out.log";
  std::vector<std::string> argv{GodwitBinary()};
  for (auto& w : Words(args)) argv.push_back(w);
  p.pid = SpawnLogged(argv, EnvironWith(env), p.log, /*truncate=*/true);
  return p;
}

bool Running(Process& p) {
  if (p.reaped) return false;
  if (waitpid(p.pid, &p.status, WNOHANG) == 0) return true;
  p.reaped = true;
  return false;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

struct Finished {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;
  std::string output;
};

Finished Finish(Process& p) {
  if (!p.reaped) waitpid(p.pid, &p.status, 0);
  p.reaped = true;
  Finished f;
  if (WIFEXITED(p.status)) f.exit_code = WEXITSTATUS(p.status);
  if (WIFSIGNALED(p.status)) f.signal = WTERMSIG(p.status);
  f.output = ReadFile(p.log);
  return f;
}

Finished RunWithEnv(const std::string& args, const std::vector<std::string>& env) {
  Process p = Start(args, env);
  return Finish(p);
}

// --- reading results ----------------------------------------------------

// The result document `godwit verify --json` printed (lines on stderr come
// before and after it).
Json ResultJson(const std::string& output) {
  size_t at = output.rfind('{', 0) == 0 ? 0 : output.find("\n{");
  if (at == std::string::npos) throw std::runtime_error("no JSON in:\n" + output);
  std::istringstream in(output.substr(at));
  Json j;
  in >> j;
  return j;
}

Json TableOf(const Json& result, const std::string& name) {
  for (const auto& t : result["tables"]) {
    const std::string src = t["source"].get<std::string>();
    if (src == name || src.ends_with("." + name)) return t;
  }
  throw std::runtime_error("no table " + name + " in:\n" + result.dump(2));
}

std::set<std::string> SampleKeys(const Json& table, const std::string& kind) {
  std::set<std::string> keys;
  for (const auto& s : table["samples"]) {
    if (s["kind"] == kind) keys.insert(s["key"][0].get<std::string>());
  }
  return keys;
}

// The counts an uninterrupted run and a resumed one must agree on.
Json Counts(const Json& t) {
  Json c;
  for (const char* k : {"status", "units_total", "units_done", "units_mismatched", "rows_source", "rows_destination",
                        "consistent", "only_in_source", "only_in_destination", "differing", "differing_columns"}) {
    c[k] = t[k];
  }
  return c;
}

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

// The verification state file in `dir` (one source/destination pair per
// directory), or "" before godwit created it.
std::string StateFile(const std::string& dir) {
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.starts_with("verify-") && name.ends_with(".db")) return e.path().string();
  }
  return "";
}

// The output of `sqlite3` on the state file, trailing newline removed.
std::string StateQuery(const std::string& dir, const std::string& sql) {
  const std::string file = StateFile(dir);
  if (file.empty()) throw std::runtime_error("no verify-*.db in " + dir);
  ShellOutput r = RunShell("sqlite3 -batch -cmd '.timeout 5000' " + ShellQuote(file) + " " + ShellQuote(sql) + " 2>&1");
  if (r.status == -1) throw std::runtime_error("cannot run sqlite3");
  std::string out = std::move(r.output);
  if (r.status != 0) throw std::runtime_error("sqlite3 " + sql + ": " + out);
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

int64_t StateCount(const std::string& dir, const std::string& sql) { return std::stoll(StateQuery(dir, sql)); }

// StateCount while godwit runs: nullopt until the file is in WAL mode (a
// reader before that could race with godwit switching it) and its tables are
// there.
std::optional<int64_t> PollStateCount(const std::string& dir, const std::string& sql) {
  const std::string file = StateFile(dir);
  if (file.empty() || !std::filesystem::exists(file + "-wal")) return std::nullopt;
  try {
    return StateCount(dir, sql);
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::vector<std::string> LinesStartingWith(const std::string& text, const std::string& prefix) {
  std::vector<std::string> out;
  for (const auto& l : Lines(text)) {
    if (l.starts_with(prefix)) out.push_back(l);
  }
  return out;
}

// The one line of `lines` containing `needle`, or "" (with a failure) when
// there is not exactly one.
std::string OneLineWith(const std::vector<std::string>& lines, const std::string& needle, const std::string& context) {
  std::vector<std::string> found;
  for (const auto& l : lines) {
    if (l.find(needle) != std::string::npos) found.push_back(l);
  }
  EXPECT_EQ(found.size(), 1u) << "lines with " << needle << " in:\n" << context;
  return found.size() == 1 ? found[0] : "";
}

using Row = std::vector<std::optional<std::string>>;

std::map<std::string, Row> RowsById(const TableContents& t) {
  std::map<std::string, Row> out;
  for (const auto& r : t.rows) out[*r[0]] = r;
  return out;
}

// Each column of `got` equals `want` in normal form; NULL equals only NULL.
bool SameRow(const std::vector<Column>& columns, const Row& want, const Row& got) {
  if (want.size() != got.size()) return false;
  for (size_t c = 0; c < want.size(); ++c) {
    if (want[c].has_value() != got[c].has_value()) return false;
    if (want[c] && !CanonicalEqual(columns[c].type.kind, *want[c], *got[c])) return false;
  }
  return true;
}

std::string RowText(const Row& r) {
  std::string s = "(";
  for (const auto& v : r) s += (s.size() > 1 ? ", " : "") + (v ? "'" + *v + "'" : "NULL");
  return s + ")";
}

// The destination's table holds exactly the source's rows, plus `extra` ids.
void ExpectSameRows(const Db& src, const Db& dst, const std::string& table, const std::set<std::string>& extra) {
  TableContents s = ReadTable(src.uri, src.Table(table));
  TableContents d = ReadTable(dst.uri, dst.Table(table));
  auto want = RowsById(s);
  auto got = RowsById(d);
  EXPECT_EQ(got.size(), want.size() + extra.size());
  for (const auto& [id, row] : want) {
    auto it = got.find(id);
    if (it == got.end()) {
      ADD_FAILURE() << "id " << id << " missing on the destination";
      continue;
    }
    EXPECT_TRUE(SameRow(d.columns, row, it->second))
        << "id " << id << ": source " << RowText(row) << ", destination " << RowText(it->second);
  }
  for (const auto& id : extra) EXPECT_TRUE(got.count(id)) << "extra row " << id << " should be kept";
}

// ---------------------------------------------------------------------------
// 1. Corrections

class VerifyCorrectionsPairTest : public ::testing::TestWithParam<std::pair<Engine, Engine>> {};

TEST_P(VerifyCorrectionsPairTest, FileApplyAndDeleteExtra) {
  const auto [se, de] = GetParam();
  const std::string tag = Tag(se) + "_" + Tag(de);
  Db src = SourceDb(se, "vcli_corr_" + tag);
  Db dst = DestinationDb(de, "vcli_corr_dst_" + tag);
  MakeCopies(src, dst, [](Engine e) { return AccountsSql(e, "acct", 3000) + NoKeySql(e); });

  // Missing (100), extra (9001), a changed value (200), NULL for '' (7;
  // every 7th note is '' on the source), and a keyless table's row changed.
  Sql(dst,
      "DELETE FROM acct WHERE id = 100;"
      "INSERT INTO acct (id, name, note, amount) VALUES (9001, 'extra', NULL, 1);"
      "UPDATE acct SET name = 'changed' WHERE id = 200;"
      "UPDATE acct SET note = NULL WHERE id = 7;"
      "UPDATE nokey SET b = 'changed' WHERE a = 2;");

  const std::string state = FreshTempDir("vcli-corr-" + tag);
  const std::string file = state + "/corrections.sql";

  // --corrections: the file, nothing applied.
  CommandResult r = RunGodwit(VerifyArgs(src, dst, state, "--corrections " + file));
  ASSERT_EQ(r.exit_code, 1) << r.output;
  const Json first = ResultJson(r.output);
  Json t = TableOf(first, "acct");
  EXPECT_EQ(t["status"], "inconsistent");
  EXPECT_EQ(t["only_in_source"], 1) << t.dump(2);
  EXPECT_EQ(t["only_in_destination"], 1) << t.dump(2);
  EXPECT_EQ(t["differing"], 2) << t.dump(2);
  EXPECT_EQ(t["differing_columns"], Json({{"name", 1}, {"note", 1}})) << t.dump(2);
  t = TableOf(first, "nokey");
  EXPECT_EQ(t["only_in_source"], 1) << t.dump(2);
  EXPECT_EQ(t["only_in_destination"], 1) << t.dump(2);
  EXPECT_NE(r.output.find("3 correction statements written to " + file), std::string::npos) << r.output;

  const std::string sql = ReadFile(file);
  const std::vector<std::string> lines = Lines(sql);
  const std::string table = dst.Qualified("acct");
  const auto inserts = LinesStartingWith(sql, "INSERT INTO " + table + " (");
  EXPECT_EQ(inserts.size(), 3u) << sql;
  EXPECT_EQ(LinesStartingWith(sql, "INSERT").size(), 3u) << sql;
  EXPECT_TRUE(LinesStartingWith(sql, "DELETE").empty()) << "the row only in the destination is kept:\n" << sql;
  const std::string upsert = de == Engine::kMysql ? " ON DUPLICATE KEY UPDATE " : " ON CONFLICT (";
  for (const auto& l : inserts) EXPECT_NE(l.find(upsert), std::string::npos) << l;
  // The source's values, NULL and '' kept apart.
  OneLineWith(inserts, "VALUES (7, 'name-7', '', ", sql);
  OneLineWith(inserts, "VALUES (100, 'name-100', 'note-100', ", sql);
  OneLineWith(inserts, "VALUES (200, 'name-200', 'note-200', ", sql);
  EXPECT_EQ(OneLineWith(lines, "9001", sql), "-- only in the destination, kept: 9001");
  OneLineWith(lines, ": 3 rows written, 0 deleted, 1 only in the destination kept", sql);
  // One transaction around the statements.
  const std::string begin = de == Engine::kMysql ? "START TRANSACTION;" : "BEGIN;";
  auto at = [&](const std::string& l) { return std::find(lines.begin(), lines.end(), l) - lines.begin(); };
  EXPECT_EQ(std::count(lines.begin(), lines.end(), begin), 1) << sql;
  EXPECT_EQ(std::count(lines.begin(), lines.end(), "COMMIT;"), 1) << sql;
  for (const auto& l : inserts) {
    EXPECT_LT(at(begin), at(l)) << sql;
    EXPECT_LT(at(l), at("COMMIT;")) << sql;
  }
  // The keyless table: no statement, a comment saying to copy it again.
  OneLineWith(lines,
              "-- " + dst.Table("nokey").ToString() +
                  " has no key: its 2 differing rows cannot be corrected one by one; copy the table again",
              sql);
  for (const auto& l : lines) {
    // The session the file's literals are written for comes first.
    if (l.starts_with("SET ")) {
      EXPECT_LT(at(l), at(begin)) << sql;
      continue;
    }
    EXPECT_TRUE(l.empty() || l.starts_with("-- ") || l == begin || l == "COMMIT;" ||
                l.starts_with("INSERT INTO " + table + " ("))
        << "a statement for another table than acct: " << l;
  }
  // Written, not run.
  {
    auto rows = RowsById(ReadTable(dst.uri, dst.Table("acct")));
    EXPECT_EQ(rows.count("100"), 0u);
    EXPECT_EQ(rows["200"][1], "changed");
    EXPECT_EQ(rows["7"][2], std::nullopt);
  }

  // --apply: the three rows are the source's now; the extra row is kept,
  // so the destination is still not identical.
  r = RunGodwit(VerifyArgs(src, dst, state, "--include acct --apply"));
  ASSERT_EQ(r.exit_code, 1) << r.output;
  t = TableOf(ResultJson(r.output), "acct");
  EXPECT_EQ(t["status"], "inconsistent") << t.dump(2);
  EXPECT_EQ(t["only_in_source"], 0) << t.dump(2);
  EXPECT_EQ(t["only_in_destination"], 1) << t.dump(2);
  EXPECT_EQ(t["differing"], 0) << t.dump(2);
  EXPECT_EQ(SampleKeys(t, "only_in_destination"), std::set<std::string>{"9001"}) << t.dump(2);
  ExpectSameRows(src, dst, "acct", {"9001"});

  // --apply --delete-extra: identical; a plain verify agrees.
  r = RunGodwit(VerifyArgs(src, dst, state, "--include acct --apply --delete-extra"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  t = TableOf(ResultJson(r.output), "acct");
  EXPECT_EQ(t["status"], "consistent") << t.dump(2);
  EXPECT_EQ(t["only_in_destination"], 0) << t.dump(2);
  ExpectSameRows(src, dst, "acct", {});
  r = RunGodwit(VerifyArgs(src, dst, state, "--include acct"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(TableOf(ResultJson(r.output), "acct")["consistent"], 3000);
}

INSTANTIATE_TEST_SUITE_P(Pairs, VerifyCorrectionsPairTest,
                         ::testing::Values(std::pair{Engine::kMysql, Engine::kPostgres},
                                           std::pair{Engine::kPostgres, Engine::kMysql},
                                           std::pair{Engine::kMysql, Engine::kMysql}),
                         [](const auto& info) { return Tag(info.param.first) + "_to_" + Tag(info.param.second); });

// Corrections read the source as it is when they are built: a row found
// differing and deleted on the source before then becomes a DELETE, and a
// row changed on the source since becomes an upsert of its new values.
TEST(VerifyCorrectionsTest, CorrectionsUseTheSourcesCurrentRows) {
  Db src = SourceDb(Engine::kPostgres, "vcli_current");
  Db dst = DestinationDb(Engine::kMysql, "vcli_current_dst");
  MakeCopies(src, dst, [](Engine e) { return AccountsSql(e, "acct", 3000); });
  Sql(dst, "UPDATE acct SET name = 'changed' WHERE id IN (300, 310, 2900);");

  // One worker, and a pause after each recorded unit: the first unit (ids
  // 300 and 310) is recorded seconds before the run ends.
  const std::string state = FreshTempDir("vcli-current");
  const std::string file = state + "/corrections.sql";
  Process p = Start(VerifyArgs(src, dst, state, "--concurrency 1 --corrections " + file),
                    {"GODWIT_DELAY_AT=verify.unit_done:300"});
  const bool found = PollUntil(20s, 20ms, [&] {
    return PollStateCount(state, "SELECT count(*) FROM verify_diff WHERE key_json IN ('[\"300\"]', '[\"310\"]')") == 2;
  });
  Sql(src, "DELETE FROM acct WHERE id = 300; UPDATE acct SET name = 'renamed-310' WHERE id = 310;");
  const bool mid_run = Running(p);  // so the corrections are built after the change
  Finished f = Finish(p);
  ASSERT_TRUE(found && mid_run) << "the first unit's differences should be recorded while the run goes on:\n"
                                << f.output;
  ASSERT_EQ(f.exit_code, 1) << f.output;
  Json t = TableOf(ResultJson(f.output), "acct");
  EXPECT_EQ(t["differing"], 3) << t.dump(2);
  EXPECT_EQ(SampleKeys(t, "differing"), (std::set<std::string>{"300", "310", "2900"})) << t.dump(2);

  const std::string sql = ReadFile(file);
  const auto deletes = LinesStartingWith(sql, "DELETE FROM " + dst.Qualified("acct") + " WHERE ");
  ASSERT_EQ(deletes.size(), 1u) << sql;
  EXPECT_NE(deletes[0].find("300"), std::string::npos) << sql;
  const auto inserts = LinesStartingWith(sql, "INSERT INTO ");
  EXPECT_EQ(inserts.size(), 2u) << sql;
  OneLineWith(inserts, "VALUES (310, 'renamed-310', 'note-310', ", sql);
  OneLineWith(inserts, "VALUES (2900, 'name-2900', 'note-2900', ", sql);
  OneLineWith(Lines(sql), ": 2 rows written, 1 deleted, 0 only in the destination kept", sql);
}

// ---------------------------------------------------------------------------
// 2. Re-verify modes

TEST(VerifyModesTest, AbnormalLeavesConsistentTablesAndRecordsRereadsOnlyTheRecordedRows) {
  Db src = SourceDb(Engine::kMysql, "vcli_modes");
  Db dst = DestinationDb(Engine::kPostgres, "vcli_modes_dst");
  MakeCopies(src, dst, [](Engine e) { return AccountsSql(e, "t_bad", 2000) + AccountsSql(e, "t_ok", 2000); });
  Sql(dst,
      "UPDATE t_bad SET name = 'changed' WHERE id = 10;"
      "UPDATE t_bad SET amount = 0 WHERE id = 1200;"
      "DELETE FROM t_bad WHERE id = 1900;");
  const std::string state = FreshTempDir("vcli-modes");

  CommandResult r = RunGodwit(VerifyArgs(src, dst, state, ""));
  ASSERT_EQ(r.exit_code, 1) << r.output;
  const Json first = ResultJson(r.output);
  const Json ok_first = TableOf(first, "t_ok");
  const Json bad_first = TableOf(first, "t_bad");
  ASSERT_EQ(ok_first["status"], "consistent") << ok_first.dump(2);
  ASSERT_EQ(bad_first["differing"], 2) << bad_first.dump(2);
  ASSERT_EQ(bad_first["only_in_source"], 1) << bad_first.dump(2);
  const int64_t run1 = first["run"];
  auto run_of = [&](const std::string& table) {
    return StateCount(state, "SELECT run_id FROM verify_table WHERE source = '" + src.Table(table).ToString() + "'");
  };
  ASSERT_EQ(run_of("t_ok"), run1);
  ASSERT_EQ(run_of("t_bad"), run1);

  // A change on t_ok's destination that only a new verification of t_ok
  // could see: --mode abnormal must not look at t_ok.
  Sql(dst, "UPDATE t_ok SET name = 'unseen' WHERE id = 5;");
  r = RunGodwit(VerifyArgs(src, dst, state, "--mode abnormal"));
  ASSERT_EQ(r.exit_code, 1) << r.output;
  Json result = ResultJson(r.output);
  const int64_t run2 = result["run"];
  EXPECT_GT(run2, run1);
  EXPECT_EQ(TableOf(result, "t_ok"), ok_first) << "t_ok keeps its result, elapsed_seconds included";
  EXPECT_EQ(run_of("t_ok"), run1);
  EXPECT_EQ(run_of("t_bad"), run2);
  Json bad = TableOf(result, "t_bad");
  EXPECT_EQ(Counts(bad), Counts(bad_first)) << bad.dump(2);
  Sql(dst, "UPDATE t_ok SET name = 'name-5' WHERE id = 5;");

  // --mode records, the rows still different: the same differences.
  r = RunGodwit(VerifyArgs(src, dst, state, "--mode records"));
  ASSERT_EQ(r.exit_code, 1) << r.output;
  result = ResultJson(r.output);
  bad = TableOf(result, "t_bad");
  EXPECT_EQ(bad["status"], "inconsistent");
  EXPECT_EQ(bad["differing"], 2) << bad.dump(2);
  EXPECT_EQ(bad["only_in_source"], 1) << bad.dump(2);
  EXPECT_EQ(bad["only_in_destination"], 0) << bad.dump(2);
  EXPECT_EQ(bad["differing_columns"], Json({{"amount", 1}, {"name", 1}})) << bad.dump(2);
  EXPECT_EQ(SampleKeys(bad, "differing"), (std::set<std::string>{"10", "1200"})) << bad.dump(2);
  EXPECT_EQ(SampleKeys(bad, "only_in_source"), std::set<std::string>{"1900"}) << bad.dump(2);
  EXPECT_EQ(TableOf(result, "t_ok")["status"], "consistent");

  // Fixed by hand; a new difference elsewhere in t_bad is not a recorded
  // row, so --mode records does not read it ...
  Sql(dst,
      "UPDATE t_bad SET name = 'name-10' WHERE id = 10;"
      "UPDATE t_bad SET amount = 1200.25 WHERE id = 1200;"
      "INSERT INTO t_bad (id, name, note, amount) VALUES (1900, 'name-1900', 'note-1900', 1900.25);"
      "UPDATE t_bad SET name = 'late' WHERE id = 1500;");
  r = RunGodwit(VerifyArgs(src, dst, state, "--mode records"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  result = ResultJson(r.output);
  bad = TableOf(result, "t_bad");
  EXPECT_EQ(bad["status"], "consistent") << bad.dump(2);
  EXPECT_EQ(bad["differing"], 0) << bad.dump(2);
  EXPECT_EQ(bad["only_in_source"], 0) << bad.dump(2);
  EXPECT_EQ(TableOf(result, "t_ok")["status"], "consistent");

  // ... which a whole verification does.
  r = RunGodwit(VerifyArgs(src, dst, state, "--include t_bad"));
  ASSERT_EQ(r.exit_code, 1) << r.output;
  bad = TableOf(ResultJson(r.output), "t_bad");
  EXPECT_EQ(SampleKeys(bad, "differing"), std::set<std::string>{"1500"}) << bad.dump(2);
  EXPECT_EQ(bad["only_in_source"], 0) << bad.dump(2);
}

// ---------------------------------------------------------------------------
// 3. Kill and resume

TEST(VerifyResumeTest, KilledRunResumesWithoutComparingRecordedUnitsAgain) {
  Db src = SourceDb(Engine::kPostgres, "vcli_resume");
  Db dst = DestinationDb(Engine::kMysql, "vcli_resume_dst");
  MakeCopies(src, dst, [](Engine e) { return AccountsSql(e, "acct", 5000); });
  // One difference in the first unit (recorded before the crash), one in
  // the last (compared after it).
  Sql(dst, "UPDATE acct SET name = 'changed' WHERE id = 10; DELETE FROM acct WHERE id = 4990;");

  // The uninterrupted result.
  CommandResult r = RunGodwit(VerifyArgs(src, dst, FreshTempDir("vcli-resume-base"), "--concurrency 1"));
  ASSERT_EQ(r.exit_code, 1) << r.output;
  const Json baseline = TableOf(ResultJson(r.output), "acct");
  const int64_t units = baseline["units_total"];
  ASSERT_GE(units, 8) << baseline.dump(2);
  ASSERT_EQ(baseline["differing"], 1);
  ASSERT_EQ(baseline["only_in_source"], 1);
  ASSERT_EQ(baseline["units_mismatched"], 2);

  // Killed right after the third unit is recorded (one worker: units 0-2).
  const std::string state = FreshTempDir("vcli-resume");
  const std::string args = VerifyArgs(src, dst, state, "--concurrency 1");
  Finished f = RunWithEnv(args, {"GODWIT_CRASH_AT=verify.unit_done:3"});
  ASSERT_EQ(f.signal, SIGKILL) << "exit " << f.exit_code << ":\n" << f.output;
  EXPECT_EQ(
      StateQuery(state, "SELECT group_concat(idx) FROM (SELECT idx FROM verify_unit WHERE done = 1 ORDER BY idx)"),
      "0,1,2");
  EXPECT_EQ(StateQuery(state, "SELECT key_json FROM verify_diff"), "[\"10\"]");
  EXPECT_EQ(StateQuery(state, "SELECT count(*), max(state) FROM verify_run"), "1|running");
  const int64_t run = StateCount(state, "SELECT id FROM verify_run");

  // A change in unit 0 after the crash: a resumed run that compared unit 0
  // again would find it.
  Sql(dst, "UPDATE acct SET name = 'after-crash' WHERE id = 20;");
  r = RunGodwit(args);
  ASSERT_EQ(r.exit_code, 1) << r.output;
  Json result = ResultJson(r.output);
  EXPECT_EQ(result["run"], run) << "the same run, resumed";
  EXPECT_EQ(result["state"], "completed");
  Json t = TableOf(result, "acct");
  EXPECT_EQ(Counts(t), Counts(baseline)) << t.dump(2);
  EXPECT_EQ(SampleKeys(t, "differing"), std::set<std::string>{"10"}) << t.dump(2);
  EXPECT_EQ(SampleKeys(t, "only_in_source"), std::set<std::string>{"4990"}) << t.dump(2);
  EXPECT_EQ(StateQuery(state, "SELECT count(*), max(state) FROM verify_run"), "1|completed");
  EXPECT_EQ(StateCount(state, "SELECT count(*) FROM verify_unit WHERE done = 1"), units);

  // Killed after a unit with differences was compared but before it was
  // recorded, twice: the differences are counted once. (This run, started
  // afresh, also shows the change at 20 was there to find.)
  const std::string state2 = FreshTempDir("vcli-resume2");
  const std::string args2 = VerifyArgs(src, dst, state2, "--concurrency 1");
  f = RunWithEnv(args2, {"GODWIT_CRASH_AT=verify.unit_compared:1"});
  ASSERT_EQ(f.signal, SIGKILL) << "exit " << f.exit_code << ":\n" << f.output;
  EXPECT_EQ(StateCount(state2, "SELECT count(*) FROM verify_unit WHERE done = 1"), 0);
  EXPECT_EQ(StateCount(state2, "SELECT count(*) FROM verify_diff"), 0);
  const int64_t run2 = StateCount(state2, "SELECT id FROM verify_run");
  f = RunWithEnv(args2, {"GODWIT_CRASH_AT=verify.unit_compared:2"});
  ASSERT_EQ(f.signal, SIGKILL) << "exit " << f.exit_code << ":\n" << f.output;
  EXPECT_EQ(StateQuery(state2, "SELECT group_concat(idx) FROM verify_unit WHERE done = 1"), "0");
  EXPECT_EQ(StateCount(state2, "SELECT count(*) FROM verify_diff"), 2);
  r = RunGodwit(args2);
  ASSERT_EQ(r.exit_code, 1) << r.output;
  result = ResultJson(r.output);
  EXPECT_EQ(result["run"], run2);
  t = TableOf(result, "acct");
  EXPECT_EQ(t["differing"], 2) << t.dump(2);
  EXPECT_EQ(SampleKeys(t, "differing"), (std::set<std::string>{"10", "20"})) << t.dump(2);
  EXPECT_EQ(t["differing_columns"], Json({{"name", 2}})) << t.dump(2);
  EXPECT_EQ(t["only_in_source"], 1) << t.dump(2);
  EXPECT_EQ(t["only_in_destination"], 0) << t.dump(2);
  EXPECT_EQ(t["consistent"], 4997) << t.dump(2);
  EXPECT_EQ(t["units_done"], units);
  EXPECT_EQ(t["units_mismatched"], 2);
  EXPECT_EQ(StateCount(state2, "SELECT count(*) FROM verify_diff"), 3);
}

// ---------------------------------------------------------------------------
// 4. Bad input

TEST(VerifyBadInputTest, TableMissingOnTheDestination) {
  Db src = SourceDb(Engine::kMysql, "vcli_missing");
  Db dst = DestinationDb(Engine::kPostgres, "vcli_missing_dst");
  Sql(src, AccountsSql(Engine::kMysql, "present", 100) + AccountsSql(Engine::kMysql, "gone", 250));
  Sql(dst, AccountsSql(Engine::kPostgres, "present", 100));
  const std::string state = FreshTempDir("vcli-missing");

  CommandResult r = RunGodwit(VerifyArgs(src, dst, state, ""));
  ASSERT_EQ(r.exit_code, 1) << r.output;
  Json result = ResultJson(r.output);
  Json gone = TableOf(result, "gone");
  EXPECT_EQ(gone["status"], "inconsistent") << gone.dump(2);
  EXPECT_EQ(gone["destination"], "") << gone.dump(2);
  EXPECT_EQ(gone["only_in_source"], 250) << gone.dump(2);
  EXPECT_EQ(gone["rows_source"], 250) << gone.dump(2);
  EXPECT_EQ(gone["only_in_destination"], 0) << gone.dump(2);
  EXPECT_NE(gone["error"].get<std::string>().find("missing on the destination"), std::string::npos) << gone.dump(2);
  EXPECT_EQ(TableOf(result, "present")["status"], "consistent");
  EXPECT_EQ(result["summary"]["differences"], 250);
}

// Stored results are the destination's as it was then: a destination
// database dropped and created again (same URI) holds other tables, so
// --mode abnormal must verify them again rather than report the stored
// "consistent".
TEST(VerifyBadInputTest, StoredResultsOfARecreatedDestinationAreNotReused) {
  for (Engine engine : {Engine::kMysql, Engine::kPostgres}) {
    SCOPED_TRACE(Tag(engine));
    Db src = SourceDb(Engine::kMysql, "vcli_recreated_" + Tag(engine));
    Db dst = DestinationDb(engine, "vcli_recreated_dst_" + Tag(engine));
    MakeCopies(src, dst, [](Engine e) { return AccountsSql(e, "t_ok", 300); });
    const std::string state = FreshTempDir("vcli-recreated");
    CommandResult r = RunGodwit(VerifyArgs(src, dst, state, ""));
    ASSERT_EQ(r.exit_code, 0) << r.output;

    // MySQL tells a re-created table by its CREATE_TIME, in seconds.
    std::this_thread::sleep_for(1100ms);
    dst = DestinationDb(engine, dst.name);
    Sql(dst, AccountsSql(engine, "t_ok", 300) + "UPDATE t_ok SET name = 'other' WHERE id = 7;");
    r = RunGodwit(VerifyArgs(src, dst, state, "--mode abnormal"));
    EXPECT_EQ(r.exit_code, 1) << r.output;
    Json t = TableOf(ResultJson(r.output), "t_ok");
    EXPECT_EQ(t["status"], "inconsistent") << t.dump(2);
    EXPECT_EQ(t["differing"], 1) << t.dump(2);
  }
}

TEST(VerifyBadInputTest, EndpointsThatCannotBeUsed) {
  const std::string state = FreshTempDir("vcli-endpoints");
  const std::string pg = PgDestUri("postgres");
  const std::string my = MysqlUri("mysql");

  // Malformed URIs: bad usage.
  CommandResult r = RunGodwit("verify -q --state-dir " + state + " oracle://x/y " + pg);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("unknown database kind"), std::string::npos) << r.output;
  r = RunGodwit("verify -q --state-dir " + state + " " + my + " postgresql://godwit@127.0.0.1:notaport/x");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("destination"), std::string::npos) << r.output;

  // A wrong password, on either side: named, never shown.
  const std::string bad_my = "mysql://godwit:not-the-pw-1@127.0.0.1:" + std::to_string(Servers().mysql_port) + "/mysql";
  r = RunGodwit("verify -q --state-dir " + state + " " + bad_my + " " + pg);
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("AUTH_FAILED"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("source"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("what to do"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("not-the-pw-1"), std::string::npos) << "password leaked:\n" << r.output;
  const std::string bad_pg =
      "postgresql://godwit:not-the-pw-2@127.0.0.1:" + std::to_string(Servers().pg_dest_port) + "/postgres";
  r = RunGodwit("verify -q --json --state-dir " + state + " " + my + " " + bad_pg);
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("AUTH_FAILED"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("destination"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("not-the-pw-2"), std::string::npos) << "password leaked:\n" << r.output;

  // Nothing listening.
  r = RunGodwit("verify -q --state-dir " + state + " " + my + " postgresql://godwit:godwit-pw@127.0.0.1:1/x");
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("HOST_UNREACHABLE"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("what to do"), std::string::npos) << r.output;
}

TEST(VerifyBadInputTest, MethodDatabaseWhereItCannotWorkAndAnEmptyScope) {
  Db src = SourceDb(Engine::kMysql, "vcli_method");
  Db dst = DestinationDb(Engine::kPostgres, "vcli_method_dst");
  MakeCopies(src, dst, [](Engine e) { return AccountsSql(e, "acct", 100); });
  const std::string state = FreshTempDir("vcli-method");

  // Across engines: bad usage, before anything is read.
  CommandResult r = RunGodwit(VerifyArgs(src, dst, state, "--method database"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--method database needs two MySQL/MariaDB or two PostgreSQL servers"), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("what to do: Use --method auto (the default) or --method hashed."), std::string::npos)
      << r.output;

  // One engine, a column declared differently: that table fails, saying
  // why and what to use instead; the others are verified.
  Db same = DestinationDb(Engine::kMysql, "vcli_method_same");
  Sql(same, AccountsSql(Engine::kMysql, "acct", 100) + "ALTER TABLE acct MODIFY amount DECIMAL(14,2);" +
                AccountsSql(Engine::kMysql, "alike", 100));
  Sql(src, AccountsSql(Engine::kMysql, "alike", 100));
  r = RunGodwit(VerifyArgs(src, same, state, "--method database"));
  EXPECT_EQ(r.exit_code, 3) << r.output;
  Json result = ResultJson(r.output);
  Json t = TableOf(result, "acct");
  EXPECT_EQ(t["status"], "failed") << t.dump(2);
  const std::string error = t["error"];
  EXPECT_NE(error.find("cannot be checksummed inside the database: column amount is decimal(12,2) on the source and "
                       "decimal(14,2) on the destination"),
            std::string::npos)
      << error;
  EXPECT_NE(error.find("--method hashed"), std::string::npos) << error;
  t = TableOf(result, "alike");
  EXPECT_EQ(t["status"], "consistent") << t.dump(2);
  EXPECT_EQ(t["method"], "database") << t.dump(2);
  EXPECT_NE(r.output.find("could not verify 1 table(s): vcli_method.acct"), std::string::npos) << r.output;

  // An --include that matches nothing.
  r = RunGodwit(VerifyArgs(src, dst, state, "--include no_such_table"));
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("no table of the source is in scope"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("what to do: Check --include/--exclude"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("0 tables:"), std::string::npos) << "no summary of a run that compared nothing:\n"
                                                           << r.output;
  // That run is closed: the next one compares afresh and sees a change
  // (it once resumed the empty run and reported identical tables).
  Sql(dst, "UPDATE acct SET note = 'changed' WHERE id = 3;");
  r = RunGodwit(VerifyArgs(src, dst, state, "--include acct"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(TableOf(ResultJson(r.output), "acct")["differing"], 1) << r.output;
}

// `godwit verify -f project.yaml`: the project file's endpoints, objects and
// chunk size, as `godwit migrate -f` reads them.
TEST(VerifyCliTest, FromAProjectFile) {
  Db src = SourceDb(Engine::kMysql, "vcli_file");
  Db dst = DestinationDb(Engine::kPostgres, "vcli_file_dst");
  MakeCopies(src, dst, [](Engine e) { return AccountsSql(e, "acct", 300) + AccountsSql(e, "skipped", 10); });
  Sql(dst, "UPDATE skipped SET note = 'changed' WHERE id = 1;");
  const std::string state = FreshTempDir("vcli-file");
  const std::string file = state + "/project.yaml";
  std::ofstream(file) << "source: " << src.uri << "\ndestination: " << dst.uri
                      << "\nobjects:\n  exclude: [\"vcli_file.skipped\"]\nchunk_rows: 100\n";
  CommandResult r = RunGodwit("verify -q --json --state-dir " + state + " -f " + file);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  Json result = ResultJson(r.output);
  ASSERT_EQ(result["tables"].size(), 1u) << r.output;
  EXPECT_EQ(TableOf(result, "acct")["units_total"], 3) << r.output;
  EXPECT_EQ(r.output.find("godwit-pw"), std::string::npos);
  r = RunGodwit("verify -q --json --state-dir " + state + " -f " + file + " " + src.uri + " " + dst.uri);
  EXPECT_EQ(r.exit_code, 2) << r.output;
}

// A destination table created without the source's key holds a row twice:
// the copy beyond one is a row only in the destination (the re-check by key
// once took the two for one row and called the table consistent).
TEST(VerifyCliTest, ADuplicatedRowWhereTheDestinationLacksTheKey) {
  Db src = SourceDb(Engine::kMysql, "vcli_dup");
  Db dst = DestinationDb(Engine::kPostgres, "vcli_dup_dst");
  Sql(src, "CREATE TABLE dupk (id INT PRIMARY KEY, v VARCHAR(10)); INSERT INTO dupk VALUES (1, 'x'), (2, 'y');");
  Sql(dst,
      "CREATE TABLE dupk (id integer NOT NULL, v varchar(10)); INSERT INTO dupk VALUES (1, 'x'), (1, 'x'), (2, 'y');");
  const std::string state = FreshTempDir("vcli-dup");
  CommandResult r = RunGodwit(VerifyArgs(src, dst, state, ""));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  Json t = TableOf(ResultJson(r.output), "dupk");
  EXPECT_EQ(t["only_in_destination"], 1) << t.dump(2);
  EXPECT_EQ(t["differing"], 0) << t.dump(2);
  EXPECT_EQ(t["only_in_source"], 0) << t.dump(2);
}

// A table missing on the destination: its corrections say how to copy it.
TEST(VerifyCliTest, MissingTableCorrectionsSayToCopyIt) {
  Db src = SourceDb(Engine::kMysql, "vcli_gone");
  Db dst = DestinationDb(Engine::kPostgres, "vcli_gone_dst");
  Sql(src, AccountsSql(Engine::kMysql, "gone", 20));
  const std::string state = FreshTempDir("vcli-gone");
  const std::string file = state + "/fix.sql";
  CommandResult r = RunGodwit(VerifyArgs(src, dst, state, "--corrections " + file));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  std::ifstream in(file);
  std::stringstream sql;
  sql << in.rdbuf();
  EXPECT_NE(sql.str().find("vcli_gone.gone is missing on the destination: create and copy it"), std::string::npos)
      << sql.str();
}

// The corrections file holds full source rows: 0600 whatever the umask,
// an existing file made private, and never written through a link someone
// planted where it goes.
TEST(VerifyCliTest, CorrectionsFileIsPrivateAndNotWrittenThroughALink) {
  Db src = SourceDb(Engine::kMysql, "vcli_priv");
  Db dst = DestinationDb(Engine::kPostgres, "vcli_priv_dst");
  Sql(src, AccountsSql(Engine::kMysql, "priv", 20));
  const std::string state = FreshTempDir("vcli-priv");
  const std::string file = state + "/fix.sql";
  { std::ofstream(file) << "old\n"; }
  ::chmod(file.c_str(), 0644);
  CommandResult r = RunGodwit(VerifyArgs(src, dst, state, "--corrections " + file));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  struct stat sb;
  ASSERT_EQ(::stat(file.c_str(), &sb), 0);
  EXPECT_EQ(sb.st_mode & 0777, 0600u) << std::oct << (sb.st_mode & 0777);
  const std::string fresh = state + "/fresh.sql";
  r = RunGodwit(VerifyArgs(src, dst, state, "--corrections " + fresh));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  ASSERT_EQ(::stat(fresh.c_str(), &sb), 0);
  EXPECT_EQ(sb.st_mode & 0777, 0600u) << std::oct << (sb.st_mode & 0777);

  const std::string target = state + "/target";
  { std::ofstream(target) << "untouched\n"; }
  const std::string link = state + "/link.sql";
  ASSERT_EQ(::symlink(target.c_str(), link.c_str()), 0);
  r = RunGodwit(VerifyArgs(src, dst, state, "--corrections " + link));
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("symbolic link"), std::string::npos) << r.output;
  std::ifstream in(target);
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "untouched");
}

// ---------------------------------------------------------------------------
// 5. No blocking

struct WriterStats {
  std::vector<double> ms;
  std::string error;
};

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i = static_cast<size_t>(std::ceil(p * static_cast<double>(v.size()))) - 1;
  return v[std::min(i, v.size() - 1)];
}

// Verifies a 300,000-row table (15 units, each followed by a pause so that
// the run lasts seconds) while a writer updates single rows on the source in
// autocommit, and an ADD COLUMN is issued on the source mid-run. The updates
// write each row's own value — still a row lock on either engine, and a new
// row version on PostgreSQL — so the tables stay identical and the
// verification must still find them so.
void ExpectNoBlocking(const Db& src, const Db& dst) {
  const std::string state = FreshTempDir("vcli-noblock-" + Tag(src.engine));
  std::atomic<bool> stop{false}, measuring{false};
  WriterStats stats;
  auto writer_session = OpenSession(src.uri);
  auto ddl_session = OpenSession(src.uri);
  std::thread writer([&] {
    for (int i = 0; !stop; ++i) {
      const int id = 1 + (i * 7919) % 300000;
      const auto t0 = Clock::now();
      Status st = writer_session->Execute("UPDATE big SET v = v WHERE id = " + std::to_string(id));
      if (measuring) stats.ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      if (!st.ok()) {
        stats.error = st.ToString();
        return;
      }
      std::this_thread::sleep_for(5ms);
    }
  });

  Process p = Start("verify -q --json --chunk-rows 20000 --state-dir " + state + " " + src.uri + " " + dst.uri,
                    {"GODWIT_DELAY_AT=verify.unit_compared:200"});
  measuring = true;
  const bool started = PollUntil(30s, 20ms, [&] {
    return !Running(p) || PollStateCount(state, "SELECT count(*) FROM verify_unit WHERE done = 1").value_or(0) >= 3;
  });
  double alter_seconds = -1;
  bool alter_mid_run = false;
  Status alter;
  if (started && Running(p)) {
    const auto t0 = Clock::now();
    alter = ddl_session->Execute("ALTER TABLE big ADD COLUMN added_mid_run INT");
    alter_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    alter_mid_run = Running(p);
  }
  Finished f = Finish(p);
  measuring = false;
  stop = true;
  writer.join();

  ASSERT_TRUE(alter_mid_run) << "the verification should still run after the ALTER:\n" << f.output;
  EXPECT_TRUE(alter.ok()) << alter.ToString();
  EXPECT_LT(alter_seconds, 3.0);
  EXPECT_EQ(stats.error, "");
  ASSERT_GE(stats.ms.size(), 100u) << "the writer should have run throughout";
  const double p99 = Percentile(stats.ms, 0.99);
  EXPECT_LT(p99, 200.0) << stats.ms.size() << " updates, max " << Percentile(stats.ms, 1.0) << " ms";
  ASSERT_EQ(f.exit_code, 0) << f.output;
  Json t = TableOf(ResultJson(f.output), "big");
  EXPECT_EQ(t["method"], "database") << t.dump(2);
  EXPECT_EQ(t["units_total"], 15) << t.dump(2);
  EXPECT_EQ(t["rows_source"], 300000) << t.dump(2);
  EXPECT_EQ(t["consistent"], 300000) << t.dump(2);
  std::printf("[ %s ] %zu updates during the verification: p99 %.1f ms, max %.1f ms; ADD COLUMN %.3f s\n",
              EngineName(src.engine).data(), stats.ms.size(), p99, Percentile(stats.ms, 1.0), alter_seconds);
}

TEST(VerifyNoBlockingTest, MysqlToMysql) {
  Db src = SourceDb(Engine::kMysql, "vcli_noblock");
  Db dst = DestinationDb(Engine::kMysql, "vcli_noblock_dst");
  Sql(src,
      "CREATE TABLE big (id INT PRIMARY KEY, v INT NOT NULL, s VARCHAR(40) NOT NULL);"
      "INSERT INTO big SELECT seq, seq % 1000, CONCAT('row-', seq) FROM seq_1_to_300000;"
      "CREATE TABLE vcli_noblock_dst.big LIKE big;"
      "INSERT INTO vcli_noblock_dst.big SELECT * FROM big;");
  ExpectNoBlocking(src, dst);
}

TEST(VerifyNoBlockingTest, PostgresToPostgres) {
  const std::string ddl =
      "CREATE TABLE big (id integer PRIMARY KEY, v integer NOT NULL, s varchar(40) NOT NULL);"
      "INSERT INTO big SELECT g, g % 1000, 'row-' || g FROM generate_series(1, 300000) g;";
  Db src = SourceDb(Engine::kPostgres, "vcli_noblock");
  Db dst = DestinationDb(Engine::kPostgres, "vcli_noblock_dst");
  Sql(src, ddl);
  Sql(dst, ddl);
  ExpectNoBlocking(src, dst);
}

}  // namespace
}  // namespace godwit::testing
