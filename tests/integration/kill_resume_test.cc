// A migration killed with SIGKILL at many moments and started again must
// end with the destination equal to the source: no finished chunk copied
// twice, no row duplicated or missing. Kills come from two directions:
// timed kill -9 of the running process at spread-out instants, and named
// crash points (GODWIT_CRASH_AT) at the exact windows that matter — between
// the statements creating a table and before its record, right after the
// snapshot (and replication slot) is taken, after a chunk's destination
// commit but before its checkpoint, and between index builds.
//
// Besides the integer-keyed sysbench table, the tables have keys that the
// two engines order differently — a mixed-case VARCHAR (MySQL compares it
// case-insensitively, PostgreSQL bytewise) and a UUID (MariaDB orders
// time-based UUIDs by their timestamp, PostgreSQL bytewise) — so a chunk's
// key range means different rows on each side, and an enum column, which
// PostgreSQL creates as a type of its own before the table.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <thread>

#include "meta/meta_store.h"
#include "migration_harness.h"
#include "process.h"
#include "test_env.h"

namespace godwit::testing {
namespace {

constexpr int kRows = 120000;

// Starts godwit with `args`; returns the pid. `crash_at` sets GODWIT_CRASH_AT.
pid_t Spawn(const std::vector<std::string>& args, const std::string& crash_at, const std::string& log) {
  std::vector<std::string> argv{GodwitBinary()};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<std::string> set;
  if (!crash_at.empty()) set.push_back("GODWIT_CRASH_AT=" + crash_at);
  return SpawnLogged(argv, EnvironWith(set), log);
}

int Wait(pid_t pid) {
  int status = 0;
  waitpid(pid, &status, 0);
  return ExitCode(status);
}

std::string DropSlotSql(const std::string& slot) {
  return "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '" + slot + "';";
}

// Order-independent digest of a table: row count and the sum of row hashes.
std::pair<size_t, uint64_t> Digest(const std::string& uri, const TableRef& t) {
  TableContents c = ReadTable(uri, t);
  uint64_t sum = 0;
  for (auto& row : c.rows) {
    std::string flat;
    for (size_t i = 0; i < row.size(); ++i) {
      std::string v = row[i].value_or("");
      // CHAR(n) pads on PostgreSQL and trims on MySQL: compare unpadded.
      if (c.columns[i].type.kind == TypeKind::kChar) v.erase(v.find_last_not_of(' ') + 1);
      flat += row[i] ? "v" + v : "n";
      flat += '\x1f';
    }
    sum += XXH3_64bits(flat.data(), flat.size());
  }
  return {c.rows.size(), sum};
}

struct Pair {
  Engine src, dst;
};

// The state file godwit keeps in `state_dir` (one per source/destination
// pair; the test uses one pair per directory).
std::string StateFile(const std::string& state_dir) {
  for (const auto& e : std::filesystem::directory_iterator(state_dir)) {
    if (e.path().extension() == ".db") return e.path().string();
  }
  return "";
}

// How many times each finished chunk ("table#index") has been started.
std::map<std::string, int64_t> DoneChunkAttempts(const std::string& state_dir, const std::vector<std::string>& tables) {
  std::map<std::string, int64_t> out;
  std::string path = StateFile(state_dir);
  if (path.empty()) return out;
  auto store = MetaStore::Open(path);
  if (!store.ok()) throw std::runtime_error(store.status().ToString());
  for (const auto& t : tables) {
    auto chunks = (*store)->LoadChunks(t);
    if (!chunks.ok()) throw std::runtime_error(chunks.status().ToString());
    for (const auto& c : *chunks) {
      if (c.state == ChunkState::kDone) out[t + "#" + std::to_string(c.index)] = c.attempts;
    }
  }
  return out;
}

class KillResumeTest : public ::testing::TestWithParam<Pair> {};

TEST_P(KillResumeTest, DestinationEqualsSourceAfterRepeatedKills) {
  Pair p = GetParam();
  std::string tag = std::string(p.src == Engine::kMysql ? "my" : "pg") + "_" + (p.dst == Engine::kMysql ? "my" : "pg");
  std::string src_uri, dst_uri, src_schema, dst_schema;
  std::string gen_rows = std::to_string(kRows);
  const std::string slot = "kill_slot_" + tag;
  if (p.src == Engine::kMysql) {
    RecreateMysqlDatabase("kill_src_" + tag);
    MysqlAdmin(
        "CREATE TABLE sbtest1 (id INT PRIMARY KEY, k INT NOT NULL DEFAULT 0, c CHAR(120) NOT NULL DEFAULT '', "
        "pad CHAR(60) NOT NULL DEFAULT '', KEY k_1 (k));"
        "INSERT INTO sbtest1 SELECT seq, FLOOR(RAND(seq) * 100000), MD5(seq), MD5(-seq) FROM seq_1_to_" +
            gen_rows +
            ";"
            "CREATE TABLE accounts (code VARCHAR(20) NOT NULL, region CHAR(2) NOT NULL, balance DECIMAL(20,4), "
            "PRIMARY KEY (code, region));"
            "INSERT INTO accounts SELECT CONCAT('acct-', seq), IF(seq % 2, 'eu', 'us'), seq / 7 FROM seq_1_to_20000;"
            "CREATE TABLE keys_mixed (name VARCHAR(40) NOT NULL PRIMARY KEY, kind ENUM('small', 'Large', 'odd one') "
            "NOT NULL, n INT);"
            "INSERT INTO keys_mixed SELECT CONCAT(ELT(1 + seq % 5, 'alpha', 'Bravo', 'CHARLIE', 'delta', 'Echo'), '-', "
            "seq), ELT(1 + seq % 3, 'small', 'Large', 'odd one'), seq FROM seq_1_to_20000;"
            "CREATE TABLE keys_uuid (id UUID NOT NULL PRIMARY KEY, n INT);"
            "INSERT INTO keys_uuid SELECT CONCAT(SUBSTR(h, 1, 8), '-', SUBSTR(h, 9, 4), '-1', SUBSTR(h, 14, 3), '-', "
            "ELT(1 + seq % 4, '8', '9', 'a', 'b'), SUBSTR(h, 18, 3), '-', SUBSTR(h, 21, 12)), seq FROM "
            "(SELECT seq, MD5(seq) AS h FROM seq_1_to_20000) s;",
        "kill_src_" + tag);
    src_uri = MysqlUri("kill_src_" + tag);
    src_schema = "kill_src_" + tag;
  } else {
    // A slot left by an earlier run of this test would keep the database
    // from being dropped.
    PgAdmin(Servers().pg_source_port, DropSlotSql(slot));
    RecreatePgDatabase(Servers().pg_source_port, "kill_src_" + tag);
    PgAdmin(
        Servers().pg_source_port,
        "CREATE TABLE sbtest1 (id integer PRIMARY KEY, k integer NOT NULL DEFAULT 0, c char(120) NOT NULL DEFAULT "
        "'', pad char(60) NOT NULL DEFAULT '');"
        "CREATE INDEX k_1 ON sbtest1 (k);"
        "INSERT INTO sbtest1 SELECT g, (g * 7919) % 100000, md5(g::text), md5((-g)::text) FROM "
        "generate_series(1, " +
            gen_rows +
            ") g;"
            "CREATE TABLE accounts (code varchar(20) NOT NULL, region char(2) NOT NULL, balance numeric(20,4), "
            "PRIMARY KEY (code, region));"
            "INSERT INTO accounts SELECT 'acct-' || g, CASE WHEN g % 2 = 1 THEN 'eu' ELSE 'us' END, g / 7.0 FROM "
            "generate_series(1, 20000) g;"
            "CREATE TYPE kind AS ENUM ('small', 'Large', 'odd one');"
            "CREATE TABLE keys_mixed (name varchar(40) NOT NULL PRIMARY KEY, kind kind NOT NULL, n integer);"
            "INSERT INTO keys_mixed SELECT (ARRAY['alpha', 'Bravo', 'CHARLIE', 'delta', 'Echo'])[1 + g % 5] || '-' "
            "|| g, (ARRAY['small', 'Large', 'odd one'])[1 + g % 3]::kind, g FROM generate_series(1, 20000) g;"
            "CREATE TABLE keys_uuid (id uuid NOT NULL PRIMARY KEY, n integer);"
            "INSERT INTO keys_uuid SELECT (substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-1' || substr(h, 14, 3) || "
            "'-' || (ARRAY['8', '9', 'a', 'b'])[1 + g % 4] || substr(h, 18, 3) || '-' || substr(h, 21, 12))::uuid, g "
            "FROM (SELECT g, md5(g::text) AS h FROM generate_series(1, 20000) g) s;"
            "ANALYZE;",
        "kill_src_" + tag);
    src_uri = PgSourceUri("kill_src_" + tag);
    src_schema = "public";
  }
  if (p.dst == Engine::kMysql) {
    RecreateMysqlDatabase("kill_dst_" + tag);
    dst_uri = MysqlUri("kill_dst_" + tag);
    dst_schema = "kill_dst_" + tag;
  } else {
    RecreatePgDatabase(Servers().pg_dest_port, "kill_dst_" + tag);
    dst_uri = PgDestUri("kill_dst_" + tag);
    dst_schema = "public";
  }
  std::string state = FreshTempDir("kill-state-" + tag);
  std::string log = state + "/godwit.log";
  std::vector<std::string> args = {"migrate",       "-q", "--state-dir", state,  "--chunk-rows", "3000",
                                   "--concurrency", "3",  src_uri,       dst_uri};
  // With a PostgreSQL source the copy runs in a replication slot's snapshot.
  if (p.src == Engine::kPostgres) args.insert(args.begin() + 1, {"--replication-slot", slot});
  const std::vector<std::string> tables = {src_schema + ".sbtest1", src_schema + ".accounts",
                                           src_schema + ".keys_mixed", src_schema + ".keys_uuid"};

  // A finished chunk is never started again: how often each finished chunk
  // had been started, as seen after every interrupted run, must still hold
  // at the end.
  std::map<std::string, int64_t> done_before;
  auto record_done = [&] {
    for (auto& [chunk, attempts] : DoneChunkAttempts(state, tables)) done_before.emplace(chunk, attempts);
  };

  // Exact windows first: in the schema phase between the statements that
  // create a table (PostgreSQL: its enum type, then the table) and after a
  // table was created but before it was recorded; right after the snapshot
  // (and the replication slot) is taken, before the position is saved;
  // right after chunk commits, before their checkpoints — a chunk of each
  // table whose key the engines order differently, then any chunk; then
  // during the index builds.
  int kills = 0;
  for (const std::string& crash : {std::string("schema_statement:2"), std::string("table_created:2"),
                                   std::string("snapshot_taken:1"), "chunk_committed/" + src_schema + ".keys_mixed:2",
                                   "chunk_committed/" + src_schema + ".keys_uuid:2", std::string("chunk_committed:5"),
                                   std::string("chunk_committed:9"), "chunk_committed/" + src_schema + ".keys_mixed:1",
                                   std::string("chunk_committed:17"), std::string("deferred_ddl:2")}) {
    int rc = Wait(Spawn(args, crash, log));
    if (rc == 0) break;  // the run had already passed that point
    ASSERT_EQ(rc, 128 + SIGKILL) << "run with " << crash << " failed otherwise; log " << log;
    ++kills;
    record_done();
  }
  // Ctrl-C stops cleanly: exit code 130 and a word on how to resume.
  {
    pid_t pid = Spawn(args, "", log);
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    kill(pid, SIGINT);
    int rc = Wait(pid);
    if (rc != 0) {
      EXPECT_EQ(rc, 130) << "Ctrl-C should stop with 130; log " << log;
      ++kills;
    }
    record_done();
  }
  // Then timed kill -9 at spread-out instants.
  for (int delay_ms : {150, 400, 700, 1100, 1600}) {
    pid_t pid = Spawn(args, "", log);
    std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    kill(pid, SIGKILL);
    int rc = Wait(pid);
    if (rc == 0) break;
    ++kills;
    record_done();
  }
  EXPECT_GE(kills, 3) << "too few runs were interrupted to prove anything";
  int rc = Wait(Spawn(args, "", log));
  ASSERT_EQ(rc, 0) << "final run failed; log " << log;

  for (const char* table : {"sbtest1", "accounts", "keys_mixed", "keys_uuid"}) {
    auto src = Digest(src_uri, {src_schema, table});
    auto dst = Digest(dst_uri, {dst_schema, table});
    EXPECT_EQ(dst.first, src.first) << table << ": row count differs";
    EXPECT_EQ(dst.second, src.second) << table << ": contents differ";
  }

  auto done_after = DoneChunkAttempts(state, tables);
  EXPECT_FALSE(done_before.empty()) << "no chunk had finished before the last run: nothing was proven";
  for (const auto& [chunk, attempts] : done_before) {
    EXPECT_EQ(done_after[chunk], attempts) << "chunk " << chunk << " was finished, yet started again later";
  }
  for (const auto& [chunk, attempts] : done_after) EXPECT_GE(attempts, 1) << chunk;
  // Every chunk of every table is done.
  EXPECT_EQ(done_after.size(), 40u + 7u + 7u + 7u);
  if (p.src == Engine::kPostgres) PgAdmin(Servers().pg_source_port, DropSlotSql(slot));
}

INSTANTIATE_TEST_SUITE_P(Pairs, KillResumeTest,
                         ::testing::Values(Pair{Engine::kMysql, Engine::kPostgres},
                                           Pair{Engine::kPostgres, Engine::kMysql}),
                         [](const auto& info) {
                           return std::string(info.param.src == Engine::kMysql ? "mysql" : "pg") + "_to_" +
                                  (info.param.dst == Engine::kMysql ? "mysql" : "pg");
                         });

}  // namespace
}  // namespace godwit::testing
