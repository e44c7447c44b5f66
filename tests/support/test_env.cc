#include "test_env.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

namespace godwit::testing {
namespace {

[[noreturn]] void Die(const std::string& msg) {
  std::fprintf(stderr, "test_env: %s\n", msg.c_str());
  std::abort();
}

TestServers Load() {
  const char* path = std::getenv("GODWIT_TEST_ENV");
  if (path == nullptr) Die("GODWIT_TEST_ENV is not set; run the tests through ctest (the databases fixture sets it)");
  std::ifstream in(path);
  if (!in) Die(std::string("cannot read ") + path + "; did scripts/testdb.sh start succeed?");
  std::map<std::string, std::string> kv;
  std::string line;
  while (std::getline(in, line)) {
    auto eq = line.find('=');
    if (eq != std::string::npos) kv[line.substr(0, eq)] = line.substr(eq + 1);
  }
  TestServers s;
  s.mysql_port = std::atoi(kv["GODWIT_TEST_MYSQL_PORT"].c_str());
  s.pg_source_port = std::atoi(kv["GODWIT_TEST_PG_SOURCE_PORT"].c_str());
  s.pg_dest_port = std::atoi(kv["GODWIT_TEST_PG_DEST_PORT"].c_str());
  s.dir = kv["GODWIT_TEST_DIR"];
  if (s.mysql_port == 0 || s.pg_source_port == 0 || s.pg_dest_port == 0)
    Die(std::string("incomplete env file ") + path);
  return s;
}

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

void RunWithInput(const std::string& cmd, const std::string& input) {
  FILE* p = popen(cmd.c_str(), "w");
  if (p == nullptr) Die("cannot run " + cmd);
  std::fwrite(input.data(), 1, input.size(), p);
  int rc = pclose(p);
  if (rc != 0) Die("command failed (" + std::to_string(rc) + "): " + cmd + "\ninput:\n" + input.substr(0, 2000));
}

}  // namespace

const TestServers& Servers() {
  static const TestServers kServers = Load();
  return kServers;
}

std::string MysqlUri(const std::string& database) {
  return "mysql://godwit:godwit-pw@127.0.0.1:" + std::to_string(Servers().mysql_port) + "/" + database;
}
std::string PgSourceUri(const std::string& database) {
  return "postgresql://godwit:godwit-pw@127.0.0.1:" + std::to_string(Servers().pg_source_port) + "/" + database;
}
std::string PgDestUri(const std::string& database) {
  return "postgresql://godwit:godwit-pw@127.0.0.1:" + std::to_string(Servers().pg_dest_port) + "/" + database;
}

void MysqlAdmin(const std::string& sql, const std::string& database) {
  std::string cmd = "mariadb --no-defaults -h127.0.0.1 -P" + std::to_string(Servers().mysql_port) +
                    " -uroot --default-character-set=utf8mb4 " + (database.empty() ? "" : ShellQuote(database));
  RunWithInput(cmd, sql);
}

void PgAdmin(int port, const std::string& sql, const std::string& database) {
  std::string cmd = "psql -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p " + std::to_string(port) + " -U postgres -d " +
                    ShellQuote(database) + " >/dev/null";
  RunWithInput(cmd, sql);
}

void RecreateMysqlDatabase(const std::string& name) {
  MysqlAdmin("DROP DATABASE IF EXISTS `" + name + "`; CREATE DATABASE `" + name +
             "` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;");
}

void RecreatePgDatabase(int port, const std::string& name) {
  PgAdmin(port, "DROP DATABASE IF EXISTS \"" + name + "\" WITH (FORCE);");
  PgAdmin(port, "CREATE DATABASE \"" + name + "\" OWNER godwit;");
}

std::string FreshTempDir(const std::string& prefix) {
  static std::atomic<int> counter{0};
  auto base = std::filesystem::path(Servers().dir) / "tmp";
  std::filesystem::create_directories(base);
  auto dir = base / (prefix + "-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  // 0700: Godwit refuses a data or state directory others may enter.
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all);
  return dir.string();
}

}  // namespace godwit::testing
