// A database restarting in the middle of a migration is survived without
// the user doing anything: the workers reconnect, copy the interrupted
// chunks again (their ranges cleared first) and finish, and the destination
// equals the source. Runs alone (RUN_SERIAL): it restarts shared servers.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <xxhash.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "migration_harness.h"
#include "test_env.h"

namespace godwit::testing {
namespace {

void RestartServer(const std::string& which) {
  std::string script = std::string(GODWIT_SOURCE_DIR) + "/scripts/testdb.sh";
  std::string cmd = script + " restart " + Servers().dir + " " + which + " >/dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

uint64_t Digest(const TableContents& c) {
  uint64_t sum = 0;
  for (auto& row : c.rows) {
    std::string flat;
    for (auto& v : row) flat += (v ? "v" + *v : "n") + "\x1f";
    sum += XXH3_64bits(flat.data(), flat.size());
  }
  return sum;
}

void MigrateThroughRestart(const std::string& which) {
  std::string tag = which == "mariadb" ? "src" : "dst";
  RecreateMysqlDatabase("restart_" + tag);
  MysqlAdmin(
      "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(64) NOT NULL, n BIGINT);"
      "INSERT INTO t SELECT seq, MD5(seq), seq * 31 FROM seq_1_to_300000;",
      "restart_" + tag);
  RecreatePgDatabase(Servers().pg_dest_port, "restart_" + tag);
  std::string state = FreshTempDir("restart-" + tag);
  std::string cmd = std::string(std::getenv("GODWIT_BINARY")) + " migrate -q --chunk-rows 2000 --concurrency 2 " +
                    "--state-dir " + state + " " + MysqlUri("restart_" + tag) + " " + PgDestUri("restart_" + tag) +
                    " > " + state + "/log 2>&1";
  pid_t pid = fork();
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", cmd.c_str(), nullptr);
    _exit(127);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  RestartServer(which);
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "see " << state << "/log";
  auto src = ReadTable(MysqlUri("restart_" + tag), {"restart_" + tag, "t"});
  auto dst = ReadTable(PgDestUri("restart_" + tag), {"public", "t"});
  EXPECT_EQ(dst.rows.size(), src.rows.size());
  EXPECT_EQ(Digest(dst), Digest(src));
}

TEST(DbRestartTest, DestinationRestartMidCopy) { MigrateThroughRestart("pg-dest"); }
TEST(DbRestartTest, SourceRestartMidCopy) { MigrateThroughRestart("mariadb"); }

}  // namespace
}  // namespace godwit::testing
