// The service through the `godwit` command line, as a DBA drives it: create
// a MySQL -> PostgreSQL project from a YAML file, start, pause, resume,
// watch its subtasks complete, release and delete it — then the same for
// fifty projects at once with batch commands; refusals, confirmation and the
// exit codes scripts rely on; a project's full verification and correction.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "migration_harness.h"
#include "service_harness.h"
#include "process.h"
#include "test_env.h"

namespace godwit::testing {
namespace {

using nlohmann::json;

struct CliRun {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs `godwit ARGS` with `input` on its stdin.
CliRun Godwit(const std::string& args, const std::string& input = "") {
  std::string dir = FreshTempDir("cli-run");
  std::ofstream(dir + "/in") << input;
  ShellOutput out = RunShell(GodwitBinary() + " " + args + " <" + dir + "/in 2>" + dir + "/err");
  CliRun r;
  r.out = std::move(out.output);
  r.exit_code = WIFEXITED(out.status) ? WEXITSTATUS(out.status) : -1;
  std::ifstream e(dir + "/err");
  std::stringstream ss;
  ss << e.rdbuf();
  r.err = ss.str();
  return r;
}

class ServiceCliTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    RecreateMysqlDatabase("svc_cli");
    MysqlAdmin(
        "CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(40), qty INT, KEY (qty));"
        "INSERT INTO items SELECT seq, CONCAT('item ', seq), seq % 13 FROM seq_1_to_3000;",
        "svc_cli");
    setenv("GW_CLI_SOURCE_PW", "godwit-pw", 1);
  }

  void SetUp() override {
    daemon_ = std::make_unique<Daemon>(FreshTempDir("svc-cli"), "chunk_committed:100");
    setenv("GODWIT_SERVER", daemon_->url().c_str(), 1);
    setenv("GODWIT_TOKEN", daemon_->token().c_str(), 1);
  }
  void TearDown() override { daemon_.reset(); }

  // A project file for the items table into a fresh PostgreSQL database;
  // the source password comes from the environment, as a DBA would give it.
  std::string ProjectFile(const std::string& name, std::string* dest_uri = nullptr,
                          const std::string& migration_type = "[schema, full]") {
    static int n = 0;
    std::string db = "svc_cli_dst_" + std::to_string(getpid()) + "_" + std::to_string(n++);
    RecreatePgDatabase(Servers().pg_dest_port, db);
    if (dest_uri) *dest_uri = PgDestUri(db);
    std::string path = FreshTempDir("cli-yaml") + "/project.yaml";
    std::ofstream(path) << "name: " << name << "\n"
                        << "tags: [cli, shop]\n"
                        << "source: mysql://godwit@127.0.0.1:" << Servers().mysql_port
                        << "/svc_cli?password_env=GW_CLI_SOURCE_PW\n"
                        << "destination: " << PgDestUri(db) << "\n"
                        << "objects:\n  include: [\"svc_cli.items\"]\n"
                        << "migration_type: " << migration_type << "\n"
                        << "concurrency: 1\nchunk_rows: 100\n"
                        << "alerts: {level: medium}\n";
    return path;
  }

  int64_t CreateWithCli(const std::string& file) {
    CliRun r = Godwit("project create -f " + file + " --json");
    EXPECT_EQ(r.exit_code, 0) << r.out << r.err;
    json p = json::parse(r.out, nullptr, false);
    EXPECT_TRUE(p.is_object()) << r.out;
    return p.is_object() ? p.value("id", int64_t{-1}) : -1;
  }

  json Show(int64_t id) {
    CliRun r = Godwit("project show " + std::to_string(id) + " --json");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out, nullptr, false);
  }

  std::unique_ptr<Daemon> daemon_;
};

TEST_F(ServiceCliTest, OneProjectThroughItsWholeLife) {
  std::string dest;
  int64_t id = CreateWithCli(ProjectFile("cli single", &dest));
  ASSERT_GT(id, 0);
  std::string sid = std::to_string(id);
  json p = Show(id);
  EXPECT_EQ(p["state"], "not_started");
  EXPECT_EQ(p["source"]["password_env"], "GW_CLI_SOURCE_PW");
  EXPECT_EQ(p.dump().find("godwit-pw"), std::string::npos);

  CliRun list = Godwit("project list --tag cli");
  EXPECT_EQ(list.exit_code, 0);
  EXPECT_NE(list.out.find("cli single"), std::string::npos) << list.out;
  EXPECT_NE(list.out.find("Not Started"), std::string::npos) << list.out;

  EXPECT_EQ(Godwit("start " + sid).exit_code, 0);
  daemon_->WaitFor(id, [](const json& p) { return MigratedRows(p) > 0; });
  CliRun pause = Godwit("pause " + sid);
  EXPECT_EQ(pause.exit_code, 0) << pause.out << pause.err;
  daemon_->WaitFor(id, [](const json& p) { return p["subtasks"][2]["status"] == "paused"; });
  CliRun subtasks = Godwit("subtasks " + sid);
  EXPECT_EQ(subtasks.exit_code, 0);
  EXPECT_NE(subtasks.out.find("paused"), std::string::npos) << subtasks.out;
  EXPECT_NE(subtasks.out.find("precheck"), std::string::npos) << subtasks.out;

  // Refused in this state: exit 5 and the state named.
  CliRun refused = Godwit("start " + sid);
  EXPECT_EQ(refused.exit_code, 5) << refused.out << refused.err;
  EXPECT_NE(refused.err.find("Paused"), std::string::npos) << refused.err;

  EXPECT_EQ(Godwit("params set " + sid + " --chunk-rows 500").exit_code, 0);
  EXPECT_EQ(Godwit("resume " + sid).exit_code, 0);
  json done = daemon_->WaitForState(id, "completed");
  for (const auto& s : done["subtasks"]) EXPECT_EQ(s["status"], "completed");
  CliRun show = Godwit("project show " + sid);
  EXPECT_NE(show.out.find("Completed"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("svc_cli.items"), std::string::npos) << show.out;

  // The data arrived whole.
  auto src = ReadTable(MysqlUri("svc_cli"), TableRef{"svc_cli", "items"});
  auto dst = ReadTable(dest, TableRef{"public", "items"});
  EXPECT_EQ(dst.rows, src.rows);

  // Export, import: the same configuration, a new project.
  std::string exported = FreshTempDir("cli-export") + "/p.yaml";
  EXPECT_EQ(Godwit("project export " + sid + " --format yaml -o " + exported).exit_code, 0);
  CliRun imported = Godwit("project import " + exported + " --json");
  EXPECT_EQ(imported.exit_code, 0) << imported.err;
  json copy = json::parse(imported.out, nullptr, false);
  ASSERT_TRUE(copy.is_object()) << imported.out;
  EXPECT_EQ(copy["objects"], done["objects"]);
  EXPECT_EQ(copy["source"], done["source"]);
  EXPECT_EQ(copy["chunk_rows"], 500);

  EXPECT_EQ(Godwit("release " + sid).exit_code, 0);
  EXPECT_EQ(Show(id)["state"], "released");
  EXPECT_EQ(Godwit("delete " + sid).exit_code, 0);
  EXPECT_EQ(Godwit("project show " + sid).exit_code, 4);
}

TEST_F(ServiceCliTest, FiftyProjectsAtOnce) {
  std::vector<std::string> ids;
  std::string file = ProjectFile("fleet");
  for (int i = 0; i < 50; ++i) {
    // One destination database for all would mix their rows: give each its own.
    int64_t id = CreateWithCli(i == 0 ? file : ProjectFile("fleet"));
    ASSERT_GT(id, 0);
    ids.push_back(std::to_string(id));
  }
  std::string all;
  for (const auto& id : ids) all += " " + id;

  // Without --yes the batch asks first; answering no does nothing.
  CliRun declined = Godwit("start" + all, "n\n");
  EXPECT_EQ(declined.exit_code, 1) << declined.out << declined.err;
  EXPECT_NE((declined.out + declined.err).find("50"), std::string::npos) << declined.out << declined.err;
  EXPECT_EQ(Show(std::stoll(ids[0]))["state"], "not_started");

  CliRun start = Godwit("start" + all + " --yes");
  EXPECT_EQ(start.exit_code, 0) << start.out << start.err;
  CliRun pause = Godwit("pause" + all + " --yes");
  // Projects that finished before the pause reached them are reported as
  // not supporting it (exit 1); the others pause.
  EXPECT_TRUE(pause.exit_code == 0 || pause.exit_code == 1) << pause.out << pause.err;
  CliRun running = Godwit("project list --status running --json");
  EXPECT_EQ(json::parse(running.out)["total"], 0) << running.out;
  CliRun resume = Godwit("resume" + all + " --yes");
  EXPECT_TRUE(resume.exit_code == 0 || resume.exit_code == 1) << resume.out << resume.err;
  for (const auto& id : ids) daemon_->WaitForState(std::stoll(id), "completed", std::chrono::seconds(300));
  CliRun completed = Godwit("project list --status completed --tag cli --json");
  EXPECT_EQ(json::parse(completed.out)["total"], 50) << completed.out;

  EXPECT_EQ(Godwit("alerts set" + all + " --level high --yes").exit_code, 5)
      << "Completed projects take no alert change";
  CliRun release = Godwit("release" + all + " --yes");
  EXPECT_EQ(release.exit_code, 0) << release.out << release.err;
  EXPECT_NE(release.out.find("50"), std::string::npos) << release.out;
  CliRun del = Godwit("delete" + all + " --yes");
  EXPECT_EQ(del.exit_code, 0) << del.out << del.err;
  EXPECT_EQ(json::parse(Godwit("project list --json").out)["total"], 0);
}

TEST_F(ServiceCliTest, VerificationFindsAndCorrectsALostRow) {
  std::string dest;
  int64_t id = CreateWithCli(ProjectFile("cli verify", &dest, "[schema, full, verification]"));
  ASSERT_GT(id, 0);
  std::string sid = std::to_string(id);
  ASSERT_EQ(Godwit("start " + sid).exit_code, 0);
  daemon_->WaitForState(id, "completed");
  CliRun shown = Godwit("project verification " + sid);
  EXPECT_EQ(shown.exit_code, 0) << shown.err;
  EXPECT_NE(shown.out.find("Full verification: completed"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("1 table(s): 1 consistent, 0 inconsistent, 0 failed; 0 difference(s)"), std::string::npos)
      << shown.out;

  // A row lost on the destination: found by verifying again, written out
  // for review, corrected.
  ASSERT_TRUE(OpenSession(dest)->Execute("DELETE FROM public.items WHERE id = 17").ok());
  CliRun rerun = Godwit("project reverify " + sid);
  EXPECT_EQ(rerun.exit_code, 0) << rerun.out << rerun.err;
  daemon_->WaitForState(id, "completed");
  shown = Godwit("project verification " + sid);
  EXPECT_NE(shown.out.find("1 table(s): 0 consistent, 1 inconsistent, 0 failed; 1 difference(s)"), std::string::npos)
      << shown.out;
  CliRun sql = Godwit("project corrections " + sid);
  EXPECT_EQ(sql.exit_code, 0) << sql.err;
  EXPECT_EQ(sql.out.rfind("-- Godwit corrections: ", 0), 0u) << sql.out;
  EXPECT_NE(sql.out.find("INSERT INTO"), std::string::npos) << sql.out;
  EXPECT_EQ(sql.out.find("godwit-pw"), std::string::npos);
  CliRun corrected = Godwit("project correct " + sid);
  EXPECT_EQ(corrected.exit_code, 0) << corrected.out << corrected.err;
  EXPECT_NE(corrected.out.find("1 table(s): 1 consistent, 0 inconsistent"), std::string::npos) << corrected.out;
  EXPECT_EQ(ReadTable(dest, TableRef{"public", "items"}).rows,
            ReadTable(MysqlUri("svc_cli"), TableRef{"svc_cli", "items"}).rows);

  // Completed: nothing left to skip.
  EXPECT_EQ(Godwit("project skip-verification " + sid).exit_code, 5);
}

TEST_F(ServiceCliTest, ExitCodesForScripts) {
  EXPECT_EQ(Godwit("project show 999999").exit_code, 4);
  CliRun bad = Godwit("project create -f /nonexistent.yaml");
  EXPECT_EQ(bad.exit_code, 2) << bad.err;
  std::string file = FreshTempDir("cli-bad") + "/p.yaml";
  std::ofstream(file) << "source: mysql://x@127.0.0.1/db\ndestination: sqlite:///tmp/x.db\nconcurency: 3\n";
  CliRun typo = Godwit("project create -f " + file);
  EXPECT_EQ(typo.exit_code, 2) << typo.err;
  EXPECT_NE(typo.err.find("concurency"), std::string::npos) << typo.err;
  CliRun wrong = Godwit("project list --token not-the-token");
  EXPECT_EQ(wrong.exit_code, 3) << wrong.err;
  CliRun away = Godwit("project list --server http://127.0.0.1:1");
  EXPECT_EQ(away.exit_code, 3) << away.err;
}

}  // namespace
}  // namespace godwit::testing
