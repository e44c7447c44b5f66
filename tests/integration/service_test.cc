// The migration service end to end, over HTTP against a real `godwit serve`
// and the real MariaDB/PostgreSQL servers: the whole state table, pause and
// resume mid-copy with the data compared, SIGKILL of the daemon and a
// restart that finishes the work, batch operations over a mixed selection,
// 200 projects with filters and a batch pause/resume of 50, malformed
// requests and the token.
//
// The daemon runs with delay failpoints (GODWIT_DELAY_AT) so that a project
// stays Running, or Releasing, long enough for the test to act in that
// state; the delays change timing only, never what is copied.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

#include "migration_harness.h"
#include "service_harness.h"
#include "test_env.h"

namespace godwit::testing {
namespace {

using nlohmann::json;
constexpr int kBigRows = 20000;
const char* kPassword = "godwit-pw";

class ServiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    RecreateMysqlDatabase("svc_src");
    MysqlAdmin(
        "CREATE TABLE small (id INT PRIMARY KEY, v VARCHAR(20));"
        "INSERT INTO small SELECT seq, CONCAT('s', seq) FROM seq_1_to_10;"
        "CREATE TABLE big (id INT PRIMARY KEY, k INT, v VARCHAR(40), KEY (k));"
        "INSERT INTO big SELECT seq, seq % 97, CONCAT('row-', seq) FROM seq_1_to_" +
            std::to_string(kBigRows) + ";",
        "svc_src");
  }

  // A new empty PostgreSQL database on the destination server.
  static std::string FreshPgDestination() {
    static std::atomic<int> n{0};
    std::string name = "svc_dst_" + std::to_string(getpid()) + "_" + std::to_string(n++);
    RecreatePgDatabase(Servers().pg_dest_port, name);
    return PgDestUri(name);
  }

  // A project copying `table` of the MySQL source into a fresh destination,
  // one chunk per `chunk_rows` rows, one worker.
  static json Doc(const std::string& table, int64_t chunk_rows = 100, const std::string& dest = "") {
    return json{{"name", "svc " + table},
                {"tags", {"svc", table}},
                {"source", MysqlUri("svc_src")},
                {"destination", dest.empty() ? FreshPgDestination() : dest},
                {"objects", {{"include", {"svc_src." + table}}}},
                {"chunk_rows", chunk_rows},
                {"concurrency", 1},
                {"created_by", "service_test"}};
  }
};

std::string Path(int64_t id, const std::string& tail = "") { return "/api/v1/projects/" + std::to_string(id) + tail; }

// Order-independent digest of a table's rows, for comparing both sides.
std::pair<size_t, std::multiset<std::string>> Rows(const std::string& uri, const TableRef& t) {
  TableContents c = ReadTable(uri, t);
  std::multiset<std::string> rows;
  for (const auto& r : c.rows) {
    std::string flat;
    for (const auto& v : r) flat += v.value_or("<null>") + "|";
    rows.insert(flat);
  }
  return {c.rows.size(), rows};
}

void ExpectSameTable(const std::string& dest_uri, const std::string& table) {
  auto src = Rows(MysqlUri("svc_src"), TableRef{"svc_src", table});
  auto dst = Rows(dest_uri, TableRef{"public", table});
  EXPECT_EQ(dst.first, src.first) << table << ": row count differs";
  EXPECT_TRUE(dst.second == src.second) << table << ": rows differ";
}

// ---------------------------------------------------------------------------
// The state table.

struct OpCall {
  std::string op;
  std::function<Reply(Daemon&, int64_t)> call;
};

std::vector<OpCall> Operations() {
  auto post = [](const std::string& tail, json body = json::object()) {
    return [tail, body](Daemon& d, int64_t id) { return d.Call("POST", Path(id, tail), body); };
  };
  auto batch = [](const std::string& op) {
    return [op](Daemon& d, int64_t id) { return d.Call("POST", "/api/v1/batch/" + op, json{{"ids", {id}}}); };
  };
  return {
      {"start", post("/start")},
      {"pause", post("/pause")},
      {"resume", post("/resume")},
      {"release", post("/release", json{{"force", false}})},
      {"force_release", post("/release", json{{"force", true}})},
      {"delete", [](Daemon& d, int64_t id) { return d.Call("DELETE", Path(id)); }},
      {"modify_alerts",
       [](Daemon& d, int64_t id) {
         return d.Call("PUT", Path(id, "/alerts"), json{{"level", "high"}});
       }},
      {"modify_parameters",
       [](Daemon& d, int64_t id) {
         return d.Call("PUT", Path(id, "/parameters"), json{{"chunk_rows", 150}});
       }},
      {"modify_objects",
       [](Daemon& d, int64_t id) {
         return d.Call("PUT", Path(id, "/objects"), json{{"include", {"svc_src.small"}}});
       }},
      // Stage-bound operations exist as batch operations; the projects here
      // have no verification or switchover stage, so every state refuses
      // them (verify_service_test skips a verification).
      {"skip_full_verification", batch("skip_full_verification")},
      {"enter_forward_switchover", batch("enter_forward_switchover")},
      {"start_forward_switchover", batch("start_forward_switchover")},
  };
}

// PRODUCT.md's table for the states a project of this version reaches.
const std::map<std::string, std::set<std::string>>& Allowed() {
  static const std::map<std::string, std::set<std::string>> kAllowed = {
      {"not_started", {"start", "delete", "modify_alerts", "modify_parameters", "modify_objects"}},
      {"running", {"pause", "modify_alerts"}},
      {"paused", {"resume", "release", "force_release", "modify_alerts", "modify_parameters"}},
      {"failed", {"resume", "release", "force_release", "modify_alerts", "modify_parameters"}},
      {"completed", {"release", "force_release"}},
      {"releasing", {}},
      {"released", {"delete"}},
  };
  return kAllowed;
}

bool Refused(const Reply& r) {
  if (r.status == 409) return r.body["error"]["code"] == "INVALID_STATE";
  // A batch answers 200 and lists the refusal per project.
  return r.status == 200 && r.body.contains("succeeded") && r.body["succeeded"] == 0 && r.body["failed"].size() == 1;
}

// What a successful operation leaves the project in (nullopt: unchanged).
std::optional<std::string> StateAfter(const std::string& op) {
  if (op == "start" || op == "resume") return "running";
  if (op == "pause") return "paused";
  if (op == "release" || op == "force_release") return "released";
  if (op == "delete") return "deleted";
  return std::nullopt;
}

class StateTableTest : public ServiceTest {
 protected:
  void SetUp() override {
    daemon_ = std::make_unique<Daemon>(FreshTempDir("svc-states"), "chunk_committed:200,release_resources:2500");
  }
  void TearDown() override { daemon_.reset(); }

  // A fresh project brought into `state`.
  int64_t Make(const std::string& state) {
    Daemon& d = *daemon_;
    if (state == "not_started") return d.Create(Doc("small"));
    if (state == "failed") {
      json doc = Doc("small");
      doc["destination"] = {{"uri", doc["destination"].get<std::string>()}, {"password", "wrong-password"}};
      int64_t id = d.Create(doc);
      EXPECT_EQ(d.Call("POST", Path(id, "/start")).status, 200);
      d.WaitForState(id, "failed");
      return id;
    }
    if (state == "completed" || state == "released") {
      int64_t id = d.Create(Doc("small"));
      EXPECT_EQ(d.Call("POST", Path(id, "/start")).status, 200);
      d.WaitForState(id, "completed");
      if (state == "released") {
        EXPECT_EQ(d.Call("POST", Path(id, "/release")).status, 200);
      }
      return id;
    }
    // running / paused: the big table at 200 ms per 100-row chunk keeps it
    // copying for well over a minute.
    int64_t id = d.Create(Doc("big"));
    EXPECT_EQ(d.Call("POST", Path(id, "/start")).status, 200);
    d.WaitFor(id, [](const json& p) { return p["stage"] == "full_migration" && MigratedRows(p) > 0; });
    if (state == "paused") {
      EXPECT_EQ(d.Call("POST", Path(id, "/pause")).status, 200);
      d.WaitFor(id, [](const json& p) { return p["subtasks"][2]["status"] == "paused"; });
    }
    return id;
  }

  void CheckState(const std::string& state) {
    Daemon& d = *daemon_;
    const auto& allowed = Allowed().at(state);
    int64_t base = Make(state);
    json before = d.Get(base);
    ASSERT_EQ(before["state"], state) << before.dump();
    // Refused operations: 409 (or a batch refusal) and nothing changes.
    for (const auto& op : Operations()) {
      if (allowed.count(op.op)) continue;
      Reply r = op.call(d, base);
      EXPECT_TRUE(Refused(r)) << state << " x " << op.op << ": " << r.status << " " << r.raw;
      if (r.status == 409) {
        std::string msg = r.body["error"]["message"];
        EXPECT_NE(msg.find(before["state_label"].get<std::string>()), std::string::npos) << msg;
      }
      json after = d.Get(base);
      EXPECT_EQ(after["state"], before["state"]) << state << " x " << op.op;
      EXPECT_EQ(after["updated_at"], before["updated_at"]) << state << " x " << op.op;
      EXPECT_EQ(after["chunk_rows"], before["chunk_rows"]) << state << " x " << op.op;
      EXPECT_EQ(after["alerts"], before["alerts"]) << state << " x " << op.op;
      EXPECT_EQ(after["objects"], before["objects"]) << state << " x " << op.op;
    }
    // Allowed operations work: those that keep the state on the base
    // project, the others each on a fresh project in that state.
    for (const auto& op : Operations()) {
      if (!allowed.count(op.op)) continue;
      auto expect = StateAfter(op.op);
      int64_t id = expect ? Make(state) : base;
      Reply r = op.call(d, id);
      EXPECT_EQ(r.status, 200) << state << " x " << op.op << ": " << r.raw;
      if (!expect) {
        json p = d.Get(id);
        EXPECT_EQ(p["state"], state) << op.op;
        if (op.op == "modify_alerts") {
          EXPECT_EQ(p["alerts"]["level"], "high");
        } else if (op.op == "modify_parameters") {
          EXPECT_EQ(p["chunk_rows"], 150);
        } else if (op.op == "modify_objects") {
          EXPECT_EQ(p["objects"]["include"], json({"svc_src.small"}));
        }
      } else if (*expect == "deleted") {
        EXPECT_EQ(d.Call("GET", Path(id)).status, 404);
        EXPECT_FALSE(std::filesystem::exists(d.data_dir() + "/projects/" + std::to_string(id)));
      } else if (*expect == "running") {
        // It may already have moved on (a failed precheck fails again).
        json p = d.Get(id);
        EXPECT_TRUE(p["state"] == "running" || p["state"] == "completed" || p["state"] == "failed") << p.dump();
      } else {
        EXPECT_EQ(d.Get(id)["state"], *expect) << state << " x " << op.op;
      }
    }
  }

  std::unique_ptr<Daemon> daemon_;
};

TEST_F(StateTableTest, NotStarted) { CheckState("not_started"); }
TEST_F(StateTableTest, Running) { CheckState("running"); }
TEST_F(StateTableTest, Paused) { CheckState("paused"); }
TEST_F(StateTableTest, Failed) {
  CheckState("failed");
  // The failure says what happened and where.
  int64_t id = Make("failed");
  json p = daemon_->Get(id);
  EXPECT_EQ(p["error"]["code"], "PRECHECK_FAILED") << p.dump();
  EXPECT_EQ(p["error"]["subtask"], "precheck");
  EXPECT_EQ(p["subtasks"][0]["status"], "failed");
  EXPECT_EQ(p.dump().find("wrong-password"), std::string::npos) << "a password came back out";
}
TEST_F(StateTableTest, Completed) { CheckState("completed"); }
TEST_F(StateTableTest, Released) { CheckState("released"); }

TEST_F(StateTableTest, Releasing) {
  Daemon& d = *daemon_;
  int64_t id = Make("completed");
  std::thread release([&] { EXPECT_EQ(d.Call("POST", Path(id, "/release")).status, 200); });
  json p = d.WaitForState(id, "releasing", std::chrono::seconds(10));
  for (const auto& op : Operations()) {
    Reply r = op.call(d, id);
    EXPECT_TRUE(Refused(r)) << "releasing x " << op.op << ": " << r.raw;
  }
  release.join();
  EXPECT_EQ(d.Get(id)["state"], "released");
}

// ---------------------------------------------------------------------------

TEST_F(ServiceTest, PauseAndResumeMidCopyLoseAndDuplicateNothing) {
  Daemon d(FreshTempDir("svc-pause"), "chunk_committed:30");
  std::string dest = FreshPgDestination();
  int64_t id = d.Create(Doc("big", 200, dest));
  ASSERT_EQ(d.Call("POST", Path(id, "/start")).status, 200);
  d.WaitFor(id, [](const json& p) { return MigratedRows(p) >= 2000; });
  ASSERT_EQ(d.Call("POST", Path(id, "/pause")).status, 200);
  json paused = d.WaitFor(id, [](const json& p) { return p["subtasks"][2]["status"] == "paused"; });
  EXPECT_EQ(paused["state"], "paused");
  int64_t at_pause = MigratedRows(paused);
  EXPECT_GT(at_pause, 0);
  EXPECT_LT(at_pause, kBigRows) << "the copy finished before the pause could land";
  // Paused means paused: nothing more is written.
  std::this_thread::sleep_for(std::chrono::seconds(1));
  EXPECT_EQ(MigratedRows(d.Get(id)), at_pause);

  ASSERT_EQ(d.Call("POST", Path(id, "/resume")).status, 200);
  json done = d.WaitForState(id, "completed");
  for (const auto& s : done["subtasks"]) EXPECT_EQ(s["status"], "completed") << s.dump();
  EXPECT_EQ(MigratedRows(done), kBigRows);
  ExpectSameTable(dest, "big");
}

// A project resumed after its destination database was dropped and created
// again: its checkpoints describe tables that are gone, so the copy starts
// over (as `godwit migrate` does), with a warning, and completes with every
// row — not a failure on a missing table, nor success over none.
TEST_F(ServiceTest, ResumeIntoARecreatedDestinationCopiesAgain) {
  Daemon d(FreshTempDir("svc-recreated"), "chunk_committed:30");
  static std::atomic<int> n{0};
  const std::string name = "svc_recreated_" + std::to_string(getpid()) + "_" + std::to_string(n++);
  RecreatePgDatabase(Servers().pg_dest_port, name);
  int64_t id = d.Create(Doc("big", 200, PgDestUri(name)));
  ASSERT_EQ(d.Call("POST", Path(id, "/start")).status, 200);
  d.WaitFor(id, [](const json& p) { return MigratedRows(p) >= 2000; });
  ASSERT_EQ(d.Call("POST", Path(id, "/pause")).status, 200);
  d.WaitFor(id, [](const json& p) { return p["subtasks"][2]["status"] == "paused"; });

  RecreatePgDatabase(Servers().pg_dest_port, name);
  ASSERT_EQ(d.Call("POST", Path(id, "/resume")).status, 200);
  json done = d.WaitFor(id, [](const json& p) { return p["state"] == "completed" || p["state"] == "failed"; });
  ASSERT_EQ(done["state"], "completed") << done.dump(2);
  EXPECT_NE(done.dump().find("copied again from the start"), std::string::npos) << done.dump(2);
  ExpectSameTable(PgDestUri(name), "big");
}

TEST_F(ServiceTest, DaemonKilledMidCopyFinishesAfterRestart) {
  std::string dir = FreshTempDir("svc-kill");
  std::string dest = FreshPgDestination();
  int64_t id;
  {
    Daemon d(dir, "chunk_committed:30");
    id = d.Create(Doc("big", 200, dest));
    ASSERT_EQ(d.Call("POST", Path(id, "/start")).status, 200);
    d.WaitFor(id, [](const json& p) { return MigratedRows(p) >= 3000; });
    d.Kill9();
  }
  Daemon again(dir);  // same data directory, no delays
  json done = again.WaitForState(id, "completed");
  EXPECT_EQ(MigratedRows(done), kBigRows);
  ExpectSameTable(dest, "big");
  // The restart is in the project's history.
  Reply events = again.Call("GET", Path(id, "/events"));
  EXPECT_NE(events.raw.find("daemon restarted"), std::string::npos) << events.raw;
}

TEST_F(ServiceTest, DaemonKilledWhileReleasingFinishesTheReleaseAfterRestart) {
  std::string dir = FreshTempDir("svc-kill-release");
  int64_t id;
  {
    Daemon d(dir, "release_resources:5000");
    id = d.Create(Doc("small"));
    ASSERT_EQ(d.Call("POST", Path(id, "/start")).status, 200);
    d.WaitForState(id, "completed");
    std::thread release([&] { d.Call("POST", Path(id, "/release")); });
    d.WaitForState(id, "releasing", std::chrono::seconds(10));
    d.Kill9();
    release.join();
  }
  Daemon again(dir);
  again.WaitForState(id, "released", std::chrono::seconds(30));
  EXPECT_EQ(again.Call("DELETE", Path(id)).status, 200);
}

TEST_F(ServiceTest, PausedAndFailedProjectsStayStoppedAcrossRestart) {
  std::string dir = FreshTempDir("svc-restart");
  int64_t paused, failed;
  {
    Daemon d(dir, "chunk_committed:200");
    paused = d.Create(Doc("big"));
    ASSERT_EQ(d.Call("POST", Path(paused, "/start")).status, 200);
    d.WaitFor(paused, [](const json& p) { return MigratedRows(p) > 0; });
    ASSERT_EQ(d.Call("POST", Path(paused, "/pause")).status, 200);
    json doc = Doc("small");
    doc["source"] = {{"uri", MysqlUri("svc_src")}, {"password", "nope"}};
    failed = d.Create(doc);
    ASSERT_EQ(d.Call("POST", Path(failed, "/start")).status, 200);
    d.WaitForState(failed, "failed");
    d.Kill9();
  }
  Daemon again(dir);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  EXPECT_EQ(again.Get(paused)["state"], "paused");
  EXPECT_EQ(again.Get(failed)["state"], "failed");
}

TEST_F(ServiceTest, BatchOverAMixedSelection) {
  Daemon d(FreshTempDir("svc-batch"));
  int64_t a = d.Create(Doc("small"));
  int64_t b = d.Create(Doc("small"));
  int64_t done = d.Create(Doc("small"));
  ASSERT_EQ(d.Call("POST", Path(done, "/start")).status, 200);
  d.WaitForState(done, "completed");
  const int64_t missing = 987654;

  Reply preview = d.Call("POST", "/api/v1/batch/start/preview", json{{"ids", {a, done, b, missing}}});
  ASSERT_EQ(preview.status, 200) << preview.raw;
  std::set<int64_t> supported;
  for (const auto& s : preview.body["supported"]) {
    supported.insert(s["id"].get<int64_t>());
    EXPECT_FALSE(s["name"].get<std::string>().empty());
    EXPECT_GT(s["updated_at"].get<int64_t>(), 0);
  }
  EXPECT_EQ(supported, (std::set<int64_t>{a, b}));
  std::map<int64_t, std::string> reasons;
  for (const auto& u : preview.body["unsupported"]) reasons[u["id"]] = u["reason"];
  ASSERT_EQ(reasons.size(), 2u);
  EXPECT_NE(reasons[done].find("Completed"), std::string::npos) << reasons[done];
  EXPECT_EQ(reasons[missing], "no such project");
  // The preview changed nothing.
  EXPECT_EQ(d.Get(a)["state"], "not_started");

  Reply run = d.Call("POST", "/api/v1/batch/start", json{{"ids", {a, done, b, missing}}});
  ASSERT_EQ(run.status, 200) << run.raw;
  EXPECT_EQ(run.body["succeeded"], 2);
  EXPECT_EQ(run.body["failed"].size(), 2u);
  d.WaitForState(a, "completed");
  d.WaitForState(b, "completed");

  // Batch alerts need the alerts; batch release then delete.
  EXPECT_EQ(d.Call("POST", "/api/v1/batch/modify_alerts", json{{"ids", {a}}}).status, 400);
  Reply alerts =
      d.Call("POST", "/api/v1/batch/modify_alerts", json{{"ids", {a, b}}, {"alerts", {{"level", "medium"}}}});
  EXPECT_EQ(alerts.body["succeeded"], 0) << "Completed allows release only: " << alerts.raw;
  Reply release = d.Call("POST", "/api/v1/batch/release", json{{"ids", {a, b, done}}});
  EXPECT_EQ(release.body["succeeded"], 3) << release.raw;
  Reply del = d.Call("POST", "/api/v1/batch/delete", json{{"ids", {a, b, done}}});
  EXPECT_EQ(del.body["succeeded"], 3) << del.raw;
  EXPECT_EQ(d.Call("GET", Path(a)).status, 404);
}

TEST_F(ServiceTest, TwoHundredProjectsFilteredAndFiftyPausedAndResumedAtOnce) {
  std::string dir = FreshTempDir("svc-200-dest");  // the daemon refuses SQLite files in its data directory
  Daemon d(FreshTempDir("svc-200"), "chunk_committed:300");
  std::vector<int64_t> ids;
  for (int i = 0; i < 200; ++i) {
    json doc = Doc("small", 100, "sqlite://" + dir + "/dest-" + std::to_string(i) + ".db");
    doc["name"] = "fleet-" + std::to_string(i) + (i % 10 == 0 ? "-orders" : "");
    doc["tags"] = {i % 2 == 0 ? "even" : "odd", "fleet"};
    if (i % 4 == 0) doc["migration_type"] = {"schema"};
    ids.push_back(d.Create(doc));
  }
  auto list = [&](const std::string& query) {
    Reply r = d.Call("GET", "/api/v1/projects?" + query);
    EXPECT_EQ(r.status, 200) << query << ": " << r.raw;
    return r.body;
  };
  EXPECT_EQ(list("tag=fleet&page_size=1")["total"], 200);
  EXPECT_EQ(list("tag=even&page_size=1")["total"], 100);
  EXPECT_EQ(list("type=schema&page_size=1")["total"], 200);
  EXPECT_EQ(list("type=full&page_size=1")["total"], 150);
  EXPECT_EQ(list("keyword=orders&page_size=500")["total"], 20);
  bool found = false;  // the keyword matches the id, and names that contain it
  json by_id = list("keyword=" + std::to_string(ids[7]) + "&page_size=500");
  for (const auto& p : by_id["projects"]) {
    found = found || p["id"] == ids[7];
  }
  EXPECT_TRUE(found);
  json page3 = list("tag=fleet&page=3&page_size=70");
  EXPECT_EQ(page3["projects"].size(), 60u);
  EXPECT_EQ(list("status=not_started&page_size=1")["total"], 200);
  EXPECT_EQ(list("status=running&page_size=1")["total"], 0);

  // Fifty of them at once: start, pause, resume.
  std::vector<int64_t> fifty;
  for (int i = 1; i < 200 && fifty.size() < 50; i += 2) fifty.push_back(ids[i]);  // odd: full migrations
  Reply start = d.Call("POST", "/api/v1/batch/start", json{{"ids", fifty}});
  ASSERT_EQ(start.body["succeeded"], 50) << start.raw;
  EXPECT_EQ(list("status=running&tag=odd&page_size=1")["total"].get<int>() +
                list("status=completed&tag=odd&page_size=1")["total"].get<int>(),
            50);
  Reply pause = d.Call("POST", "/api/v1/batch/pause", json{{"ids", fifty}});
  EXPECT_EQ(pause.body["succeeded"].get<int>() + static_cast<int>(pause.body["failed"].size()), 50) << pause.raw;
  // Any that finished before the pause reached them are Completed, and the
  // pause says why it refused them; the rest are Paused.
  int paused = pause.body["succeeded"];
  EXPECT_GT(paused, 0);
  EXPECT_EQ(list("status=paused&tag=odd&page_size=1")["total"], paused);
  EXPECT_EQ(list("status=running&page_size=1")["total"], 0);

  Reply preview = d.Call("POST", "/api/v1/batch/resume/preview", json{{"ids", fifty}});
  EXPECT_EQ(preview.body["supported"].size(), static_cast<size_t>(paused));
  Reply resume = d.Call("POST", "/api/v1/batch/resume", json{{"ids", fifty}});
  EXPECT_EQ(resume.body["succeeded"], paused) << resume.raw;
  for (int64_t id : fifty) d.WaitForState(id, "completed", std::chrono::seconds(300));
  EXPECT_EQ(list("status=completed&page_size=1")["total"], 50);
  // Every one of them copied its ten rows exactly once.
  for (size_t i = 0; i < fifty.size(); i += 7) {
    int index = static_cast<int>(std::find(ids.begin(), ids.end(), fifty[i]) - ids.begin());
    auto rows = Rows("sqlite://" + dir + "/dest-" + std::to_string(index) + ".db", TableRef{"", "small"});
    EXPECT_EQ(rows.first, 10u) << "project " << fifty[i];
  }
}

TEST_F(ServiceTest, AFailingProjectFailsAloneWithWhereItFailed) {
  Daemon d(FreshTempDir("svc-fail"));
  // The destination already holds a table `small` with rows: the copy of
  // that table must refuse to mix data, and say which table.
  std::string dest = FreshPgDestination();
  PgAdmin(Servers().pg_dest_port,
          "CREATE TABLE public.small (id INT PRIMARY KEY, v TEXT); INSERT INTO public.small VALUES (1, 'x');",
          dest.substr(dest.rfind('/') + 1));
  int64_t bad = d.Create(Doc("small", 100, dest));
  std::vector<int64_t> good;
  for (int i = 0; i < 6; ++i) good.push_back(d.Create(Doc("small")));
  std::vector<int64_t> all = good;
  all.insert(all.begin(), bad);
  ASSERT_EQ(d.Call("POST", "/api/v1/batch/start", json{{"ids", all}}).body["succeeded"], 7);
  json failed = d.WaitForState(bad, "failed");
  EXPECT_EQ(failed["error"]["subtask"], "schema_migration") << failed.dump();
  EXPECT_EQ(failed["error"]["object"], "svc_src.small") << failed.dump();
  EXPECT_NE(failed["error"]["message"].get<std::string>().find("already exists and holds rows"), std::string::npos);
  EXPECT_FALSE(failed["error"]["hint"].get<std::string>().empty());
  for (int64_t id : good) d.WaitForState(id, "completed");
  // Resume retries from there, and fails the same way until it is fixed.
  ASSERT_EQ(d.Call("POST", Path(bad, "/resume")).status, 200);
  d.WaitForState(bad, "failed");
  PgAdmin(Servers().pg_dest_port, "TRUNCATE public.small;", dest.substr(dest.rfind('/') + 1));
  ASSERT_EQ(d.Call("POST", Path(bad, "/resume")).status, 200);
  d.WaitForState(bad, "completed");
  ExpectSameTable(dest, "small");
}

TEST_F(ServiceTest, ReleaseFreesTheSlotAndForceReleaseListsWhatItCouldNot) {
  Daemon d(FreshTempDir("svc-release"));
  RecreatePgDatabase(Servers().pg_source_port, "svc_pg_src");
  PgAdmin(Servers().pg_source_port,
          "CREATE TABLE t (id INT PRIMARY KEY, v TEXT); INSERT INTO t VALUES (1, 'a'), (2, 'b');", "svc_pg_src");
  json doc = {{"source", PgSourceUri("svc_pg_src")}, {"destination", FreshPgDestination()}};
  int64_t id = d.Create(doc);
  ASSERT_EQ(d.Call("POST", Path(id, "/start")).status, 200);
  d.WaitForState(id, "completed");
  // What change capture will hold on the source: a slot and a publication
  // named after the project and this daemon (slots are server-wide, and
  // another test's daemon numbers its projects from 1 too). Release must
  // drop them.
  std::string name = d.Get(id)["resource_name"];
  EXPECT_EQ(name.rfind("godwit_", 0), 0u) << name;
  EXPECT_NE(name, "godwit_" + std::to_string(id)) << "the name must tell this daemon's project 1 from another's";
  PgAdmin(Servers().pg_source_port,
          "SELECT pg_create_logical_replication_slot('" + name + "', 'pgoutput'); CREATE PUBLICATION " + name +
              " FOR TABLE t;",
          "svc_pg_src");
  std::filesystem::create_directories(d.data_dir() + "/projects/" + std::to_string(id) + "/changelog");
  Reply release = d.Call("POST", Path(id, "/release"), json{{"force", false}});
  ASSERT_EQ(release.status, 200) << release.raw;
  std::string freed = release.body["freed"].dump();
  EXPECT_NE(freed.find("replication slot " + name), std::string::npos) << freed;
  EXPECT_NE(freed.find("publication " + name), std::string::npos) << freed;
  EXPECT_NE(freed.find("changelog"), std::string::npos) << freed;
  EXPECT_TRUE(release.body["not_freed"].empty());
  auto left = ReadTable(PgSourceUri("svc_pg_src"), TableRef{"public", "t"});  // the source is untouched
  EXPECT_EQ(left.rows.size(), 2u);

  // A project whose source cannot be reached: release refuses and says why,
  // force release goes through and lists what it could not free.
  json unreachable = {{"source", "postgresql://godwit@127.0.0.1:1/nowhere"}, {"destination", FreshPgDestination()}};
  int64_t bad = d.Create(unreachable);
  ASSERT_EQ(d.Call("POST", Path(bad, "/start")).status, 200);
  d.WaitForState(bad, "failed");
  Reply plain = d.Call("POST", Path(bad, "/release"));
  EXPECT_EQ(plain.status, 502) << plain.raw;
  EXPECT_NE(plain.body["error"]["hint"].get<std::string>().find("force"), std::string::npos) << plain.raw;
  EXPECT_EQ(d.Get(bad)["state"], "failed");
  Reply forced = d.Call("POST", Path(bad, "/release"), json{{"force", true}});
  ASSERT_EQ(forced.status, 200) << forced.raw;
  EXPECT_EQ(forced.body["state"], "released");
  ASSERT_EQ(forced.body["not_freed"].size(), 1u) << forced.raw;
  EXPECT_NE(forced.body["not_freed"][0].get<std::string>().find(d.Get(bad)["resource_name"].get<std::string>()),
            std::string::npos);
  EXPECT_EQ(d.Call("DELETE", Path(bad)).status, 200);
}

TEST_F(ServiceTest, SchemaOnlyProjectCreatesEveryObjectAndNoRows) {
  Daemon d(FreshTempDir("svc-schema"));
  std::string dest = FreshPgDestination();
  json doc = Doc("big", 100, dest);
  doc["migration_type"] = {"schema"};
  int64_t id = d.Create(doc);
  ASSERT_EQ(d.Call("POST", Path(id, "/start")).status, 200);
  json done = d.WaitForState(id, "completed");
  ASSERT_EQ(done["subtasks"].size(), 2u) << done.dump();
  EXPECT_EQ(done["subtasks"][1]["kind"], "schema_migration");
  auto ep = ParseEndpointUri(dest);
  ASSERT_TRUE(ep.ok());
  auto session = Connect(*ep);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  auto catalog = (*session)->ReadCatalog([](const TableRef& r) { return r.name == "big"; });
  ASSERT_TRUE(catalog.ok());
  ASSERT_EQ(catalog->tables.size(), 1u);
  EXPECT_TRUE(catalog->tables[0].primary_key.has_value());
  EXPECT_EQ(catalog->tables[0].indexes.size(), 1u) << "the secondary index on k";
  EXPECT_TRUE(ReadTable(dest, TableRef{"public", "big"}).rows.empty());
}

TEST_F(ServiceTest, MalformedRequestsGetClearErrorsAndTheDaemonLives) {
  Daemon d(FreshTempDir("svc-bad"));
  auto expect = [&](const Reply& r, int status, const std::string& code, const std::string& what) {
    EXPECT_EQ(r.status, status) << what << ": " << r.raw;
    ASSERT_TRUE(r.body.is_object()) << what << ": " << r.raw;
    EXPECT_EQ(r.body["error"]["code"], code) << what << ": " << r.raw;
    EXPECT_FALSE(r.body["error"]["message"].get<std::string>().empty()) << what;
  };
  expect(d.CallRaw("POST", "/api/v1/projects", "{not json"), 400, "BAD_REQUEST", "malformed JSON");
  expect(d.CallRaw("POST", "/api/v1/projects", "[1,2]"), 400, "BAD_REQUEST", "not an object");
  json doc = Doc("small");
  doc["concurency"] = 2;
  expect(d.Call("POST", "/api/v1/projects", doc), 400, "INVALID_ARGUMENT", "unknown field");
  doc = Doc("small");
  doc["chunk_rows"] = "many";
  expect(d.Call("POST", "/api/v1/projects", doc), 400, "INVALID_ARGUMENT", "wrong type");
  doc = Doc("small");
  doc["source"] = "oracle://x/y";
  expect(d.Call("POST", "/api/v1/projects", doc), 400, "INVALID_ARGUMENT", "bad URI");
  doc = Doc("small");
  doc["migration_type"] = {"full", "reverse"};
  expect(d.Call("POST", "/api/v1/projects", doc), 400, "UNSUPPORTED", "stage not in this version");
  expect(d.CallRaw("POST", "/api/v1/projects", std::string(2 << 20, ' ')), 400, "BAD_REQUEST", "oversized body");
  expect(d.Call("GET", "/api/v1/projects?status=sleeping"), 400, "INVALID_ARGUMENT", "unknown status");
  expect(d.Call("GET", "/api/v1/projects?page=0"), 400, "INVALID_ARGUMENT", "bad page");
  expect(d.Call("GET", "/api/v1/projects?colour=red"), 400, "INVALID_ARGUMENT", "unknown parameter");
  expect(d.Call("GET", "/api/v1/projects/424242"), 404, "NOT_FOUND", "unknown project");
  expect(d.Call("GET", "/api/v1/nothing-here"), 404, "NOT_FOUND", "unknown path");
  expect(d.Call("POST", "/api/v1/batch/explode", json{{"ids", {1}}}), 404, "NOT_FOUND", "unknown batch operation");
  expect(d.Call("POST", "/api/v1/batch/start", json{{"ids", "all"}}), 400, "INVALID_ARGUMENT", "ids not a list");
  expect(d.Call("POST", "/api/v1/batch/start", json{{"ids", {1}}, {"force", true}}), 400, "INVALID_ARGUMENT",
         "field the operation does not take");
  int64_t id = d.Create(Doc("small"));
  expect(d.Call("PUT", Path(id, "/parameters"), json{{"chunk_rows", -5}}), 400, "INVALID_ARGUMENT", "bad value");
  expect(d.Call("PUT", Path(id, "/alerts"), json{{"level", "panic"}}), 400, "INVALID_ARGUMENT", "bad level");
  expect(d.Call("POST", Path(id, "/start"), json{{"now", true}}), 400, "INVALID_ARGUMENT", "unknown field in start");

  // The token.
  std::string none, wrong = "0123";
  expect(d.Call("GET", "/api/v1/projects", nullptr, &none), 401, "UNAUTHORIZED", "no token");
  expect(d.Call("GET", "/api/v1/projects", nullptr, &wrong), 401, "UNAUTHORIZED", "wrong token");
  expect(d.Call("POST", Path(id, "/start"), nullptr, &none), 401, "UNAUTHORIZED", "no token on an operation");
  EXPECT_EQ(d.Get(id)["state"], "not_started") << "a refused request changed the project";
  EXPECT_EQ(d.Call("GET", "/api/v1/health", nullptr, &none).status, 200) << "health needs no token";
  auto perms = std::filesystem::status(d.data_dir() + "/token").permissions();
  EXPECT_EQ(perms & (std::filesystem::perms::group_all | std::filesystem::perms::others_all),
            std::filesystem::perms::none)
      << "the token file is readable by others";

  // Still serving.
  EXPECT_EQ(d.Call("GET", "/api/v1/projects").status, 200);
}

TEST_F(ServiceTest, PasswordsNeverComeBackOut) {
  Daemon d(FreshTempDir("svc-secret"));
  json doc = Doc("small");
  doc["source"] = {{"uri", MysqlUri("svc_src")}, {"password", kPassword}};  // the URI holds it too
  int64_t id = d.Create(doc);
  ASSERT_EQ(d.Call("POST", Path(id, "/start")).status, 200);
  d.WaitForState(id, "completed");
  Reply clone = d.Call("POST", Path(id, "/clone"));
  ASSERT_EQ(clone.status, 201) << clone.raw;
  for (const std::string& path :
       {Path(id), Path(id, "/export"), Path(id, "/export?format=yaml"), Path(id, "/events"), Path(id, "/subtasks"),
        std::string("/api/v1/projects"), Path(clone.body["id"].get<int64_t>())}) {
    Reply r = d.Call("GET", path);
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.raw.find(kPassword), std::string::npos) << path << " shows the password: " << r.raw;
  }
  EXPECT_EQ(clone.raw.find(kPassword), std::string::npos);
  // The clone kept the password (it can run) without showing it.
  int64_t copy = clone.body["id"];
  json copy_doc = d.Get(copy);
  EXPECT_EQ(copy_doc["state"], "not_started");
  d.Terminate();
  std::ifstream log(d.data_dir() + "/godwit.log");
  std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
  EXPECT_FALSE(text.empty());
  EXPECT_EQ(text.find(kPassword), std::string::npos) << "the log shows the password";
}

}  // namespace
}  // namespace godwit::testing
