// The full copy records where change capture must start: the source's log
// position at the copy's snapshot, saved with the migration (and, for
// PostgreSQL with --replication-slot, a logical slot that holds the WAL
// from exactly there).
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include "migration_harness.h"
#include "process.h"
#include "test_env.h"

namespace godwit::testing {
namespace {

std::string Capture(const std::string& cmd) {
  std::string out = RunShell(cmd).output;
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

std::string SavedPosition(const std::string& state_dir) {
  for (const auto& e : std::filesystem::directory_iterator(state_dir)) {
    if (e.path().extension() == ".db") {
      return Capture("sqlite3 " + e.path().string() + " 'SELECT position_json FROM migration'");
    }
  }
  return "";
}

TEST(PositionTest, PostgresSlotCreatedAndPositionSaved) {
  int port = Servers().pg_source_port;
  RecreatePgDatabase(port, "pos_src");
  PgAdmin(
      port,
      "CREATE TABLE t (id int PRIMARY KEY, v text); INSERT INTO t SELECT g, 'v' || g FROM generate_series(1, 1000) g;",
      "pos_src");
  PgAdmin(port,
          "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = 'godwit_pos_test';");
  std::string state = FreshTempDir("pos-pg");
  std::string dst = "sqlite://" + FreshTempDir("pos-pg-dst") + "/d.db";
  auto r = RunGodwit("migrate -q --replication-slot godwit_pos_test --state-dir " + state + " " +
                     PgSourceUri("pos_src") + " " + dst);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::string pos = SavedPosition(state);
  EXPECT_NE(pos.find("\"kind\":\"pg_lsn\""), std::string::npos) << pos;
  EXPECT_NE(pos.find("\"slot\":\"godwit_pos_test\""), std::string::npos) << pos;
  std::string slot = Capture("psql -qAt -h 127.0.0.1 -p " + std::to_string(port) +
                             " -U postgres -d postgres -c \"SELECT plugin || ' ' || database FROM pg_replication_slots "
                             "WHERE slot_name = 'godwit_pos_test'\"");
  EXPECT_EQ(slot, "pgoutput pos_src");
  // Resuming a finished migration neither creates another slot nor moves the position.
  r = RunGodwit("migrate -q --replication-slot godwit_pos_test --state-dir " + state + " " + PgSourceUri("pos_src") +
                " " + dst);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(SavedPosition(state), pos);
  PgAdmin(port, "SELECT pg_drop_replication_slot('godwit_pos_test');");
}

TEST(PositionTest, MysqlBinlogPositionSaved) {
  RecreateMysqlDatabase("pos_my");
  MysqlAdmin("CREATE TABLE t (id INT PRIMARY KEY); INSERT INTO t VALUES (1), (2);", "pos_my");
  std::string state = FreshTempDir("pos-my");
  auto r = RunGodwit("migrate -q --state-dir " + state + " " + MysqlUri("pos_my") + " sqlite://" +
                     FreshTempDir("pos-my-dst") + "/d.db");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::string pos = SavedPosition(state);
  EXPECT_NE(pos.find("\"kind\":\"mysql_binlog\""), std::string::npos) << pos;
  EXPECT_NE(pos.find("\"file\":\"binlog."), std::string::npos) << pos;
}

}  // namespace
}  // namespace godwit::testing
