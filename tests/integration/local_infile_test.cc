// A hostile MySQL server (or anyone on the unencrypted path) answers a query
// with a LOCAL INFILE request for a secret file: Godwit must send nothing,
// on every kind of connection it opens to MySQL - session setup, catalog,
// reads (copy and verification), the loader around and during its LOAD
// DATA, the snapshot lease, the binlog stream - and through the daemon,
// where any API client can point a project at such a server: precheck,
// catalog, copy, snapshot, binlog, verification and a MySQL destination.
// The loader itself still loads with LOAD DATA LOCAL INFILE.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <thread>

#include "connector/engines.h"
#include "connector/mysql/binlog_change_stream.h"
#include "migration_harness.h"
#include "model/row_collector.h"
#include "rogue_mysql.h"
#include "service_harness.h"
#include "test_env.h"

namespace godwit::testing {
namespace {

using json = nlohmann::json;

constexpr const char* kDb = "linfile_src";

// A file only the test's process should be able to read, and its content.
struct Secret {
  std::string path;
  std::string content;
};

const Secret& TheSecret() {
  static const Secret secret = [] {
    Secret s;
    s.path = FreshTempDir("linfile") + "/secret.txt";
    s.content = "GODWIT-TEST-SECRET-" + std::to_string(getpid());
    std::ofstream(s.path) << s.content << "\n";
    return s;
  }();
  return secret;
}

void SetUpSource() {
  static bool done = false;
  if (done) return;
  done = true;
  RecreateMysqlDatabase(kDb);
  MysqlAdmin(
      "CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL);"
      "INSERT INTO items VALUES (1, 'one'), (2, 'two'), (3, 'three');",
      kDb);
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += "  " + s.substr(0, 160) + "\n";
  return out;
}

// The rogue server asked, the client answered, and it got nothing.
void ExpectNothingSent(const RogueMysql& rogue) {
  EXPECT_GE(rogue.requests(), 1) << "the query to intercept never came; queries seen:\n" << Join(rogue.queries());
  EXPECT_EQ(rogue.received(), "") << "Godwit sent the rogue server a file's content";
  EXPECT_EQ(rogue.received().find(TheSecret().content), std::string::npos);
}

Endpoint Ep(const std::string& uri) {
  auto ep = ParseEndpointUri(uri);
  EXPECT_TRUE(ep.ok()) << ep.status().ToString();
  return *ep;
}

std::unique_ptr<Session> Through(const RogueMysql& rogue, const std::string& db) {
  auto s = ConnectMysql(Ep(rogue.Uri(db)));
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(*s) : nullptr;
}

TableSchema ItemsCopy(const std::string& db) {
  TableSchema t;
  t.ref = {db, "items_copy"};
  Column id, name;
  id.name = "id";
  id.type.kind = TypeKind::kInt32;
  name.name = "name";
  name.type.kind = TypeKind::kText;
  t.columns = {id, name};
  return t;
}

void CreateItemsCopy(const std::string& db) {
  RecreateMysqlDatabase(db);
  MysqlAdmin("CREATE TABLE items_copy (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL)", db);
}

Status Load(Session& s, const std::string& db) {
  RowVectorSource rows(2, {{"10", "ten"}, {"11", "eleven"}});
  return s.BulkLoad(ItemsCopy(db), {}, rows);
}

// --- the connector's connections -----------------------------------------

TEST(LocalInfileTest, SessionSetUpSendsNothing) {
  SetUpSource();
  RogueMysql rogue(Servers().mysql_port, "", TheSecret().path);  // every query, the first SET included
  auto s = ConnectMysql(Ep(rogue.Uri(kDb)));
  EXPECT_FALSE(s.ok());
  ExpectNothingSent(rogue);
}

TEST(LocalInfileTest, CatalogReadSendsNothing) {
  SetUpSource();
  RogueMysql rogue(Servers().mysql_port, "information_schema.TABLES", TheSecret().path);
  auto s = Through(rogue, kDb);
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->ReadCatalog([](const TableRef&) { return true; }).ok());
  ExpectNothingSent(rogue);
}

TEST(LocalInfileTest, RowReadsAndStatementsSendNothing) {
  SetUpSource();
  RogueMysql rogue(Servers().mysql_port, "FROM `linfile_src`.`items`", TheSecret().path);
  auto s = Through(rogue, kDb);
  ASSERT_TRUE(s);
  RowCollector rows;
  ColumnType int_type, text_type;
  int_type.kind = TypeKind::kInt32;
  text_type.kind = TypeKind::kText;
  std::vector<ColumnType> types = {int_type, text_type};
  EXPECT_FALSE(s->Query("SELECT id, name FROM `linfile_src`.`items` ORDER BY id", types, rows, BatchLimits{}).ok());
  EXPECT_FALSE(s->Execute("DELETE FROM `linfile_src`.`items` WHERE id < 0").ok());
  EXPECT_EQ(rogue.requests(), 2);
  ExpectNothingSent(rogue);
}

TEST(LocalInfileTest, LoaderStillLoadsWithLoadData) {
  const std::string db = "linfile_load_ok";
  CreateItemsCopy(db);
  RogueMysql rogue(Servers().mysql_port, "no query says this", TheSecret().path);
  auto s = Through(rogue, db);
  ASSERT_TRUE(s);
  Status st = Load(*s, db);
  ASSERT_TRUE(st.ok()) << st.ToString();
  bool load_data = false, insert = false;
  for (const auto& q : rogue.queries()) {
    load_data |= q.rfind("LOAD DATA LOCAL INFILE 'godwit-stream'", 0) == 0;
    insert |= q.rfind("INSERT", 0) == 0;
  }
  EXPECT_TRUE(load_data) << Join(rogue.queries());
  EXPECT_FALSE(insert) << "fell back to INSERT:\n" << Join(rogue.queries());
  TableContents c = ReadTable(MysqlUri(db), {db, "items_copy"});
  EXPECT_EQ(c.rows.size(), 2u);
}

// Not an attack: a server with local_infile=OFF refuses LOAD DATA LOCAL,
// and the loader then sends the same rows as INSERTs, in the same
// transaction.
TEST(LocalInfileTest, LoaderFallsBackToInsertWhenTheServerRefusesLocalInfile) {
  const std::string db = "linfile_load_refused";
  CreateItemsCopy(db);
  RogueMysql rogue(Servers().mysql_port, "LOAD DATA", TheSecret().path, RogueMysql::Mode::kRefuseLocalInfile);
  auto s = Through(rogue, db);
  ASSERT_TRUE(s);
  Status st = Load(*s, db);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ptrdiff_t load_at = -1, insert_at = -1;
  const auto queries = rogue.queries();
  for (size_t i = 0; i < queries.size(); ++i) {
    if (load_at < 0 && queries[i].rfind("LOAD DATA LOCAL INFILE 'godwit-stream'", 0) == 0) load_at = i;
    if (insert_at < 0 && queries[i].rfind("INSERT", 0) == 0) insert_at = i;
  }
  EXPECT_GE(load_at, 0) << Join(queries);
  EXPECT_GT(insert_at, load_at) << Join(queries);
  EXPECT_EQ(rogue.received(), "");
  TableContents c = ReadTable(MysqlUri(db), {db, "items_copy"});
  EXPECT_EQ(c.rows.size(), 2u);
}

TEST(LocalInfileTest, LoaderAnswersItsLoadDataWithTheStreamOnly) {
  const std::string db = "linfile_load_swap";
  CreateItemsCopy(db);
  RogueMysql rogue(Servers().mysql_port, "LOAD DATA", TheSecret().path);
  auto s = Through(rogue, db);
  ASSERT_TRUE(s);
  Status st = Load(*s, db);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find(TheSecret().path), std::string::npos) << st.ToString();
  EXPECT_NE(st.message().find("refused"), std::string::npos) << st.ToString();
  EXPECT_FALSE(st.hint().empty());
  ExpectNothingSent(rogue);  // not even the rows: the server asked for something else
}

TEST(LocalInfileTest, LoaderSendsNothingAroundItsLoad) {
  const std::string db = "linfile_load_around";
  CreateItemsCopy(db);
  {
    RogueMysql rogue(Servers().mysql_port, "START TRANSACTION", TheSecret().path);
    auto s = Through(rogue, db);
    ASSERT_TRUE(s);
    EXPECT_FALSE(Load(*s, db).ok());
    ExpectNothingSent(rogue);
  }
  {
    // After a load the connection must not be left accepting requests (nor
    // with the library's file-opening handler).
    RogueMysql rogue(Servers().mysql_port, "COMMIT", TheSecret().path);
    auto s = Through(rogue, db);
    ASSERT_TRUE(s);
    EXPECT_FALSE(Load(*s, db).ok());
    EXPECT_FALSE(s->Execute("COMMIT").ok());
    EXPECT_EQ(rogue.requests(), 2);
    ExpectNothingSent(rogue);
  }
}

TEST(LocalInfileTest, SnapshotLeaseSendsNothing) {
  SetUpSource();
  RogueMysql rogue(Servers().mysql_port, "SHOW MASTER STATUS", TheSecret().path);
  auto s = Through(rogue, kDb);
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->ExportSnapshot({}).ok());
  ExpectNothingSent(rogue);
}

TEST(LocalInfileTest, BinlogStreamSendsNothing) {
  SetUpSource();
  auto direct = ConnectMysql(Ep(MysqlUri(kDb)));
  ASSERT_TRUE(direct.ok()) << direct.status().ToString();
  auto lease = (*direct)->ExportSnapshot({});
  ASSERT_TRUE(lease.ok()) << lease.status().ToString();
  const MysqlBinlogPos start = std::get<MysqlBinlogPos>((*lease)->position());
  ASSERT_TRUE((*lease)->Release().ok());

  RogueMysql rogue(Servers().mysql_port, "@master_binlog_checksum", TheSecret().path);
  mysql::BinlogStreamOptions o;
  o.server_id = 4311;
  o.start = start;
  o.heartbeat = std::chrono::milliseconds(200);
  auto stream = mysql::OpenBinlogChangeStream(Ep(rogue.Uri(kDb)), o);
  EXPECT_FALSE(stream.ok());
  ExpectNothingSent(rogue);
}

// --- through the daemon: a project an API client points at the server -----

class LocalInfileServiceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    SetUpSource();
    daemon_ = new Daemon(FreshTempDir("linfile-svc"));
  }
  static void TearDownTestSuite() {
    delete daemon_;
    daemon_ = nullptr;
  }

  // Starts a project with `source`/`destination` and waits until the rogue
  // server's request has been answered and a while after.
  static void RunProject(const RogueMysql& rogue, const std::string& name, const std::string& source,
                         const std::string& destination, const json& types) {
    const int64_t id = daemon_->Create(json{{"name", name},
                                            {"source", source},
                                            {"destination", destination},
                                            {"objects", {{"include", {std::string(kDb) + ".items"}}}},
                                            {"migration_type", types},
                                            {"chunk_rows", 100},
                                            {"concurrency", 1}});
    ASSERT_EQ(daemon_->Call("POST", "/api/v1/projects/" + std::to_string(id) + "/start", json::object()).status, 200);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (rogue.answered() < 1 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(500));
    json p = daemon_->Get(id);
    ExpectNothingSent(rogue);
    EXPECT_EQ(p.dump().find(TheSecret().content), std::string::npos);
    daemon_->Call("POST", "/api/v1/projects/" + std::to_string(id) + "/pause", json::object());
  }

  static std::string FreshPg(const std::string& name) {
    RecreatePgDatabase(Servers().pg_dest_port, name);
    return PgDestUri(name);
  }

  static Daemon* daemon_;
};
Daemon* LocalInfileServiceTest::daemon_ = nullptr;

struct SourceCase {
  const char* kind;
  const char* trigger;
  std::vector<std::string> types;
};

TEST_F(LocalInfileServiceTest, EveryConnectionToAMysqlSourceSendsNothing) {
  const std::vector<SourceCase> cases = {
      {"precheck", "SHOW GLOBAL VARIABLES", {"schema", "full"}},
      {"catalog", "information_schema.COLUMNS", {"schema", "full"}},
      {"copy", "FROM `linfile_src`.`items`", {"schema", "full"}},
      {"snapshot", "SHOW MASTER STATUS", {"schema", "full", "incremental"}},
      {"binlog", "@master_binlog_checksum", {"schema", "full", "incremental"}},
      // The verification's sessions are the ones that set a lock wait.
      {"verify", "lock_wait_timeout", {"schema", "full", "verification"}},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.kind);
    RogueMysql rogue(Servers().mysql_port, c.trigger, TheSecret().path);
    RunProject(rogue, std::string("linfile ") + c.kind, rogue.Uri(kDb), FreshPg(std::string("linfile_") + c.kind),
               c.types);
  }
}

TEST_F(LocalInfileServiceTest, AMysqlDestinationGetsOnlyTheRows) {
  for (const char* trigger : {"LOAD DATA", "COMMIT"}) {
    SCOPED_TRACE(trigger);
    const std::string db = std::string("linfile_dst_") + (trigger[0] == 'L' ? "load" : "commit");
    RecreateMysqlDatabase(db);
    RogueMysql rogue(Servers().mysql_port, trigger, TheSecret().path);
    RunProject(rogue, "linfile dst " + db, MysqlUri(kDb), rogue.Uri(db), {"schema", "full"});
  }
}

}  // namespace
}  // namespace godwit::testing
