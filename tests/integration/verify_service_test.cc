// Full verification as the service runs it, over HTTP against a real
// `godwit serve`: beside incremental synchronization while an application
// writes (no false difference; a planted one found exactly, exported as SQL,
// corrected, re-verified), after a full migration alone, and skipped.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <random>
#include <thread>

#include "connector/session.h"
#include "migration_harness.h"
#include "service_harness.h"
#include "test_env.h"

namespace godwit::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string Path(int64_t id, const std::string& tail = "") { return "/api/v1/projects/" + std::to_string(id) + tail; }

json Subtask(const json& project, const std::string& kind) {
  for (const auto& s : project["subtasks"]) {
    if (s["kind"] == kind) return s;
  }
  return json();
}

std::string VerificationStatus(const json& project) {
  return Subtask(project, "full_verification").value("status", "");
}

const json& TableResult(const json& result, const std::string& name) {
  for (const auto& t : result["tables"]) {
    if (t["source"].get<std::string>().ends_with("." + name)) return t;
  }
  throw std::runtime_error("no table " + name + " in " + result.dump());
}

// The application: single-row inserts, updates and deletes on ids up to
// 2,000 (and new ids above 100,000), about 150 a second, until stopped.
// Rows 2,001..3,000 are never touched.
class Application {
 public:
  explicit Application(std::string db) : db_(std::move(db)) {}
  void Start() {
    thread_ = std::thread([this] { Run(); });
  }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  ~Application() { Stop(); }
  int64_t statements() const { return statements_; }

 private:
  void Run() {
    auto s = OpenSession(MysqlUri(db_));
    std::mt19937 rng(7);
    int64_t next_id = 100000;
    while (!stop_) {
      const int64_t id = std::uniform_int_distribution<int64_t>(1, 2000)(rng);
      std::string sql;
      switch (rng() % 3) {
        case 0: sql = "INSERT INTO items VALUES (" + std::to_string(next_id++) + ", 1, 'new', 2.50)"; break;
        case 1:
          sql = "UPDATE items SET qty = qty + 1, note = 'upd " + std::to_string(rng() % 1000) +
                "' WHERE id = " + std::to_string(id);
          break;
        case 2: sql = "DELETE FROM items WHERE id = " + std::to_string(id); break;
      }
      Status st = s->Execute(sql);
      if (!st.ok()) {
        ADD_FAILURE() << "the application's statement failed: " << st.ToString();
        return;
      }
      ++statements_;
      std::this_thread::sleep_for(std::chrono::milliseconds(6));
    }
  }
  std::string db_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> statements_{0};
  std::thread thread_;
};

void CreateSource(const std::string& db) {
  RecreateMysqlDatabase(db);
  MysqlAdmin(
      "CREATE TABLE items (id BIGINT PRIMARY KEY, qty INT NOT NULL, note VARCHAR(40), price DECIMAL(12,2));"
      "INSERT INTO items SELECT seq, seq % 50, CONCAT('seed ', seq), seq * 1.5 FROM seq_1_to_3000;"
      "CREATE TABLE quiet (code VARCHAR(10) PRIMARY KEY, v DOUBLE);"
      "INSERT INTO quiet SELECT CONCAT('q', seq), seq / 3 FROM seq_1_to_200;",
      db);
}

TEST(VerifyService, BesideSynchronizationUnderWritesFindsOnlyThePlantedDifferences) {
  const std::string db = "vsvc_src";
  CreateSource(db);
  const std::string dest_db = "vsvc_dst_" + std::to_string(getpid());
  RecreatePgDatabase(Servers().pg_dest_port, dest_db);
  const std::string dest_uri = PgDestUri(dest_db);

  Daemon d(FreshTempDir("vsvc"));
  Application app(db);
  app.Start();
  const int64_t id = d.Create(json{{"name", "verify beside sync"},
                                   {"source", MysqlUri(db)},
                                   {"destination", dest_uri},
                                   {"migration_type", {"schema", "full", "incremental", "verification"}},
                                   {"chunk_rows", 250},
                                   {"verify_concurrency", 2},
                                   {"alerts", {{"level", "high"}}}});
  ASSERT_EQ(d.Call("POST", Path(id, "/start"), json::object()).status, 200);

  // The verification runs once synchronization is Monitoring, while the
  // application keeps writing: every table consistent.
  json p = d.WaitFor(
      id, [](const json& p) { return VerificationStatus(p) == "completed"; }, std::chrono::seconds(180));
  ASSERT_EQ(VerificationStatus(p), "completed") << p.dump(2);
  EXPECT_EQ(p["state"], "running");
  EXPECT_EQ(Subtask(p, "incremental_sync")["status"], "monitoring");
  EXPECT_EQ(p["stage"], "full_verification");
  // Preview and execution agree: entering a forward switchover, which this
  // version cannot run, is neither offered nor previewed as supported.
  for (const auto& op : p["allowed_operations"]) EXPECT_NE(op, "enter_forward_switchover") << p.dump(2);
  Reply preview = d.Call("POST", "/api/v1/batch/enter_forward_switchover/preview", json{{"ids", {id}}});
  ASSERT_EQ(preview.status, 200) << preview.raw;
  EXPECT_TRUE(preview.body["supported"].empty()) << preview.raw;
  Reply entered = d.Call("POST", "/api/v1/batch/enter_forward_switchover", json{{"ids", {id}}});
  EXPECT_EQ(entered.raw.find("not available in this version"), std::string::npos) << entered.raw;
  EXPECT_NE(entered.raw.find("forward switchover stage"), std::string::npos) << entered.raw;
  Reply v = d.Call("GET", Path(id, "/verification"));
  ASSERT_EQ(v.status, 200) << v.raw;
  json result = v.body["result"];
  EXPECT_EQ(result["summary"]["inconsistent"], 0) << result.dump(2);
  EXPECT_EQ(result["summary"]["failed"], 0) << result.dump(2);
  EXPECT_EQ(TableResult(result, "items")["status"], "consistent") << result.dump(2);
  EXPECT_EQ(TableResult(result, "quiet")["rows_compared"], 200);
  EXPECT_GT(app.statements(), 100);
  // How many rows were caught changing and re-checked (for the log: how
  // many depends on timing).
  std::printf("items: %s rows re-checked in flight, %s units with differing digests\n",
              TableResult(result, "items")["rechecked_in_flight"].dump().c_str(),
              TableResult(result, "items")["units_mismatched"].dump().c_str());

  // Two differences the application cannot explain.
  auto dest = OpenSession(dest_uri);
  ASSERT_TRUE(dest->Execute("UPDATE public.items SET note = 'planted' WHERE id = 2500").ok());
  ASSERT_TRUE(dest->Execute("DELETE FROM public.quiet WHERE code = 'q7'").ok());
  ASSERT_EQ(d.Call("POST", Path(id, "/verification/rerun"), json{{"mode", "all"}}).status, 200);
  p = d.WaitFor(
      id, [](const json& p) { return VerificationStatus(p) == "running" || VerificationStatus(p) == "pending"; },
      std::chrono::seconds(30));
  p = d.WaitFor(
      id, [](const json& p) { return VerificationStatus(p) == "completed"; }, std::chrono::seconds(180));
  ASSERT_EQ(VerificationStatus(p), "completed") << p.dump(2);
  result = d.Call("GET", Path(id, "/verification")).body["result"];
  const json& items = TableResult(result, "items");
  EXPECT_EQ(items["differing"], 1) << items.dump(2);
  EXPECT_EQ(items["only_in_source"], 0) << items.dump(2);
  EXPECT_EQ(items["only_in_destination"], 0) << items.dump(2);
  EXPECT_EQ(items["differing_columns"], json({{"note", 1}})) << items.dump(2);
  ASSERT_EQ(items["samples"].size(), 1u);
  EXPECT_EQ(items["samples"][0]["key"], json({"2500"}));
  const json& quiet = TableResult(result, "quiet");
  EXPECT_EQ(quiet["only_in_source"], 1) << quiet.dump(2);
  EXPECT_EQ(quiet["samples"][0]["key"], json({"q7"}));

  // The corrections, for review, then applied.
  Reply sql = d.CallRaw("GET", Path(id, "/verification/corrections.sql"), "");
  ASSERT_EQ(sql.status, 200) << sql.raw;
  EXPECT_NE(sql.raw.find("INSERT INTO \"public\".\"items\""), std::string::npos) << sql.raw;
  EXPECT_NE(sql.raw.find("(2500,"), std::string::npos) << sql.raw;
  EXPECT_NE(sql.raw.find("'q7'"), std::string::npos) << sql.raw;
  EXPECT_EQ(sql.raw.find("godwit-pw"), std::string::npos);
  Reply corrected = d.Call("POST", Path(id, "/verification/correct"), json::object());
  ASSERT_EQ(corrected.status, 200) << corrected.raw;
  EXPECT_EQ(corrected.body["summary"]["inconsistent"], 0) << corrected.body.dump(2);
  Reply bad = d.Call("POST", Path(id, "/verification/correct"), json{{"delete_destination_only", "yes"}});
  EXPECT_EQ(bad.status, 400) << bad.raw;

  // Verifying the records again finds them equal; skipping is refused now
  // that the stage completed.
  ASSERT_EQ(d.Call("POST", Path(id, "/verification/rerun"), json{{"mode", "records"}}).status, 200);
  p = d.WaitFor(
      id, [](const json& p) { return VerificationStatus(p) == "running" || VerificationStatus(p) == "pending"; },
      std::chrono::seconds(30));
  p = d.WaitFor(
      id, [](const json& p) { return VerificationStatus(p) == "completed"; }, std::chrono::seconds(120));
  result = d.Call("GET", Path(id, "/verification")).body["result"];
  EXPECT_EQ(result["summary"]["inconsistent"], 0) << result.dump(2);
  EXPECT_EQ(d.Call("POST", Path(id, "/skip_full_verification"), json::object()).status, 409);
  EXPECT_EQ(d.Call("POST", Path(id, "/verification/rerun"), json{{"mode", "sometimes"}}).status, 400);
  app.Stop();
  ASSERT_EQ(d.Call("POST", Path(id, "/pause"), json::object()).status, 200);
  d.WaitForState(id, "paused");
}

// A verification beside synchronization that is paused, or fails, still
// names the project's stage (it used to be overwritten with
// incremental_sync, so a Failed project showed the wrong stage beside an
// error about the verification).
TEST(VerifyService, BesideSynchronizationPausedOrFailedKeepsItsStage) {
  const std::string db = "vsvc_stage";
  CreateSource(db);
  const std::string dest_db = "vsvc_stage_" + std::to_string(getpid());
  RecreatePgDatabase(Servers().pg_dest_port, dest_db);
  // Each compared unit holds the verification a second: time to pause it
  // while it runs.
  Daemon d(FreshTempDir("vsvc-stage"), "verify.unit_compared:1000");
  const int64_t id = d.Create(json{{"name", "verify stage"},
                                   {"source", MysqlUri(db)},
                                   {"destination", PgDestUri(dest_db)},
                                   {"migration_type", {"schema", "full", "incremental", "verification"}},
                                   {"chunk_rows", 250},
                                   {"verify_concurrency", 1}});
  ASSERT_EQ(d.Call("POST", Path(id, "/start"), json::object()).status, 200);
  auto running = [](const json& p) { return VerificationStatus(p) == "running"; };
  json p = d.WaitFor(id, running, std::chrono::seconds(180));
  ASSERT_EQ(VerificationStatus(p), "running") << p.dump(2);

  // Settled: both subtasks have stopped (the synchronization last), and a
  // moment later nothing has written the stage again.
  auto stopped = [](const json& p) {
    return VerificationStatus(p) != "running" && Subtask(p, "incremental_sync").value("status", "") == "paused";
  };
  ASSERT_EQ(d.Call("POST", Path(id, "/pause"), json::object()).status, 200);
  p = d.WaitFor(id, [&](const json& p) { return p["state"] == "paused" && stopped(p); });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  p = d.Get(id);
  EXPECT_EQ(VerificationStatus(p), "paused") << p.dump(2);
  EXPECT_EQ(p["stage"], "full_verification") << p.dump(2);
  EXPECT_EQ(p["step"], "paused") << p.dump(2);

  // The verification's own store damaged while it is paused: its next run
  // fails on opening it, and the synchronization runs on unaware.
  const fs::path verify_db = fs::path(d.data_dir()) / "projects" / std::to_string(id) / "verify.db";
  for (const char* suffix : {"-wal", "-shm"}) fs::remove(verify_db.string() + suffix);
  std::ofstream(verify_db, std::ios::trunc) << std::string(8192, 'x');
  ASSERT_EQ(d.Call("POST", Path(id, "/resume"), json::object()).status, 200);
  p = d.WaitFor(id, [&](const json& p) { return p["state"] == "failed" && stopped(p); });
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  p = d.Get(id);
  EXPECT_EQ(p["state"], "failed") << p.dump(2);
  EXPECT_EQ(p["error"]["subtask"], "full_verification") << p.dump(2);
  EXPECT_EQ(p["stage"], "full_verification") << p.dump(2);
  EXPECT_EQ(p["step"], "failed") << p.dump(2);
  EXPECT_EQ(VerificationStatus(p), "failed") << p.dump(2);
}

TEST(VerifyService, AfterAFullMigrationAloneAndSkipped) {
  const std::string db = "vsvc_alone";
  CreateSource(db);
  Daemon d(FreshTempDir("vsvc-alone"), "verify.unit_compared:400");

  // Verification after the full migration; the project completes with it.
  RecreatePgDatabase(Servers().pg_dest_port, "vsvc_alone_a");
  const int64_t a = d.Create(json{{"name", "alone"},
                                  {"source", MysqlUri(db)},
                                  {"destination", PgDestUri("vsvc_alone_a")},
                                  {"migration_type", {"schema", "full", "verification"}},
                                  {"chunk_rows", 1000}});
  ASSERT_EQ(d.Call("POST", Path(a, "/start"), json::object()).status, 200);
  json p = d.WaitForState(a, "completed", std::chrono::seconds(120));
  EXPECT_EQ(VerificationStatus(p), "completed") << p.dump(2);
  json result = d.Call("GET", Path(a, "/verification")).body["result"];
  EXPECT_EQ(result["summary"]["consistent"], 2) << result.dump(2);

  // Skipped while it runs: irreversible, recorded, and the project goes on.
  RecreatePgDatabase(Servers().pg_dest_port, "vsvc_alone_b");
  const int64_t b = d.Create(json{{"name", "skipped"},
                                  {"source", MysqlUri(db)},
                                  {"destination", PgDestUri("vsvc_alone_b")},
                                  {"migration_type", {"schema", "full", "verification"}},
                                  {"chunk_rows", 100}});
  ASSERT_EQ(d.Call("POST", Path(b, "/start"), json::object()).status, 200);
  p = d.WaitFor(
      b, [](const json& p) { return VerificationStatus(p) == "running"; }, std::chrono::seconds(120));
  ASSERT_EQ(VerificationStatus(p), "running") << p.dump(2);
  Reply skipped = d.Call("POST", Path(b, "/skip_full_verification"), json::object());
  ASSERT_EQ(skipped.status, 200) << skipped.raw;
  p = d.WaitForState(b, "completed", std::chrono::seconds(60));
  EXPECT_EQ(VerificationStatus(p), "skipped") << p.dump(2);
  EXPECT_EQ(d.Call("POST", Path(b, "/skip_full_verification"), json::object()).status, 409);
  Reply again = d.Call("POST", Path(b, "/verification/rerun"), json{{"mode", "all"}});
  EXPECT_EQ(again.status, 409) << again.raw;
  EXPECT_NE(again.raw.find("clone"), std::string::npos) << again.raw;
}

}  // namespace
}  // namespace godwit::testing
