// Access to the private database servers the `databases` CTest fixture
// starts (scripts/testdb.sh), for tests that need real servers.
#pragma once

#include <string>

namespace godwit::testing {

struct TestServers {
  int mysql_port = 0;
  int pg_source_port = 0;
  int pg_dest_port = 0;
  std::string dir;  // the fixture's directory
};

// Loads $GODWIT_TEST_ENV (the env file testdb.sh writes). Aborts the test
// binary with a clear message when the servers are not running.
const TestServers& Servers();

// URIs for the test user (godwit / godwit-pw) on each server.
std::string MysqlUri(const std::string& database);
std::string PgSourceUri(const std::string& database);
std::string PgDestUri(const std::string& database);

// Runs SQL through the servers' command-line clients as an administrator
// (for preparing fixtures independently of the code under test). Aborts on
// failure. `database` may be empty.
void MysqlAdmin(const std::string& sql, const std::string& database = "");
void PgAdmin(int port, const std::string& sql, const std::string& database = "postgres");

// (Re)creates an empty database of that name.
void RecreateMysqlDatabase(const std::string& name);
void RecreatePgDatabase(int port, const std::string& name);

// A fresh directory under the fixture directory, unique per call.
std::string FreshTempDir(const std::string& prefix);

}  // namespace godwit::testing
