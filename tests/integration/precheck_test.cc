// The precheck against the real servers: a good setup passes every item;
// wrong passwords, unknown databases, missing privileges, tables without a
// key and types the destination cannot hold each give the item that says
// what to change — and no text ever contains a password.
#include "precheck/precheck.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "test_env.h"

namespace godwit::testing {
namespace {

Endpoint Parse(const std::string& uri) {
  auto ep = ParseEndpointUri(uri);
  EXPECT_TRUE(ep.ok()) << ep.status().ToString();
  return *ep;
}

std::string Dump(const std::vector<PrecheckItem>& items) {
  std::string out;
  for (const auto& i : items) {
    out += std::string(PrecheckStatusName(i.status)) + (i.skipped ? " (skipped)" : "") + "  " + i.id +
           (i.object.empty() ? "" : " [" + i.object + "]") + ": " + i.message +
           (i.hint.empty() ? "" : "  HINT: " + i.hint) + "\n";
  }
  return out;
}

const PrecheckItem* Find(const std::vector<PrecheckItem>& items, const std::string& id) {
  for (const auto& i : items) {
    if (i.id == id) return &i;
  }
  return nullptr;
}

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

void ExpectAllPassed(const std::vector<PrecheckItem>& items, const std::vector<std::string>& ids) {
  for (const auto& i : items) EXPECT_EQ(i.status, PrecheckStatus::kPassed) << Dump(items);
  for (const auto& id : ids) EXPECT_NE(Find(items, id), nullptr) << id << "\n" << Dump(items);
  EXPECT_TRUE(PrecheckPassed(items));
}

TEST(PrecheckTest, GoodMysqlToPostgresSetupPassesEverything) {
  RecreateMysqlDatabase("pc_good");
  MysqlAdmin(
      "CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(100) NOT NULL, born DATE);"
      "CREATE TABLE orders (id BIGINT AUTO_INCREMENT PRIMARY KEY, customer INT, total DECIMAL(10, 2),"
      "  status ENUM('new', 'paid'), doc JSON, KEY (customer));"
      "INSERT INTO customers VALUES (1, 'a', '2000-01-01');",
      "pc_good");
  RecreatePgDatabase(Servers().pg_dest_port, "pc_good_dst");
  PrecheckRequest request;
  request.source = Parse(MysqlUri("pc_good"));
  request.destination = Parse(PgDestUri("pc_good_dst"));
  request.incremental = true;
  request.verification = true;
  auto items = RunPrecheck(request);
  ExpectAllPassed(items, {"source.connect", "destination.connect", "source.tables", "source.privileges",
                          "destination.privileges", "source.replication_privileges", "source.log_bin",
                          "source.binlog_format", "source.binlog_row_image", "source.binlog_row_metadata",
                          "source.server_id", "source.tables_without_primary_key", "source.unsupported_types"});
  for (const auto& i : items) EXPECT_TRUE(i.hint.empty()) << i.id << ": " << i.hint;
  EXPECT_TRUE(Contains(Find(items, "source.tables")->message, "2 table(s)")) << Dump(items);
}

TEST(PrecheckTest, MysqlTimeOutsideADayFailsForPostgresWithTheRangeFound) {
  RecreateMysqlDatabase("pc_time");
  MysqlAdmin(
      "CREATE TABLE shifts (id INT PRIMARY KEY, dur TIME, starts TIME);"
      "INSERT INTO shifts VALUES (1, '-01:00:00', '08:00:00'), (2, '100:00:00', '23:00:00'), (3, NULL, NULL);"
      "CREATE TABLE made (id INT PRIMARY KEY, dur TIME); INSERT INTO made VALUES (1, '-05:00:00');",
      "pc_time");
  RecreatePgDatabase(Servers().pg_dest_port, "pc_time_dst");
  // A table the DBA created with an interval column takes the values.
  PgAdmin(Servers().pg_dest_port, "CREATE TABLE made (id int PRIMARY KEY, dur interval);", "pc_time_dst");
  PrecheckRequest request;
  request.source = Parse(MysqlUri("pc_time"));
  request.destination = Parse(PgDestUri("pc_time_dst"));
  auto items = RunPrecheck(request);
  std::vector<const PrecheckItem*> found;
  for (const auto& i : items) {
    if (i.id == "source.time_range") found.push_back(&i);
  }
  ASSERT_EQ(found.size(), 1u) << Dump(items);
  EXPECT_EQ(found[0]->status, PrecheckStatus::kFailed);
  EXPECT_EQ(found[0]->object, "pc_time.shifts.dur");
  EXPECT_TRUE(Contains(found[0]->message, "-01:00:00 to 100:00:00")) << Dump(items);
  EXPECT_TRUE(Contains(found[0]->hint, "interval")) << Dump(items);
  EXPECT_FALSE(PrecheckPassed(items));

  // MySQL to MySQL holds every TIME: no such item.
  RecreateMysqlDatabase("pc_time_my");
  request.destination = Parse(MysqlUri("pc_time_my"));
  items = RunPrecheck(request);
  EXPECT_EQ(Find(items, "source.time_range"), nullptr) << Dump(items);
}

TEST(PrecheckTest, GoodPostgresSourceWithReverseToMysqlPassesEverything) {
  int port = Servers().pg_source_port;
  RecreatePgDatabase(port, "pc_pg_good");
  PgAdmin(port, "CREATE TABLE items (id int PRIMARY KEY, label text, at timestamptz);", "pc_pg_good");
  RecreateMysqlDatabase("pc_pg_good_dst");
  PrecheckRequest request;
  request.source = Parse(PgSourceUri("pc_pg_good"));
  request.destination = Parse(MysqlUri("pc_pg_good_dst"));
  request.incremental = true;
  request.reverse = true;
  auto items = RunPrecheck(request);
  ExpectAllPassed(items, {"source.wal_level", "source.replication_slots", "source.wal_senders",
                          "source.replication_privileges", "source.replica_identity",
                          "destination.replication_privileges", "destination.binlog_format", "destination.server_id"});
}

TEST(PrecheckTest, PostgresTablesWhoseRowsCannotBeIdentifiedFailForIncremental) {
  int port = Servers().pg_source_port;
  RecreatePgDatabase(port, "pc_pg_ident");
  PgAdmin(port,
          "CREATE TABLE keyed (id int PRIMARY KEY);"
          "CREATE TABLE loose (a int, b text);"
          "CREATE TABLE full_image (a int, b text); ALTER TABLE full_image REPLICA IDENTITY FULL;"
          "CREATE TABLE by_index (a int NOT NULL, b text); CREATE UNIQUE INDEX by_index_a ON by_index (a);"
          "ALTER TABLE by_index REPLICA IDENTITY USING INDEX by_index_a;",
          "pc_pg_ident");
  RecreatePgDatabase(Servers().pg_dest_port, "pc_pg_ident_dst");
  PrecheckRequest request;
  request.source = Parse(PgSourceUri("pc_pg_ident"));
  request.destination = Parse(PgDestUri("pc_pg_ident_dst"));
  auto items = RunPrecheck(request);
  EXPECT_EQ(Find(items, "source.replica_identity"), nullptr) << "only incremental synchronization publishes tables";
  request.incremental = true;
  items = RunPrecheck(request);
  const PrecheckItem* item = Find(items, "source.replica_identity");
  ASSERT_NE(item, nullptr) << Dump(items);
  EXPECT_EQ(item->status, PrecheckStatus::kFailed);
  EXPECT_TRUE(Contains(item->message, "public.loose")) << item->message;
  EXPECT_FALSE(Contains(item->message, "keyed")) << item->message;
  EXPECT_FALSE(Contains(item->message, "full_image")) << item->message;
  EXPECT_FALSE(Contains(item->message, "by_index")) << item->message;
  EXPECT_TRUE(Contains(item->hint, "REPLICA IDENTITY FULL")) << item->hint;
}

TEST(PrecheckTest, WrongPasswordsFailConnectionsWithoutShowingThem) {
  const std::string source_pw = "pc-wrong-source-secret";
  const std::string dest_pw = "pc-wrong-dest-secret";
  PrecheckRequest request;
  request.source =
      Parse("mysql://godwit:" + source_pw + "@127.0.0.1:" + std::to_string(Servers().mysql_port) + "/mysql");
  request.destination =
      Parse("postgresql://godwit:" + dest_pw + "@127.0.0.1:" + std::to_string(Servers().pg_dest_port) + "/postgres");
  request.incremental = true;
  auto items = RunPrecheck(request);
  EXPECT_FALSE(PrecheckPassed(items));
  for (const char* id : {"source.connect", "destination.connect"}) {
    const PrecheckItem* item = Find(items, id);
    ASSERT_NE(item, nullptr) << Dump(items);
    EXPECT_EQ(item->status, PrecheckStatus::kFailed) << Dump(items);
    EXPECT_FALSE(item->hint.empty()) << Dump(items);
    EXPECT_TRUE(Contains(item->message, "***")) << "the endpoint is shown redacted\n" << Dump(items);
  }
  for (const auto& i : items) {
    for (const std::string* text : {&i.id, &i.title, &i.message, &i.hint, &i.object}) {
      EXPECT_FALSE(Contains(*text, source_pw)) << Dump(items);
      EXPECT_FALSE(Contains(*text, dest_pw)) << Dump(items);
    }
  }
  // The checks that need a connection say they were skipped, and why.
  for (const char* id : {"source.tables", "source.privileges", "destination.privileges", "source.binlog_format",
                         "source.replication_privileges", "source.unsupported_types"}) {
    const PrecheckItem* item = Find(items, id);
    ASSERT_NE(item, nullptr) << id << "\n" << Dump(items);
    EXPECT_TRUE(item->skipped) << Dump(items);
    EXPECT_EQ(item->status, PrecheckStatus::kWarning) << Dump(items);
    EXPECT_TRUE(Contains(item->message, "connect")) << Dump(items);
  }
}

TEST(PrecheckTest, UnknownDatabasesFail) {
  PrecheckRequest request;
  request.source = Parse(MysqlUri("pc_no_such_db"));
  request.destination = Parse(PgDestUri("pc_no_such_dst"));
  auto items = RunPrecheck(request);
  EXPECT_FALSE(PrecheckPassed(items));
  const PrecheckItem* src = Find(items, "source.connect");
  ASSERT_NE(src, nullptr);
  EXPECT_EQ(src->status, PrecheckStatus::kFailed);
  EXPECT_TRUE(Contains(src->message, "pc_no_such_db")) << Dump(items);
  const PrecheckItem* dst = Find(items, "destination.connect");
  ASSERT_NE(dst, nullptr);
  EXPECT_EQ(dst->status, PrecheckStatus::kFailed);
  EXPECT_TRUE(Contains(dst->message, "pc_no_such_dst")) << Dump(items);
}

TEST(PrecheckTest, NoChosenTableFails) {
  RecreateMysqlDatabase("pc_none");
  MysqlAdmin("CREATE TABLE t (id INT PRIMARY KEY);", "pc_none");
  PrecheckRequest request;
  request.source = Parse(MysqlUri("pc_none"));
  request.destination = Parse("sqlite://" + FreshTempDir("pc-none") + "/d.db");
  request.objects.include = {"nothing_*"};
  auto items = RunPrecheck(request);
  EXPECT_FALSE(PrecheckPassed(items));
  const PrecheckItem* tables = Find(items, "source.tables");
  ASSERT_NE(tables, nullptr);
  EXPECT_EQ(tables->status, PrecheckStatus::kFailed) << Dump(items);
  EXPECT_FALSE(tables->hint.empty());
  // A SQLite destination that does not exist yet is fine: the migration creates it.
  EXPECT_EQ(Find(items, "destination.connect")->status, PrecheckStatus::kPassed) << Dump(items);
  EXPECT_EQ(Find(items, "destination.privileges")->status, PrecheckStatus::kPassed) << Dump(items);
}

TEST(PrecheckTest, SqliteDestinationInMissingDirectoryFails) {
  RecreateMysqlDatabase("pc_sqlite");
  MysqlAdmin("CREATE TABLE t (id INT PRIMARY KEY);", "pc_sqlite");
  PrecheckRequest request;
  request.source = Parse(MysqlUri("pc_sqlite"));
  request.destination = Parse("sqlite://" + FreshTempDir("pc-sqlite") + "/no/such/dir/d.db");
  auto items = RunPrecheck(request);
  EXPECT_FALSE(PrecheckPassed(items));
  EXPECT_EQ(Find(items, "destination.connect")->status, PrecheckStatus::kFailed) << Dump(items);
  EXPECT_TRUE(Find(items, "destination.privileges")->skipped) << Dump(items);
}

TEST(PrecheckTest, SqliteSourceCannotFeedIncrementalSynchronization) {
  std::string path = FreshTempDir("pc-sqlite-src") + "/s.db";
  ASSERT_EQ(std::system(("sqlite3 " + path + " 'CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)'").c_str()), 0);
  PrecheckRequest request;
  request.source = Parse("sqlite://" + path);
  request.destination = Parse("sqlite://" + FreshTempDir("pc-sqlite-dst") + "/d.db");
  auto items = RunPrecheck(request);
  EXPECT_TRUE(PrecheckPassed(items)) << Dump(items);
  EXPECT_EQ(Find(items, "source.privileges")->status, PrecheckStatus::kPassed) << Dump(items);
  EXPECT_EQ(Find(items, "source.change_log"), nullptr) << Dump(items);
  request.incremental = true;
  items = RunPrecheck(request);
  const PrecheckItem* item = Find(items, "source.change_log");
  ASSERT_NE(item, nullptr) << Dump(items);
  EXPECT_EQ(item->status, PrecheckStatus::kFailed) << Dump(items);
  // A missing source file fails the connection, not the checks after it.
  request.source = Parse("sqlite://" + FreshTempDir("pc-sqlite-none") + "/missing.db");
  items = RunPrecheck(request);
  EXPECT_EQ(Find(items, "source.connect")->status, PrecheckStatus::kFailed) << Dump(items);
  EXPECT_TRUE(Find(items, "source.privileges")->skipped) << Dump(items);
}

TEST(PrecheckTest, TablesWithoutPrimaryKeyWarn) {
  RecreateMysqlDatabase("pc_nopk");
  MysqlAdmin(
      "CREATE TABLE no_key (a INT, b TEXT);"
      "CREATE TABLE unique_key (a INT NOT NULL, b TEXT, UNIQUE KEY uk_a (a));"
      "CREATE TABLE nullable_unique (a INT NULL, UNIQUE KEY uk_n (a));"
      "CREATE TABLE fine (id INT PRIMARY KEY);",
      "pc_nopk");
  RecreatePgDatabase(Servers().pg_dest_port, "pc_nopk_dst");
  PrecheckRequest request;
  request.source = Parse(MysqlUri("pc_nopk"));
  request.destination = Parse(PgDestUri("pc_nopk_dst"));
  auto items = RunPrecheck(request);
  EXPECT_TRUE(PrecheckPassed(items)) << Dump(items);
  const PrecheckItem* item = Find(items, "source.tables_without_primary_key");
  ASSERT_NE(item, nullptr);
  EXPECT_EQ(item->status, PrecheckStatus::kWarning);
  EXPECT_TRUE(Contains(item->message, "pc_nopk.unique_key (unique key uk_a on a)")) << item->message;
  EXPECT_TRUE(Contains(item->message, "pc_nopk.no_key")) << item->message;
  EXPECT_TRUE(Contains(item->message, "pc_nopk.nullable_unique")) << item->message;
  EXPECT_TRUE(Contains(item->message, "one chunk")) << item->message;
  EXPECT_FALSE(Contains(item->message, "fine")) << item->message;
  EXPECT_FALSE(item->hint.empty());
}

TEST(PrecheckTest, UnsupportedTypeFailsNamingTableColumnAndType) {
  RecreateMysqlDatabase("pc_types");
  MysqlAdmin(
      "CREATE TABLE geo (id INT PRIMARY KEY, spot POINT);"
      "CREATE TABLE fine (id INT PRIMARY KEY, v VARCHAR(10));",
      "pc_types");
  RecreatePgDatabase(Servers().pg_dest_port, "pc_types_dst");
  PrecheckRequest request;
  request.source = Parse(MysqlUri("pc_types"));
  request.destination = Parse(PgDestUri("pc_types_dst"));
  auto items = RunPrecheck(request);
  EXPECT_FALSE(PrecheckPassed(items));
  std::vector<const PrecheckItem*> failed;
  for (const auto& i : items) {
    if (i.status == PrecheckStatus::kFailed) failed.push_back(&i);
  }
  ASSERT_EQ(failed.size(), 1u) << Dump(items);
  EXPECT_EQ(failed[0]->id, "source.unsupported_types");
  EXPECT_EQ(failed[0]->object, "pc_types.geo");
  EXPECT_TRUE(Contains(failed[0]->message, "pc_types.geo")) << failed[0]->message;
  EXPECT_TRUE(Contains(failed[0]->message, "spot")) << failed[0]->message;
  EXPECT_TRUE(Contains(failed[0]->message, "point")) << failed[0]->message;
  EXPECT_TRUE(Contains(failed[0]->hint, "Exclude")) << failed[0]->hint;
  // Excluding the table is enough.
  request.objects.exclude = {"geo"};
  EXPECT_TRUE(PrecheckPassed(RunPrecheck(request)));
}

TEST(PrecheckTest, PostgresSourceRoleWithoutReplicationFailsIncremental) {
  int port = Servers().pg_source_port;
  RecreatePgDatabase(port, "pc_norepl");
  PgAdmin(port,
          "DROP ROLE IF EXISTS pc_norepl;"
          "CREATE ROLE pc_norepl LOGIN NOSUPERUSER NOREPLICATION PASSWORD 'pc-norepl-pw';");
  PgAdmin(port,
          "CREATE TABLE readable (id int PRIMARY KEY, v text);"
          "CREATE TABLE secret (id int PRIMARY KEY);"
          "GRANT SELECT ON readable TO pc_norepl;",
          "pc_norepl");
  RecreatePgDatabase(Servers().pg_dest_port, "pc_norepl_dst");
  PrecheckRequest request;
  request.source = Parse("postgresql://pc_norepl:pc-norepl-pw@127.0.0.1:" + std::to_string(port) + "/pc_norepl");
  request.destination = Parse(PgDestUri("pc_norepl_dst"));
  request.incremental = true;
  auto items = RunPrecheck(request);
  EXPECT_FALSE(PrecheckPassed(items));
  const PrecheckItem* repl = Find(items, "source.replication_privileges");
  ASSERT_NE(repl, nullptr) << Dump(items);
  EXPECT_EQ(repl->status, PrecheckStatus::kFailed) << Dump(items);
  EXPECT_TRUE(Contains(repl->message, "pc_norepl")) << repl->message;
  EXPECT_TRUE(Contains(repl->hint, "REPLICATION")) << repl->hint;
  const PrecheckItem* select = Find(items, "source.privileges");
  ASSERT_NE(select, nullptr);
  EXPECT_EQ(select->status, PrecheckStatus::kFailed) << Dump(items);
  EXPECT_TRUE(Contains(select->message, "public.secret")) << select->message;
  EXPECT_FALSE(Contains(select->message, "public.readable")) << select->message;
  EXPECT_TRUE(Contains(select->hint, "GRANT SELECT")) << select->hint;
  for (const auto& i : items) EXPECT_FALSE(Contains(i.message + i.hint, "pc-norepl-pw")) << Dump(items);

  // Without incremental synchronization the attribute is not needed, and
  // with the table left out nothing fails.
  request.incremental = false;
  request.objects.exclude = {"secret"};
  items = RunPrecheck(request);
  EXPECT_EQ(Find(items, "source.replication_privileges"), nullptr) << Dump(items);
  EXPECT_TRUE(PrecheckPassed(items)) << Dump(items);
}

TEST(PrecheckTest, PostgresDestinationWithoutCreateFails) {
  int port = Servers().pg_dest_port;
  RecreatePgDatabase(port, "pc_nocreate_dst");
  PgAdmin(port,
          "DROP ROLE IF EXISTS pc_nocreate;"
          "CREATE ROLE pc_nocreate LOGIN PASSWORD 'pc-nocreate-pw';");
  PgAdmin(port, "REVOKE CREATE ON SCHEMA public FROM PUBLIC; CREATE TABLE existing (id int PRIMARY KEY);",
          "pc_nocreate_dst");
  RecreateMysqlDatabase("pc_nocreate");
  MysqlAdmin("CREATE TABLE existing (id INT PRIMARY KEY); CREATE TABLE fresh (id INT PRIMARY KEY);", "pc_nocreate");
  PrecheckRequest request;
  request.source = Parse(MysqlUri("pc_nocreate"));
  request.destination =
      Parse("postgresql://pc_nocreate:pc-nocreate-pw@127.0.0.1:" + std::to_string(port) + "/pc_nocreate_dst");
  auto items = RunPrecheck(request);
  const PrecheckItem* item = Find(items, "destination.privileges");
  ASSERT_NE(item, nullptr) << Dump(items);
  EXPECT_EQ(item->status, PrecheckStatus::kFailed) << Dump(items);
  EXPECT_TRUE(Contains(item->message, "CREATE on schema public")) << item->message;
  EXPECT_TRUE(Contains(item->message, "public.existing")) << item->message;
  EXPECT_TRUE(Contains(item->hint, "GRANT CREATE ON SCHEMA")) << item->hint;
}

}  // namespace
}  // namespace godwit::testing
