// Bad endpoints and objects Godwit cannot convert: each gets a clear error
// that says what to do, never shows the password, and fails alone.
#include <gtest/gtest.h>

#include <filesystem>

#include "migration_harness.h"
#include "test_env.h"

namespace godwit::testing {
namespace {

std::string SqliteDest(const std::string& tag) { return "sqlite://" + FreshTempDir(tag) + "/d.db"; }

TEST(BadInputTest, WrongPasswordSaysSo) {
  std::string uri = "mysql://godwit:not-the-password@127.0.0.1:" + std::to_string(Servers().mysql_port) + "/mysql";
  auto r = RunGodwit("migrate -q --state-dir " + FreshTempDir("bad1") + " " + uri + " " + SqliteDest("bad1d"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("AUTH_FAILED"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("not-the-password"), std::string::npos) << r.output;
  std::string pg =
      "postgresql://godwit:wrong-pg-pw@127.0.0.1:" + std::to_string(Servers().pg_source_port) + "/postgres";
  r = RunGodwit("migrate -q --state-dir " + FreshTempDir("bad1b") + " " + pg + " " + SqliteDest("bad1e"));
  EXPECT_NE(r.output.find("AUTH_FAILED"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("wrong-pg-pw"), std::string::npos) << r.output;
}

TEST(BadInputTest, UnreachableHostAndUnknownDatabase) {
  auto r = RunGodwit("migrate -q --state-dir " + FreshTempDir("bad2") + " mysql://godwit:godwit-pw@127.0.0.1:1/x " +
                     SqliteDest("bad2d"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("HOST_UNREACHABLE"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("what to do"), std::string::npos) << r.output;
  r = RunGodwit("migrate -q --state-dir " + FreshTempDir("bad2b") + " " + PgSourceUri("no_such_db") + " " +
                SqliteDest("bad2e"));
  EXPECT_NE(r.output.find("UNKNOWN_DATABASE"), std::string::npos) << r.output;
  r = RunGodwit("migrate -q --state-dir " + FreshTempDir("bad2c") + " " + MysqlUri("no_such_db") + " " +
                SqliteDest("bad2f"));
  EXPECT_NE(r.output.find("UNKNOWN_DATABASE"), std::string::npos) << r.output;
}

TEST(BadInputTest, MalformedArguments) {
  auto r = RunGodwit("migrate oracle://x/y sqlite:///tmp/x.db");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("unknown database kind"), std::string::npos) << r.output;
  r = RunGodwit("migrate -f /nonexistent/project.yaml");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("cannot read project file"), std::string::npos) << r.output;
}

TEST(BadInputTest, UnsupportedTypeFailsAloneAndNoKeyTableStillMigrates) {
  RecreatePgDatabase(Servers().pg_source_port, "bad_objects");
  PgAdmin(Servers().pg_source_port,
          "CREATE TABLE has_interval (id int PRIMARY KEY, span interval);"
          "INSERT INTO has_interval VALUES (1, '1 day');"
          "CREATE TABLE no_key (a int, b text);"
          "INSERT INTO no_key SELECT g, 'row ' || g FROM generate_series(1, 500) g;"
          "CREATE TABLE fine (id int PRIMARY KEY, v text);"
          "INSERT INTO fine VALUES (1, 'x'), (2, 'y');",
          "bad_objects");
  RecreateMysqlDatabase("bad_objects_dst");
  auto r = RunGodwit("migrate -q --state-dir " + FreshTempDir("bad3") + " " + PgSourceUri("bad_objects") + " " +
                     MysqlUri("bad_objects_dst"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("interval"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("UNSUPPORTED"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("no primary key"), std::string::npos) << r.output;
  EXPECT_EQ(ReadTable(MysqlUri("bad_objects_dst"), {"bad_objects_dst", "fine"}).rows.size(), 2u);
  EXPECT_EQ(ReadTable(MysqlUri("bad_objects_dst"), {"bad_objects_dst", "no_key"}).rows.size(), 500u);
}

// On a PostgreSQL source every table a worker reads shares one snapshot
// transaction: a table the user may not read must fail alone, with its own
// error, not abort the transaction for the tables read after it.
TEST(BadInputTest, UnreadableTableFailsAloneOnPostgresSource) {
  const int port = Servers().pg_source_port;
  RecreatePgDatabase(port, "unreadable_src");
  PgAdmin(port,
          "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'godwit_reader') THEN "
          "CREATE ROLE godwit_reader LOGIN PASSWORD 'reader-pw'; END IF; END $$;"
          "CREATE TABLE a_first (id int PRIMARY KEY, v text);"
          "CREATE TABLE b_secret (id int PRIMARY KEY, v text);"
          "CREATE TABLE c_last (code text PRIMARY KEY, v text);"
          "CREATE TABLE d_after (id int PRIMARY KEY, v text);"
          "INSERT INTO a_first SELECT g, 'a' || g FROM generate_series(1, 50) g;"
          "INSERT INTO b_secret SELECT g, 'b' || g FROM generate_series(1, 50) g;"
          "INSERT INTO c_last SELECT 'k' || g, 'c' || g FROM generate_series(1, 50) g;"
          "INSERT INTO d_after SELECT g, 'd' || g FROM generate_series(1, 50) g;"
          "GRANT SELECT ON ALL TABLES IN SCHEMA public TO godwit_reader;"
          "REVOKE SELECT ON b_secret FROM godwit_reader;",
          "unreadable_src");
  RecreatePgDatabase(Servers().pg_dest_port, "unreadable_dst");
  std::string src = "postgresql://godwit_reader:reader-pw@127.0.0.1:" + std::to_string(port) + "/unreadable_src";
  // One worker: every table goes through the same snapshot transaction.
  auto r = RunGodwit("migrate -q --concurrency 1 --chunk-rows 20 --state-dir " + FreshTempDir("bad5") + " " + src +
                     " " + PgDestUri("unreadable_dst"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("b_secret"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("permission denied"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("current transaction is aborted"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("1 object(s) failed"), std::string::npos) << r.output;
  for (const char* t : {"a_first", "c_last", "d_after"}) {
    EXPECT_EQ(ReadTable(PgDestUri("unreadable_dst"), {"public", t}).rows.size(), 50u) << t;
  }
}

TEST(BadInputTest, ZeroDatesErrorUnlessMappedToNull) {
  RecreateMysqlDatabase("zero_dates");
  MysqlAdmin(
      "SET SESSION sql_mode = '';"
      "CREATE TABLE z (id INT PRIMARY KEY, d DATE, dt DATETIME);"
      "INSERT INTO z VALUES (1, '0000-00-00', '2024-01-01 00:00:00'), (2, '2024-01-02', '0000-00-00 00:00:00');",
      "zero_dates");
  RecreatePgDatabase(Servers().pg_dest_port, "zero_dates");
  std::string state = FreshTempDir("bad4");
  auto r = RunGodwit("migrate -q --state-dir " + state + " " + MysqlUri("zero_dates") + " " + PgDestUri("zero_dates"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("DATA_ERROR"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("zero"), std::string::npos) << r.output;
  // Mapping them to NULL explicitly resumes the same migration and finishes.
  r = RunGodwit("migrate -q --zero-date null --state-dir " + FreshTempDir("bad4b") + " " + MysqlUri("zero_dates") +
                " " + PgDestUri("zero_dates") + " --restart");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto rows = ReadTable(PgDestUri("zero_dates"), {"public", "z"}).rows;
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_FALSE(rows[0][1].has_value());
  EXPECT_EQ(rows[0][2].value_or(""), "2024-01-01 00:00:00");
  EXPECT_FALSE(rows[1][2].has_value());
}

// The state file is found by the URI pair: a destination database dropped
// and created again between two runs of the same command must not be
// reported migrated from that state ("migration completed" over no table).
// The tables are copied again from the start, with a warning that says why.
void MigrateAgainIntoRecreatedDestination(Engine engine, const std::string& name) {
  RecreateMysqlDatabase(name + "_src");
  MysqlAdmin(
      "CREATE TABLE a (id INT PRIMARY KEY, v VARCHAR(20));"
      "INSERT INTO a VALUES (1, 'one'), (2, 'two'), (3, 'three');"
      "CREATE TABLE b (id INT PRIMARY KEY, n INT, KEY n (n));"
      "INSERT INTO b VALUES (1, 10), (2, 20);",
      name + "_src");
  const std::string state = FreshTempDir(name + "_state");
  Destination dst = FreshDestination(engine, name + "_dst");
  const std::string cmd = "migrate -q --state-dir " + state + " " + MysqlUri(name + "_src") + " " + dst.uri;
  auto r = RunGodwit(cmd);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ASSERT_EQ(ReadTable(dst.uri, {dst.schema, "a"}).rows.size(), 3u);

  if (engine == Engine::kSqlite) {
    const std::string file = dst.uri.substr(std::string("sqlite://").size());
    for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(file + suffix);
  } else {
    dst = FreshDestination(engine, name + "_dst");  // same URI, a new empty database
  }
  r = RunGodwit(cmd);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("the destination is not the one"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("copied again from the start"), std::string::npos) << r.output;
  EXPECT_EQ(ReadTable(dst.uri, {dst.schema, "a"}).rows.size(), 3u) << r.output;
  EXPECT_EQ(ReadTable(dst.uri, {dst.schema, "b"}).rows.size(), 2u) << r.output;

  // Unchanged since: nothing is copied again, and no warning.
  r = RunGodwit(cmd);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("the destination is not the one"), std::string::npos) << r.output;
  EXPECT_EQ(ReadTable(dst.uri, {dst.schema, "a"}).rows.size(), 3u) << r.output;
}

// With --incremental the saved source position belongs to the first copy:
// the run refuses, and says how to start over.
TEST(RecreatedDestinationTest, IncrementalRunRefusesAndSaysToRestart) {
  RecreateMysqlDatabase("recreated_inc_src");
  MysqlAdmin("CREATE TABLE a (id INT PRIMARY KEY, v VARCHAR(20)); INSERT INTO a VALUES (1, 'one'), (2, 'two');",
             "recreated_inc_src");
  const std::string state = FreshTempDir("recreated_inc_state");
  Destination dst = FreshDestination(Engine::kPostgres, "recreated_inc_dst");
  const std::string pair = " --state-dir " + state + " " + MysqlUri("recreated_inc_src") + " " + dst.uri;
  auto r = RunGodwitFor(8, "migrate -q --incremental" + pair);  // copies, then synchronizes until SIGTERM
  ASSERT_EQ(ReadTable(dst.uri, {"public", "a"}).rows.size(), 2u) << r.output;

  dst = FreshDestination(Engine::kPostgres, "recreated_inc_dst");
  r = RunGodwitFor(30, "migrate -q --incremental" + pair);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("the destination is not the one"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("public.a is missing"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("--restart --incremental"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("migration completed"), std::string::npos) << r.output;
  r = RunGodwit("migrate -q --release" + pair);
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST(RecreatedDestinationTest, MysqlDestinationIsCopiedAgain) {
  MigrateAgainIntoRecreatedDestination(Engine::kMysql, "recreated_my");
}

TEST(RecreatedDestinationTest, PostgresDestinationIsCopiedAgain) {
  MigrateAgainIntoRecreatedDestination(Engine::kPostgres, "recreated_pg");
}

TEST(RecreatedDestinationTest, SqliteDestinationIsCopiedAgain) {
  MigrateAgainIntoRecreatedDestination(Engine::kSqlite, "recreated_lite");
}

// One table emptied by dropping and creating it again (PostgreSQL: a new
// oid) while the other stays: only that table is copied again.
TEST(RecreatedDestinationTest, RecreatedTableAloneIsCopiedAgain) {
  RecreateMysqlDatabase("recreated_one_src");
  MysqlAdmin(
      "CREATE TABLE a (id INT PRIMARY KEY, v VARCHAR(20));"
      "INSERT INTO a VALUES (1, 'one'), (2, 'two');"
      "CREATE TABLE b (id INT PRIMARY KEY, n INT);"
      "INSERT INTO b VALUES (1, 10);",
      "recreated_one_src");
  const std::string state = FreshTempDir("recreated_one_state");
  Destination dst = FreshDestination(Engine::kPostgres, "recreated_one_dst");
  const std::string cmd = "migrate -q --state-dir " + state + " " + MysqlUri("recreated_one_src") + " " + dst.uri;
  auto r = RunGodwit(cmd);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  PgAdmin(Servers().pg_dest_port, "DROP TABLE a; CREATE TABLE a (id int PRIMARY KEY, v varchar(20));",
          "recreated_one_dst");
  PgAdmin(Servers().pg_dest_port, "INSERT INTO b VALUES (2, 20);", "recreated_one_dst");
  r = RunGodwit(cmd);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("public.a was created again and is empty"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("1 table(s) are copied again"), std::string::npos) << r.output;
  EXPECT_EQ(ReadTable(dst.uri, {"public", "a"}).rows.size(), 2u) << r.output;
  // b was not copied again: the row added on the destination is still there.
  EXPECT_EQ(ReadTable(dst.uri, {"public", "b"}).rows.size(), 2u) << r.output;
}

}  // namespace
}  // namespace godwit::testing

namespace godwit::testing {
namespace {

TEST(ProjectFileTest, IncludeExcludeAndRenamesFromYaml) {
  RecreateMysqlDatabase("yaml_src");
  MysqlAdmin(
      "CREATE TABLE orders (id INT PRIMARY KEY, total DECIMAL(10,2));"
      "INSERT INTO orders VALUES (1, 9.99), (2, 19.5);"
      "CREATE TABLE order_lines (order_id INT, line INT, PRIMARY KEY (order_id, line));"
      "INSERT INTO order_lines VALUES (1, 1), (1, 2), (2, 1);"
      "CREATE TABLE tmp_scratch (id INT PRIMARY KEY);"
      "CREATE TABLE customers (id INT PRIMARY KEY);",
      "yaml_src");
  RecreatePgDatabase(Servers().pg_dest_port, "yaml_dst");
  std::string dir = FreshTempDir("yaml");
  std::string yaml = dir + "/project.yaml";
  FILE* f = fopen(yaml.c_str(), "w");
  fprintf(f,
          "source:\n  uri: mysql://godwit@127.0.0.1:%d/yaml_src\n  password_env: GODWIT_YAML_PW\n"
          "destination: %s\n"
          "objects:\n  include: [\"yaml_src.order*\", \"tmp_*\"]\n  exclude: [tmp_scratch]\n"
          "  rename:\n    schemas: {yaml_src: sales}\n    tables: {\"yaml_src.orders\": orders_2024}\n"
          "concurrency: 2\nchunk_rows: 1\n",
          Servers().mysql_port, PgDestUri("yaml_dst").c_str());
  fclose(f);
  auto r = RunGodwit("migrate -q --state-dir " + dir + " -f " + yaml);
  EXPECT_NE(r.exit_code, 0) << "the password variable is not set yet: " << r.output;
  EXPECT_NE(r.output.find("GODWIT_YAML_PW"), std::string::npos) << r.output;
  setenv("GODWIT_YAML_PW", "godwit-pw", 1);
  r = RunGodwit("migrate -q --state-dir " + dir + " -f " + yaml);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(ReadTable(PgDestUri("yaml_dst"), {"sales", "orders_2024"}).rows.size(), 2u);
  EXPECT_EQ(ReadTable(PgDestUri("yaml_dst"), {"sales", "order_lines"}).rows.size(), 3u);
  EXPECT_THROW(ReadTable(PgDestUri("yaml_dst"), {"sales", "tmp_scratch"}), std::runtime_error);
  EXPECT_THROW(ReadTable(PgDestUri("yaml_dst"), {"sales", "customers"}), std::runtime_error);
}

}  // namespace
}  // namespace godwit::testing
