// A rogue MySQL server (tests/support/fake_mysql_server.py, a Python script
// speaking the handshake) answers Godwit's queries with LOCAL INFILE
// requests for a secret file the test wrote. Godwit must send none of it,
// on every kind of connection it opens, driven as users drive them where
// the front end reaches the connection against a server with no tables:
//   - catalog and session setup: `godwit migrate <rogue> sqlite://...`;
//   - the loader: `godwit migrate sqlite://... <rogue>`, the rogue asking
//     for the secret in reply to the LOAD DATA itself (and, as the control
//     that the fake does receive what a client sends, for Godwit's own
//     stream name, which gets the rows), and for the secret in reply to the
//     destination's DDL; and a server refusing local infile still gets the
//     rows as INSERTs;
//   - verification: `godwit verify <rogue> sqlite://...`;
//   - precheck: RunPrecheck (the daemon's first subtask) on a rogue source;
//   - the binlog reader and the snapshot lease, through their connector
//     API (the front ends need tables from the source before opening them).
// And loads into the real MariaDB still go through LOAD DATA LOCAL INFILE.
// Each case checks the rogue did ask (else the test proves nothing), that
// not one byte came back, and that Godwit says what it refused.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "connector/engines.h"
#include "connector/mysql/binlog_change_stream.h"
#include "migration_harness.h"
#include "model/row_collector.h"
#include "precheck/precheck.h"
#include "test_env.h"

namespace godwit::testing {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool Contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The file no server may read, unique to this run.
struct Secret {
  std::string path;
  std::string content;
};

const Secret& TheSecret() {
  static const Secret secret = [] {
    Secret s;
    s.path = FreshTempDir("rogue_mysql_server_test") + "/secret.txt";
    s.content = "ROGUE-MYSQL-SERVER-TEST-SECRET-" + std::to_string(getpid());
    std::ofstream(s.path) << s.content << "\n";
    return s;
  }();
  return secret;
}

struct FakeOptions {
  std::vector<std::string> request_on;  // query prefixes to answer with a request; none: every query
  std::string request_file;             // the name asked for; empty: the secret
  bool result_sets = false;             // SELECT/SHOW get an empty result set instead of OK
  bool refuse_load = false;             // LOAD DATA gets error 1148, as from a server with local_infile=OFF
  bool no_requests = false;             // ask for no file at all
};

// The rogue server: started on a free loopback port, stopped by its pid.
class FakeMysqlServer {
 public:
  explicit FakeMysqlServer(const FakeOptions& o) : dir_(FreshTempDir("rogue_mysql_server_test-fake")) {
    const std::string script =
        (std::filesystem::path(__FILE__).parent_path().parent_path() / "support" / "fake_mysql_server.py").string();
    if (!std::filesystem::exists(script)) throw std::runtime_error("the fake server script is missing: " + script);
    std::vector<std::string> args = {"python3",  script,          "--port-file", dir_ + "/port",
                                     "--record", dir_ + "/record", "--log",       dir_ + "/log",
                                     "--request-file", o.request_file.empty() ? TheSecret().path : o.request_file};
    for (const auto& p : o.request_on) {
      args.push_back("--request-on");
      args.push_back(p);
    }
    if (o.result_sets) args.push_back("--result-sets");
    if (o.refuse_load) args.push_back("--refuse-load");
    if (o.no_requests) args.push_back("--no-requests");
    pid_ = fork();
    if (pid_ == 0) {
      std::vector<char*> argv;
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execvp("python3", argv.data());
      _exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!std::filesystem::exists(dir_ + "/port")) {
      if (std::chrono::steady_clock::now() > deadline || waitpid(pid_, nullptr, WNOHANG) == pid_) {
        throw std::runtime_error("the fake MySQL server did not start");
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    port_ = std::stoi(ReadFile(dir_ + "/port"));
  }
  ~FakeMysqlServer() {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
  FakeMysqlServer(const FakeMysqlServer&) = delete;
  FakeMysqlServer& operator=(const FakeMysqlServer&) = delete;

  std::string Uri(const std::string& db) const {
    return "mysql://rogue:rogue-pw@127.0.0.1:" + std::to_string(port_) + "/" + db;
  }
  Endpoint Ep(const std::string& db) const {
    auto ep = ParseEndpointUri(Uri(db));
    if (!ep.ok()) throw std::runtime_error(ep.status().ToString());
    return *ep;
  }
  // Everything clients sent back in reply to the file requests.
  std::string Received() const { return ReadFile(dir_ + "/record"); }
  std::string Log() const { return ReadFile(dir_ + "/log"); }
  // File requests the client has answered (with data or a refusal).
  int Answered() const {
    std::istringstream in(Log());
    int n = 0;
    for (std::string line; std::getline(in, line);) n += line.rfind("reply ", 0) == 0;
    return n;
  }

 private:
  std::string dir_;
  pid_t pid_ = -1;
  int port_ = 0;
};

// The rogue asked, the client answered, and nothing of any file came back.
void ExpectNothingSent(const FakeMysqlServer& fake) {
  EXPECT_GE(fake.Answered(), 1) << "the rogue server never got to ask; it saw:\n" << fake.Log();
  EXPECT_EQ(fake.Received(), "") << "Godwit sent the rogue server a file; it saw:\n" << fake.Log();
  EXPECT_FALSE(Contains(fake.Received(), TheSecret().content));
}

// The client's own refusal, as Connector/C words it for a request it does
// not accept at all (local infile off on the connection).
void ExpectRefusalReported(const std::string& text) {
  EXPECT_TRUE(Contains(Lower(text), "local infile forbidden")) << text;
  EXPECT_FALSE(Contains(text, TheSecret().content)) << text;
}

// A SQLite database holding one small table.
std::string SqliteSource(const std::string& name) {
  const std::string uri = "sqlite://" + FreshTempDir(name) + "/src.db";
  auto s = OpenSession(uri + "?create=1");
  Status st = s->Execute("CREATE TABLE rogue_items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)");
  if (st.ok()) st = s->Execute("INSERT INTO rogue_items VALUES (1, 'row-one'), (2, 'row-two')");
  if (!st.ok()) throw std::runtime_error(st.ToString());
  return uri;
}

// `godwit <command> <args>` with its state kept in a fresh directory.
CommandResult Godwit(const std::string& command, const std::string& args) {
  return RunGodwit(command + " --state-dir " + FreshTempDir("rogue_mysql_server_test-state") + " " + args);
}

TEST(RogueMysqlServerTest, SessionSetupSendsNothing) {
  FakeMysqlServer fake({});  // every query, from the first SET NAMES on
  const std::string dst = FreshDestination(Engine::kSqlite, "rogue_mysql_server_test-setup").uri;
  CommandResult r = Godwit("migrate", fake.Uri("rogue_db") + " " + dst);
  EXPECT_NE(r.exit_code, 0) << r.output;
  ExpectRefusalReported(r.output);
  ExpectNothingSent(fake);
}

TEST(RogueMysqlServerTest, CatalogReadSendsNothing) {
  FakeMysqlServer fake({.request_on = {"SELECT", "SHOW"}});
  const std::string dst = FreshDestination(Engine::kSqlite, "rogue_mysql_server_test-catalog").uri;
  CommandResult r = Godwit("migrate", fake.Uri("rogue_db") + " " + dst);
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_TRUE(Contains(fake.Log(), "query SELECT")) << fake.Log();
  ExpectRefusalReported(r.output);
  ExpectNothingSent(fake);
}

TEST(RogueMysqlServerTest, LoaderSendsOnlyItsOwnStream) {
  const std::string source = SqliteSource("rogue_mysql_server_test-load");
  {
    SCOPED_TRACE("the secret asked for in reply to LOAD DATA");
    FakeMysqlServer fake({.request_on = {"LOAD DATA"}});
    CommandResult r = Godwit("migrate", source + " " + fake.Uri("rogue_db"));
    EXPECT_NE(r.exit_code, 0) << r.output;
    EXPECT_TRUE(Contains(r.output, TheSecret().path)) << "the error should name the file asked for:\n" << r.output;
    EXPECT_TRUE(Contains(r.output, "refused")) << r.output;
    ExpectNothingSent(fake);  // not even the rows: the server asked for something else
  }
  {
    SCOPED_TRACE("the secret asked for in reply to the destination's DDL");
    FakeMysqlServer fake({.request_on = {"CREATE"}});
    CommandResult r = Godwit("migrate", source + " " + fake.Uri("rogue_db"));
    EXPECT_NE(r.exit_code, 0) << r.output;
    ExpectRefusalReported(r.output);
    ExpectNothingSent(fake);
  }
  {
    SCOPED_TRACE("control: Godwit's own stream name gets the rows");
    FakeMysqlServer fake({.request_on = {"LOAD DATA"}, .request_file = "godwit-stream"});
    CommandResult r = Godwit("migrate", source + " " + fake.Uri("rogue_db"));
    EXPECT_TRUE(Contains(fake.Received(), "row-one")) << r.output << "\n" << fake.Log();
    EXPECT_TRUE(Contains(fake.Received(), "row-two")) << r.output << "\n" << fake.Log();
    EXPECT_FALSE(Contains(fake.Received(), TheSecret().content));
  }
}

// Not an attack: a server with local_infile=OFF refuses LOAD DATA LOCAL,
// and the loader then sends the same rows as INSERTs.
TEST(RogueMysqlServerTest, LoaderFallsBackToInsertWhenTheServerRefusesLocalInfile) {
  const std::string source = SqliteSource("rogue_mysql_server_test-fallback");
  FakeMysqlServer fake({.refuse_load = true, .no_requests = true});
  CommandResult r = Godwit("migrate", source + " " + fake.Uri("rogue_db"));
  const std::string log = fake.Log();
  const size_t load = log.find("query LOAD DATA LOCAL INFILE 'godwit-stream'");
  const size_t insert = log.find("query INSERT INTO `rogue_db`.`rogue_items`");
  ASSERT_NE(load, std::string::npos) << r.output << "\n" << log;
  ASSERT_NE(insert, std::string::npos) << r.output << "\n" << log;
  EXPECT_LT(load, insert);
  EXPECT_TRUE(Contains(log.substr(insert), "'row-one'")) << log;
  EXPECT_TRUE(Contains(log.substr(insert), "'row-two'")) << log;
  EXPECT_EQ(fake.Received(), "");
}

TEST(RogueMysqlServerTest, VerifySendsNothing) {
  const std::string other = SqliteSource("rogue_mysql_server_test-verify");
  FakeMysqlServer fake({.request_on = {"SELECT", "SHOW"}});
  CommandResult r = Godwit("verify", fake.Uri("rogue_db") + " " + other);
  EXPECT_NE(r.exit_code, 0) << r.output;
  ExpectRefusalReported(r.output);
  ExpectNothingSent(fake);
}

TEST(RogueMysqlServerTest, PrecheckSendsNothing) {
  FakeMysqlServer fake({.request_on = {"SELECT", "SHOW"}});
  PrecheckRequest request;
  request.source = fake.Ep("rogue_db");
  auto dst = ParseEndpointUri(FreshDestination(Engine::kSqlite, "rogue_mysql_server_test-precheck").uri);
  ASSERT_TRUE(dst.ok()) << dst.status().ToString();
  request.destination = *dst;
  request.incremental = true;
  request.verification = true;
  std::vector<PrecheckItem> items = RunPrecheck(request);
  EXPECT_FALSE(PrecheckPassed(items));
  std::string text;
  for (const auto& i : items) text += i.id + ": " + i.message + "\n";
  ExpectRefusalReported(text);
  ExpectNothingSent(fake);
}

// Connector/C's default (AUTO in Debian 12's build) already refuses a
// request after a statement not starting with LOAD, which the replication
// connection never sends; it is set off explicitly so that no build of the
// library, nor a later LOAD-looking statement, can make it open a file.
TEST(RogueMysqlServerTest, BinlogReaderSendsNothing) {
  // The catalog session's reads get empty results, so the stream goes on to
  // open its replication connection, whose first query gets the request.
  FakeMysqlServer fake({.request_on = {"SET @master_binlog_checksum"}, .result_sets = true});
  mysql::BinlogStreamOptions o;
  o.server_id = 4391;
  o.start = MysqlBinlogPos{"rogue-bin.000001", 4, ""};
  auto stream = mysql::OpenBinlogChangeStream(fake.Ep("rogue_db"), o);
  ASSERT_FALSE(stream.ok());
  ExpectRefusalReported(stream.status().message());
  ExpectNothingSent(fake);
}

TEST(RogueMysqlServerTest, SnapshotLeaseSendsNothing) {
  FakeMysqlServer fake({.request_on = {"FLUSH TABLES"}});
  auto session = ConnectMysql(fake.Ep("rogue_db"));
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  // Without its global lock the lease still stands (as without RELOAD).
  auto lease = (*session)->ExportSnapshot({});
  if (lease.ok()) (*lease)->Release().IgnoreError();
  ExpectNothingSent(fake);
}

// The guard must not cost the real loads their LOAD DATA: the server's own
// statement counters for the loading session say which statement ran.
TEST(RogueMysqlServerTest, RealMariadbStillLoadsWithLoadData) {
  const std::string db = "rogue_mysql_server_test_real";
  RecreateMysqlDatabase(db);
  MysqlAdmin("CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(40) NOT NULL)", db);
  auto ep = ParseEndpointUri(MysqlUri(db));
  ASSERT_TRUE(ep.ok()) << ep.status().ToString();
  auto session = ConnectMysql(*ep);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  TableSchema t;
  t.ref = {db, "items"};
  t.columns.resize(2);
  t.columns[0].name = "id";
  t.columns[0].type.kind = TypeKind::kInt32;
  t.columns[1].name = "name";
  t.columns[1].type.kind = TypeKind::kText;
  RowVectorSource rows(2, {{"1", "one"}, {"2", "two"}});
  Status st = (*session)->BulkLoad(t, {}, rows);
  ASSERT_TRUE(st.ok()) << st.ToString();
  const ColumnType text{TypeKind::kText};
  const ColumnType two_texts[] = {text, text};
  RowCollector counters;
  st = (*session)->Query("SHOW SESSION STATUS WHERE Variable_name IN ('Com_load', 'Com_insert')", two_texts, counters,
                         BatchLimits{});
  ASSERT_TRUE(st.ok()) << st.ToString();
  std::map<std::string, std::string> count;
  for (const auto& r : counters.rows) count[r[0].value_or("")] = r[1].value_or("");
  EXPECT_EQ(count["Com_load"], "1");
  EXPECT_EQ(count["Com_insert"], "0");
  EXPECT_EQ(ReadTable(MysqlUri(db), t.ref).rows.size(), 2u);
}

}  // namespace
}  // namespace godwit::testing
