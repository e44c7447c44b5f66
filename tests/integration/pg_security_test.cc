// Security regressions on real PostgreSQL servers (issue 12, items 4-6):
//   - a source or destination database with standard_conforming_strings
//     off (ALTER DATABASE ... SET): values and keys holding backslashes,
//     quotes and \'; go through the full copy, incremental replay (insert,
//     update, key update and delete by key) and corrections (godwit verify
//     --apply) as data: the destination equals the source and a canary
//     table the values try to drop is still there;
//   - the corrections file: keys holding newlines and */ stay inside their
//     comment lines; run through psql, the file changes exactly the rows it
//     corrects;
//   - the DDL trigger: an include pattern holding the old fixed dollar-quote
//     tag and a break-out attempt (in a database with check_function_bodies
//     off, where a broken-out statement would run) creates the function
//     whole and runs nothing else;
//   - passwords: "ALTER ROLE ... PASSWORD '...'; ALTER TABLE ..." sent as one
//     query string while a project synchronizes reaches neither the source's
//     DDL log table nor the daemon's files (its log, metadata, change log)
//     nor the API, also when the DDL fails and its statement is reported.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "connector/endpoint.h"
#include "connector/postgres/pg_conn.h"
#include "connector/session.h"
#include "migration_harness.h"
#include "service_harness.h"
#include "connector/postgres/pg_ddl_capture.h"
#include "polling.h"
#include "process.h"
#include "test_env.h"

namespace godwit::testing {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using nlohmann::json;

// A dollar-quoted literal: reads the same whatever standard_conforming_strings
// says, so the fixtures do not depend on the setting under test.
std::string Dq(const std::string& s) { return "$v$" + s + "$v$"; }

// Values that are SQL when a backslash escapes the quote after it.
const std::vector<std::string>& Tricky() {
  static const std::vector<std::string> v = {
      "a\\';DROP TABLE keep.canary;--",  "b\\", "c\\\\'", "d'' \\x27 \\047", "e\\n\\t\\\\", "f\\\\\\';SELECT 1/0;--",
      "g'); DROP TABLE keep.canary; --",
  };
  return v;
}

std::string RowsText(const std::string& uri, const TableRef& t) {
  std::string out;
  for (const auto& row : ReadTable(uri, t).rows) {
    for (const auto& v : row) out += (v ? "'" + *v + "'" : "NULL") + std::string("|");
    out += "\n";
  }
  return out;
}

bool CanaryThere(int port, const std::string& db) {
  auto s = Connect(*ParseEndpointUri(port == Servers().pg_source_port ? PgSourceUri(db) : PgDestUri(db)));
  if (!s.ok()) return false;
  auto r = QueryFirstRow(**s, "SELECT count(*) FROM keep.canary", 1);
  return r.ok() && (*r)[0] == "1";
}

void DropSlotsOf(int port, const std::string& db) {
  PgAdmin(port, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = '" + db + "';");
}

// `godwit ARGS...` in the background, its output to `log`.
class Run {
 public:
  Run(const std::vector<std::string>& args, const std::string& log) : log_(log), child_(Spawn(args, log)) {}
  ~Run() {
    if (!child_.Exited()) {
      child_.Signal(SIGKILL);
      Wait();
    }
  }
  std::string Output() const {
    std::ifstream in(log_);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  bool Exited() { return child_.Exited(); }
  int Wait(std::chrono::seconds timeout = 120s) {
    PollUntil(timeout, 100ms, [&] { return Exited(); });
    return child_.exit_code();
  }
  void Signal(int sig) { child_.Signal(sig); }

 private:
  static pid_t Spawn(const std::vector<std::string>& args, const std::string& log) {
    std::vector<std::string> argv{GodwitBinary()};
    argv.insert(argv.end(), args.begin(), args.end());
    return SpawnLogged(argv, EnvironWith({}), log);
  }

  std::string log_;
  Child child_;
};

// ---------------------------------------------------------------------------
// Item 4: standard_conforming_strings off on a database.

void CopyReplayAndCorrect(const std::string& name, bool source_off, bool destination_off) {
  const int sp = Servers().pg_source_port, dp = Servers().pg_dest_port;
  const std::string sdb = name + "_src", ddb = name + "_dst";
  DropSlotsOf(sp, sdb);
  RecreatePgDatabase(sp, sdb);
  RecreatePgDatabase(dp, ddb);
  for (auto [port, db, off] : {std::tuple{sp, sdb, source_off}, std::tuple{dp, ddb, destination_off}}) {
    if (off) PgAdmin(port, "ALTER DATABASE \"" + db + "\" SET standard_conforming_strings = off;");
    PgAdmin(port, "CREATE SCHEMA keep; CREATE TABLE keep.canary (id int); INSERT INTO keep.canary VALUES (1);", db);
  }
  std::string seed = "CREATE TABLE t (k text PRIMARY KEY, v text, n int);";
  for (size_t i = 0; i < Tricky().size(); ++i) {
    seed +=
        "INSERT INTO t VALUES (" + Dq(Tricky()[i]) + ", " + Dq("v " + Tricky()[i]) + ", " + std::to_string(i) + ");";
  }
  PgAdmin(sp, seed, sdb);
  const std::string src = PgSourceUri(sdb), dst = PgDestUri(ddb);
  const TableRef t{"public", "t"};

  const std::string state = FreshTempDir(name);
  const std::string log = state + "/godwit.log";
  std::vector<std::string> args = {
      "migrate", "-q", "--state-dir", state, "--include", "public.t", "--incremental", "--until-caught-up", src, dst};
  {
    Run run(args, log);
    ASSERT_TRUE(PollUntil(
        120s, 100ms, [&] { return run.Exited() || run.Output().find("migration completed") != std::string::npos; }));
    ASSERT_FALSE(run.Exited()) << run.Output();
    EXPECT_EQ(RowsText(dst, t), RowsText(src, t)) << "after the full copy";
    // Replay: inserts, updates and deletes by such keys, and a key update.
    std::string work;
    for (size_t i = 0; i < Tricky().size(); ++i) {
      work += "INSERT INTO t VALUES (" + Dq("new " + Tricky()[i]) + ", " + Dq(Tricky()[i]) + ", 100);";
      work += "UPDATE t SET v = " + Dq("upd " + Tricky()[i]) + ", n = n + 1 WHERE k = " + Dq(Tricky()[i]) + ";";
    }
    work += "DELETE FROM t WHERE k = " + Dq(Tricky()[0]) + ";";
    work += "DELETE FROM t WHERE k = " + Dq("new " + Tricky()[5]) + ";";
    work += "UPDATE t SET k = " + Dq("moved " + Tricky()[6]) + " WHERE k = " + Dq(Tricky()[6]) + ";";
    PgAdmin(sp, work, sdb);
    EXPECT_TRUE(PollUntil(60s, 100ms, [&] { return run.Exited() || RowsText(dst, t) == RowsText(src, t); }))
        << "replay did not make the destination equal to the source:\nsource:\n"
        << RowsText(src, t) << "destination:\n"
        << RowsText(dst, t) << run.Output();
    run.Signal(SIGTERM);
    EXPECT_EQ(run.Wait(), 0) << run.Output();
  }
  EXPECT_TRUE(CanaryThere(dp, ddb)) << "a value ran as SQL on the destination";
  EXPECT_TRUE(CanaryThere(sp, sdb));

  // Corrections: a missing, a changed and an extra row, each keyed by such
  // a value.
  PgAdmin(dp,
          "DELETE FROM t WHERE k = " + Dq(Tricky()[1]) + "; UPDATE t SET v = 'changed' WHERE k = " + Dq(Tricky()[2]) +
              "; INSERT INTO t VALUES (" + Dq("extra " + Tricky()[3]) + ", 'x', 0);",
          ddb);
  const std::string vstate = FreshTempDir(name + "-verify");
  CommandResult r =
      RunGodwit("verify -q --state-dir " + vstate + " --include public.t --apply --delete-extra " + src + " " + dst);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(RowsText(dst, t), RowsText(src, t)) << "after the corrections\n" << r.output;
  EXPECT_TRUE(CanaryThere(dp, ddb)) << "a value ran as SQL on the destination";

  std::vector<std::string> release = args;
  release.erase(std::find(release.begin(), release.end(), "--until-caught-up"));
  release.push_back("--release");
  Run freeing(release, log);
  EXPECT_EQ(freeing.Wait(), 0) << freeing.Output();
  DropSlotsOf(sp, sdb);
}

TEST(PgStandardConformingStringsOff, OnTheDestination) { CopyReplayAndCorrect("pgsec_scs_dst", false, true); }

TEST(PgStandardConformingStringsOff, OnTheSource) { CopyReplayAndCorrect("pgsec_scs_src", true, false); }

// ---------------------------------------------------------------------------
// Item 5: the corrections file's comments.

TEST(PgCorrectionsFile, KeysWithNewlinesAndCommentEndsStayComments) {
  const int sp = Servers().pg_source_port, dp = Servers().pg_dest_port;
  const std::string sdb = "pgsec_corr_src", ddb = "pgsec_corr_dst";
  RecreatePgDatabase(sp, sdb);
  RecreatePgDatabase(dp, ddb);
  const std::string table = "CREATE TABLE t (k text PRIMARY KEY, v text); INSERT INTO t VALUES ('a', '1'), ('b', '2');";
  PgAdmin(sp, table, sdb);
  PgAdmin(dp, table + "CREATE SCHEMA keep; CREATE TABLE keep.canary (id int); INSERT INTO keep.canary VALUES (1);",
          ddb);
  // Rows only in the destination: kept, and listed in comments by key.
  PgAdmin(dp,
          "UPDATE t SET v = 'changed' WHERE k = 'b';"
          "INSERT INTO t VALUES (E'x\\nDROP TABLE keep.canary; --', 'e1'),"
          " (E'y */ DROP TABLE keep.canary; /* \\r\\nDELETE FROM t;', 'e2'),"
          " (E'z\\u2028DELETE FROM t;', 'e3');",
          ddb);
  const std::string src = PgSourceUri(sdb), dst = PgDestUri(ddb);
  const std::string state = FreshTempDir("pgsec-corr");
  const std::string file = state + "/corrections.sql";
  CommandResult r = RunGodwit("verify -q --state-dir " + state + " --corrections " + file + " " + src + " " + dst);
  ASSERT_EQ(r.exit_code, 1) << r.output;
  std::ifstream in(file);
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string sql = ss.str();
  std::vector<std::string> statements;
  std::istringstream lines(sql);
  for (std::string l; std::getline(lines, l);) {
    if (!l.empty() && !l.starts_with("-- ")) statements.push_back(l);
  }
  // The session settings the file's literals are written for, then the
  // one table's transaction.
  ASSERT_EQ(statements.size(), 5u) << sql;
  EXPECT_EQ(statements[0], "SET standard_conforming_strings = on;") << sql;
  EXPECT_EQ(statements[1], "SET client_encoding = 'UTF8';") << sql;
  EXPECT_EQ(statements[2], "BEGIN;") << sql;
  EXPECT_TRUE(statements[3].starts_with("INSERT INTO \"public\".\"t\"") ||
              statements[3].starts_with("INSERT INTO public.t"))
      << sql;
  EXPECT_EQ(statements[4], "COMMIT;") << sql;
  EXPECT_NE(sql.find("-- only in the destination, kept: x\\nDROP TABLE keep.canary; --\n"), std::string::npos) << sql;
  EXPECT_NE(sql.find("kept: y *\\/ DROP TABLE keep.canary; /\\* \\r\\nDELETE FROM t;\n"), std::string::npos) << sql;
  EXPECT_NE(sql.find("kept: z\\u2028DELETE FROM t;\n"), std::string::npos) << sql;

  // Run as a DBA would: only the corrected row changes.
  PgAdmin(dp, sql, ddb);
  EXPECT_TRUE(CanaryThere(dp, ddb)) << sql;
  auto d = OpenSession(dst);
  auto rows = QueryFirstRow(*d, "SELECT count(*), (SELECT v FROM t WHERE k = 'b') FROM t", 2);
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  EXPECT_EQ(*rows, (std::vector<std::string>{"5", "2"})) << sql;
}

// ---------------------------------------------------------------------------
// Item 6: the DDL trigger's dollar quote, and passwords in captured DDL.

TEST(PgDdlTrigger, AnIncludePatternCannotBreakOutOfTheFunctionBody) {
  const int sp = Servers().pg_source_port;
  const std::string db = "pgsec_tag";
  DropSlotsOf(sp, db);
  RecreatePgDatabase(sp, db);
  // Unchecked function bodies: a body cut short by a pattern would be
  // accepted and the statements after it run. The DDL sessions also read
  // literals with standard_conforming_strings off.
  PgAdmin(sp, "ALTER DATABASE \"" + db +
                  "\" SET check_function_bodies = off;"
                  "ALTER DATABASE \"" +
                  db + "\" SET standard_conforming_strings = off;");
  PgAdmin(sp,
          "CREATE SCHEMA keep; CREATE TABLE keep.canary (id int); INSERT INTO keep.canary VALUES (1);"
          "CREATE PUBLICATION pgsec_tag_pub;",
          db);
  const std::string breakout = "[$godwit$;DROP TABLE IF EXISTS keep.canary;SELECT $godwit$]";
  ObjectRules objects;
  objects.include = {breakout, "public.t_*", "public.a\\'b*"};
  objects.exclude = {"public.t_skip*"};
  auto src = OpenSession(PgSourceUri(db));
  Status st = EnsurePgDdlCapture(*src, "pgsec_tag_pub", "pgsec_tag", objects);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_TRUE(CanaryThere(sp, db)) << "a statement broke out of the trigger function";
  auto body = QueryFirstRow(*src,
                            "SELECT prosrc LIKE '%' || " + std::string("$q$") + breakout + "$q$" +
                                " || '%', prosrc LIKE '%could not record this DDL%' FROM pg_proc "
                                "WHERE proname = 'godwit_ddl_pgsec_tag_pub'",
                            2);
  ASSERT_TRUE(body.ok()) << body.status().ToString();
  EXPECT_EQ(*body, (std::vector<std::string>{"t", "t"})) << "the function body is not whole";

  // The function works, with the session's literals read the old way:
  // tables the patterns include are published, the excluded one is not,
  // and the DDL is logged.
  PgAdmin(sp,
          "CREATE TABLE t_one (id int PRIMARY KEY); CREATE TABLE t_skip (id int PRIMARY KEY);"
          "CREATE TABLE \"a'b1\" (id int PRIMARY KEY); CREATE TABLE other (id int PRIMARY KEY);",
          db);
  auto published = QueryFirstRow(*src,
                                 "SELECT string_agg(tablename, ',' ORDER BY tablename), "
                                 "(SELECT count(*) FROM godwit_ddl WHERE command_tag = 'CREATE TABLE') "
                                 "FROM pg_publication_tables WHERE pubname = 'pgsec_tag_pub' AND schemaname = 'public'",
                                 2);
  ASSERT_TRUE(published.ok()) << published.status().ToString();
  EXPECT_EQ(*published, (std::vector<std::string>{"a'b1,godwit_ddl,t_one", "4"}));
  EXPECT_TRUE(CanaryThere(sp, db));
  auto dropped = DropPgDdlCapture(*src, "pgsec_tag_pub", "pgsec_tag");
  ASSERT_TRUE(dropped.ok()) << dropped.status().ToString();
  EXPECT_TRUE(*dropped);
}

std::string Path(int64_t id, const std::string& tail = "") { return "/api/v1/projects/" + std::to_string(id) + tail; }

json IncrementalSubtask(const json& project) {
  for (const auto& s : project["subtasks"]) {
    if (s["kind"] == "incremental_sync") return s;
  }
  return json();
}

// Every file under `dir` whose bytes contain `needle`.
// Creates and starts a project copying and then synchronizing `src` into
// `dst`, and waits until its synchronization is monitoring.
int64_t StartSynchronizing(Daemon& d, const std::string& name, const std::string& src, const std::string& dst) {
  const int64_t id = d.Create(json{
      {"name", name}, {"source", src}, {"destination", dst}, {"migration_type", {"schema", "full", "incremental"}}});
  EXPECT_EQ(d.Call("POST", Path(id, "/start"), json::object()).status, 200);
  json p = d.WaitFor(id, [](const json& p) { return IncrementalSubtask(p).value("status", "") == "monitoring"; });
  if (IncrementalSubtask(p).value("status", "") != "monitoring") ADD_FAILURE() << "never monitoring: " << p.dump();
  return id;
}

std::vector<std::string> FilesContaining(const std::string& dir, const std::string& needle) {
  std::vector<std::string> found;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    if (!e.is_regular_file()) continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    if (ss.str().find(needle) != std::string::npos) found.push_back(e.path().string());
  }
  return found;
}

// One simple-query string, as an application sends it (psql would split it).
void SimpleQuery(const std::string& uri, const std::string& sql) {
  auto ep = ParseEndpointUri(uri);
  ASSERT_TRUE(ep.ok());
  auto conn = pg::OpenConnection(*ep, false);
  ASSERT_TRUE(conn.ok()) << conn.status().ToString();
  auto r = pg::Exec(conn->get(), sql, ErrorCode::kInternal, "the application's query");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
}

TEST(PgDdlPasswords, NeverReachTheLogTableTheDaemonOrTheApi) {
  const int sp = Servers().pg_source_port, dp = Servers().pg_dest_port;
  const std::string db = "pgsec_pw", ddb = "pgsec_pw_dst";
  const std::string role = "pgsec_pw_role_" + std::to_string(getpid());
  DropSlotsOf(sp, db);
  RecreatePgDatabase(sp, db);
  RecreatePgDatabase(dp, ddb);
  PgAdmin(sp, "DROP ROLE IF EXISTS " + role + "; CREATE ROLE " + role + ";");
  PgAdmin(sp, "CREATE TABLE t (id int PRIMARY KEY, n int); INSERT INTO t VALUES (1, 1);", db);
  const std::string src = PgSourceUri(db), dst = PgDestUri(ddb);

  Daemon d(FreshTempDir("pgsec-pw"));
  d.Start();
  const int64_t id = StartSynchronizing(d, "pg passwords", src, dst);
  if (HasFailure()) return;

  // Applied: the destination gets the column, and nothing of the password.
  SimpleQuery(src, "ALTER ROLE " + role + " PASSWORD 'pgsec-secret-1'; ALTER TABLE t ADD COLUMN c int");
  EXPECT_TRUE(PollUntil(60s, 100ms, [&] {
    return ReadTable(dst, {"public", "t"}).columns.size() == 3;
  })) << d.Get(id).dump();
  // A credential after no word of secrecy (a comment, a default): every
  // literal and comment is blanked, while the destination still gets the
  // column with its default, read from the source's catalog.
  SimpleQuery(src,
              "COMMENT ON TABLE t IS 'pw=pgsec-hunter-4'; ALTER TABLE t ADD COLUMN d text "
              "DEFAULT 'pgsec-hunter-5' /* pgsec-hunter-6 */");
  EXPECT_TRUE(PollUntil(60s, 100ms, [&] {
    return ReadTable(dst, {"public", "t"}).columns.size() == 4;
  })) << d.Get(id).dump();
  {
    const TableContents t = ReadTable(dst, {"public", "t"});
    ASSERT_EQ(t.columns.size(), 4u);
    EXPECT_EQ(t.columns[3].name, "d");
    EXPECT_EQ(t.columns[3].default_value, "pgsec-hunter-5");
  }
  // Refused by the destination: the statement goes into the project's
  // error, redacted.
  PgAdmin(dp, "INSERT INTO t (id, n) VALUES (99, 1);", ddb);
  SimpleQuery(src, "ALTER ROLE " + role +
                       " WITH ENCRYPTED PASSWORD 'pgsec-secret-2' /* pgsec-secret-3 */;"
                       "CREATE UNIQUE INDEX t_n ON t (n)");
  json p = d.WaitForState(id, "failed", 60s);
  ASSERT_EQ(p["state"], "failed") << p.dump();
  const std::string message = p["error"]["message"].get<std::string>();
  EXPECT_NE(message.find("PASSWORD '***'"), std::string::npos) << message;
  EXPECT_NE(message.find("CREATE UNIQUE INDEX t_n ON t (n)"), std::string::npos) << message;

  std::string api;
  for (const std::string& path :
       {Path(id), Path(id, "/subtasks"), Path(id, "/events"), Path(id, "/export"), std::string("/api/v1/projects")}) {
    api += d.Call("GET", path).raw;
  }
  EXPECT_NE(api.find("t_n"), std::string::npos) << api;
  auto log_table = QueryFirstRow(*OpenSession(src), "SELECT string_agg(statement, ' | ') FROM godwit_ddl", 1);
  ASSERT_TRUE(log_table.ok()) << log_table.status().ToString();
  EXPECT_NE((*log_table)[0].find("PASSWORD '***'"), std::string::npos) << (*log_table)[0];
  EXPECT_NE((*log_table)[0].find("DEFAULT '***'"), std::string::npos) << (*log_table)[0];
  for (const std::string secret :
       {"pgsec-secret-1", "pgsec-secret-2", "pgsec-secret-3", "pgsec-hunter-4", "pgsec-hunter-5", "pgsec-hunter-6"}) {
    EXPECT_EQ(api.find(secret), std::string::npos) << secret << " in the API:\n" << api;
    EXPECT_EQ((*log_table)[0].find(secret), std::string::npos) << secret << " in the log table";
    EXPECT_EQ(FilesContaining(d.data_dir(), secret), std::vector<std::string>{}) << secret << " in the daemon's files";
  }

  PgAdmin(dp, "DELETE FROM t WHERE id = 99;", ddb);
  ASSERT_EQ(d.Call("POST", Path(id, "/skip_ddl"), json::object()).status, 200);
  d.WaitForState(id, "running");
  ASSERT_EQ(d.Call("POST", Path(id, "/pause"), json::object()).status, 200);
  d.WaitForState(id, "paused");
  EXPECT_EQ(d.Call("POST", Path(id, "/release"), json::object()).status, 200);
  d.Terminate();
  DropSlotsOf(sp, db);
  PgAdmin(sp, "DROP ROLE IF EXISTS " + role + ";");
}

// A MySQL source's DDL arrives as the binlog's statement text; a COMMENT
// or a DEFAULT carries a credential without any word saying so. The
// project's error, failed_ddl, applied_ddl, the events and the daemon's
// files other than the change log show it blanked, while the destination
// gets the column with its real default (planned from the source's
// catalog, never by running the captured text). The change log (.seg)
// keeps the statement as the binlog has it, as it keeps the rows: the text
// is classified when it is applied, and a literal's bytes decide where the
// next token starts (docs/security.md).
TEST(MysqlDdlLiterals, NeverReachTheDaemonOrTheApi) {
  const std::string db = "mysec_lit_" + std::to_string(getpid()), ddb = "mysec_lit_dst";
  RecreateMysqlDatabase(db);
  RecreatePgDatabase(Servers().pg_dest_port, ddb);
  MysqlAdmin("CREATE TABLE t (id INT PRIMARY KEY, n INT); INSERT INTO t VALUES (1, 1);", db);
  const std::string src = MysqlUri(db), dst = PgDestUri(ddb);

  Daemon d(FreshTempDir("mysec-lit"));
  d.Start();
  const int64_t id = StartSynchronizing(d, "mysql literals", src, dst);
  if (HasFailure()) return;

  MysqlAdmin(
      "ALTER TABLE t COMMENT 'mysec-hunter-1', ADD COLUMN d VARCHAR(20) DEFAULT 'mysec-hunter-2' "
      "/* mysec-hunter-3 */;",
      db);
  EXPECT_TRUE(PollUntil(60s, 100ms, [&] {
    return ReadTable(dst, {"public", "t"}).columns.size() == 3;
  })) << d.Get(id).dump();
  {
    const TableContents t = ReadTable(dst, {"public", "t"});
    ASSERT_EQ(t.columns.size(), 3u);
    EXPECT_EQ(t.columns[2].default_value, "mysec-hunter-2");
  }
  // Refused by the destination: the statement, blanked, in the error.
  PgAdmin(Servers().pg_dest_port, "INSERT INTO t (id, n) VALUES (99, 1);", ddb);
  MysqlAdmin("ALTER TABLE t ADD UNIQUE INDEX t_n (n) COMMENT 'mysec-hunter-4';", db);
  json p = d.WaitForState(id, "failed", 60s);
  ASSERT_EQ(p["state"], "failed") << p.dump();
  const std::string message = p["error"]["message"].get<std::string>();
  EXPECT_NE(message.find("ALTER TABLE t ADD UNIQUE INDEX t_n (n) COMMENT '***'"), std::string::npos) << message;

  std::string api;
  for (const std::string& path :
       {Path(id), Path(id, "/subtasks"), Path(id, "/events"), Path(id, "/export"), std::string("/api/v1/projects")}) {
    api += d.Call("GET", path).raw;
  }
  EXPECT_NE(api.find("DEFAULT '***'"), std::string::npos) << api;  // applied_ddl
  for (const std::string secret : {"mysec-hunter-1", "mysec-hunter-2", "mysec-hunter-3", "mysec-hunter-4"}) {
    EXPECT_EQ(api.find(secret), std::string::npos) << secret << " in the API:\n" << api;
    std::vector<std::string> files;
    for (const auto& f : FilesContaining(d.data_dir(), secret)) {
      if (std::filesystem::path(f).extension() != ".seg") files.push_back(f);
    }
    EXPECT_EQ(files, std::vector<std::string>{}) << secret << " in the daemon's files";
  }

  // Skip goes by the change's sequence: synchronization runs on.
  PgAdmin(Servers().pg_dest_port, "DELETE FROM t WHERE id = 99;", ddb);
  ASSERT_EQ(d.Call("POST", Path(id, "/skip_ddl"), json::object()).status, 200);
  d.WaitForState(id, "running");
  MysqlAdmin("INSERT INTO t (id, n) VALUES (2, 2);", db);
  EXPECT_TRUE(PollUntil(60s, 100ms, [&] {
    return ReadTable(dst, {"public", "t"}).rows.size() == 2;
  })) << d.Get(id).dump();
  ASSERT_EQ(d.Call("POST", Path(id, "/pause"), json::object()).status, 200);
  d.WaitForState(id, "paused");
  EXPECT_EQ(d.Call("POST", Path(id, "/release"), json::object()).status, 200);
  d.Terminate();
  MysqlAdmin("DROP DATABASE IF EXISTS " + db + ";");
}

}  // namespace
}  // namespace godwit::testing
