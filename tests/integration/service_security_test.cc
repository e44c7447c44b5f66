// What an API client cannot make the daemon do (issue 12, items 3, 6 and
// 7), against a real `godwit serve` and real servers:
//  - read a password file or environment variable the operator did not
//    allow (--secrets-dir, --secrets-env), or learn whether a file exists;
//  - open a SQLite file outside --sqlite-dir, least of all the daemon's own
//    metadata store with every project's password;
//  - pass libpq keywords that read the daemon's files or set server
//    settings; have libpq fall back on the daemon user's PGPASSWORD;
//  - see a password given as ?password= in any answer, export or log;
// and the data and state directories are private, one daemon per data
// directory.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "migration_harness.h"
#include "service_harness.h"
#include "test_env.h"

namespace godwit::testing {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const char* kPassword = "godwit-pw";

std::string Path(int64_t id, const std::string& tail = "") { return "/api/v1/projects/" + std::to_string(id) + tail; }

// The test user's URIs without the password.
std::string MysqlNoPassword(const std::string& db) {
  return "mysql://godwit@127.0.0.1:" + std::to_string(Servers().mysql_port) + "/" + db;
}
std::string PgDestNoPassword(const std::string& db) {
  return "postgresql://godwit@127.0.0.1:" + std::to_string(Servers().pg_dest_port) + "/" + db;
}

std::string Message(const Reply& r) {
  if (!r.body.is_object() || !r.body.contains("error")) return r.raw;
  return r.body["error"].value("message", "");
}
std::string Hint(const Reply& r) {
  if (!r.body.is_object() || !r.body.contains("error")) return r.raw;
  return r.body["error"].value("hint", "");
}

std::string Replace(std::string s, const std::string& what, const std::string& with) {
  for (size_t at = s.find(what); at != std::string::npos; at = s.find(what, at + with.size())) {
    s.replace(at, what.size(), with);
  }
  return s;
}

unsigned Mode(const std::string& path) {
  struct stat sb;
  if (::lstat(path.c_str(), &sb) != 0) return 07777;
  return sb.st_mode & 07777;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

class ServiceSecurityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    RecreateMysqlDatabase("sec_src");
    MysqlAdmin("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20)); INSERT INTO t VALUES (1, 'a'), (2, 'b');",
               "sec_src");
  }

  // A project copying sec_src.t into a new SQLite file (under the tests'
  // temporary directory, which the harness allows).
  static json Doc(const json& source, const json& destination = nullptr) {
    return json{{"name", "sec"},
                {"source", source},
                {"destination",
                 destination.is_null() ? json("sqlite://" + FreshTempDir("sec-dst") + "/d.db?create=1") : destination},
                {"objects", {{"include", {"sec_src.t"}}}},
                {"concurrency", 1}};
  }

  // Creates, starts and waits; the project's final state.
  static std::string Run(Daemon& d, const json& doc) {
    int64_t id = d.Create(doc);
    if (id < 0) return "not created";
    EXPECT_EQ(d.Call("POST", Path(id, "/start")).status, 200);
    json p = d.WaitFor(id, [](const json& p) { return p["state"] == "completed" || p["state"] == "failed"; });
    return p.value("state", "") + (p["error"].is_object() ? " " + p["error"].dump() : "");
  }
};

// ---------------------------------------------------------------------------
// Item 3: password references.

TEST_F(ServiceSecurityTest, PasswordFileOnlyInsideTheSecretsDirectoryAndNeverSaysWhetherAFileExists) {
  const std::string secrets = FreshTempDir("sec-secrets");
  const std::string outside = FreshTempDir("sec-outside");
  std::ofstream(secrets + "/mysql") << kPassword << "\n";
  std::ofstream(outside + "/mysql") << kPassword << "\n";
  fs::create_symlink(outside + "/mysql", secrets + "/link");

  // No --secrets-dir: no file is read for a client, existing or not.
  {
    Daemon d(FreshTempDir("sec-nodir"));
    std::string first;
    for (const std::string& file :
         std::vector<std::string>{outside + "/mysql", outside + "/missing", d.data_dir() + "/token", secrets + "/mysql",
                                  std::string("/etc/passwd")}) {
      for (const json& source : {json{{"uri", MysqlNoPassword("sec_src")}, {"password_file", file}},
                                 json(MysqlNoPassword("sec_src") + "?password_file=" + file)}) {
        Reply r = d.Call("POST", "/api/v1/projects", Doc(source));
        EXPECT_EQ(r.status, 400) << file << ": " << r.raw;
        EXPECT_NE(Hint(r).find("--secrets-dir"), std::string::npos) << r.raw;
        // The same words whether the file exists or not.
        std::string text = Replace(Message(r), file, "FILE");
        if (first.empty()) first = text;
        EXPECT_EQ(text, first) << r.raw;
      }
    }
    EXPECT_EQ(d.Call("GET", "/api/v1/projects").body["total"], 0);
  }

  Daemon d(FreshTempDir("sec-dir"), "", {"--secrets-dir=" + secrets});
  std::string first;
  for (const std::string& file : std::vector<std::string>{
           outside + "/mysql", outside + "/missing", secrets + "/link",
           secrets + "/../" + fs::path(outside).filename().string() + "/mysql", d.data_dir() + "/token"}) {
    Reply r =
        d.Call("POST", "/api/v1/projects", Doc(json{{"uri", MysqlNoPassword("sec_src")}, {"password_file", file}}));
    EXPECT_EQ(r.status, 400) << file << ": " << r.raw;
    std::string text = Replace(Message(r), file, "FILE");
    if (first.empty()) first = text;
    EXPECT_EQ(text, first) << r.raw;
  }
  // Inside it: read, and the project logs in with it.
  EXPECT_EQ(Run(d, Doc(json{{"uri", MysqlNoPassword("sec_src")}, {"password_file", secrets + "/mysql"}})), "completed");
  EXPECT_EQ(Run(d, Doc(json(MysqlNoPassword("sec_src") + "?password_file=" + secrets + "/mysql"))), "completed");
}

TEST_F(ServiceSecurityTest, PasswordEnvOnlyFromTheOperatorsList) {
  // In the daemon's environment (it inherits the test's).
  setenv("GODWIT_SEC_NOT_ALLOWED", kPassword, 1);
  setenv("GODWIT_SEC_ALLOWED", kPassword, 1);
  setenv("GODWIT_SECP_ONE", kPassword, 1);
  unsetenv("GODWIT_SEC_UNSET");
  Daemon d(FreshTempDir("sec-env"), "", {"--secrets-env=GODWIT_SEC_ALLOWED,GODWIT_SECP_*"});
  std::string first;
  for (const std::string& name :
       std::vector<std::string>{"GODWIT_SEC_NOT_ALLOWED", "GODWIT_SEC_UNSET", "HOME", "GODWIT_SECP"}) {
    for (const json& source : {json{{"uri", MysqlNoPassword("sec_src")}, {"password_env", name}},
                               json(MysqlNoPassword("sec_src") + "?password_env=" + name)}) {
      Reply r = d.Call("POST", "/api/v1/projects", Doc(source));
      EXPECT_EQ(r.status, 400) << name << ": " << r.raw;
      EXPECT_NE(Hint(r).find("--secrets-env"), std::string::npos) << r.raw;
      std::string text = Replace(Message(r), name, "NAME");  // the same whether it is set or not
      if (first.empty()) first = text;
      EXPECT_EQ(text, first) << r.raw;
    }
  }
  EXPECT_EQ(Run(d, Doc(json{{"uri", MysqlNoPassword("sec_src")}, {"password_env", "GODWIT_SEC_ALLOWED"}})),
            "completed");
  EXPECT_EQ(Run(d, Doc(json(MysqlNoPassword("sec_src") + "?password_env=GODWIT_SECP_ONE"))), "completed");
  // With the password in the request (what the CLI sends), the reference is
  // only a name to show: not read, so not refused.
  EXPECT_EQ(d.Call("POST", "/api/v1/projects",
                   Doc(json{{"uri", MysqlNoPassword("sec_src")},
                            {"password_env", "GODWIT_SEC_NOT_ALLOWED"},
                            {"password", kPassword}}))
                .status,
            201);
}

TEST_F(ServiceSecurityTest, LibpqDoesNotFallBackOnTheDaemonUsersPassword) {
  // A client's endpoint without a password, on a server it controls, must
  // not receive the daemon user's PGPASSWORD.
  setenv("PGPASSWORD", kPassword, 1);
  Daemon d(FreshTempDir("sec-pgpassword"));
  unsetenv("PGPASSWORD");
  RecreatePgDatabase(Servers().pg_dest_port, "sec_pgpassword");
  std::string state = Run(d, Doc(MysqlUri("sec_src"), PgDestNoPassword("sec_pgpassword")));
  EXPECT_NE(state.find("failed"), std::string::npos) << state;
  EXPECT_NE(state.find("requires a password and none was given"), std::string::npos) << state;
}

// ---------------------------------------------------------------------------
// Item 3: SQLite files.

TEST_F(ServiceSecurityTest, SqliteFilesOnlyUnderTheSqliteDirectoryAndNeverTheDataDirectory) {
  const std::string allowed = FreshTempDir("sec-sqlite");
  const std::string outside = FreshTempDir("sec-sqlite-out");
  // The data directory inside the allowed one: still out of reach.
  const std::string data = allowed + "/daemon";
  Daemon d(data, "", {"--sqlite-dir=" + allowed});
  ASSERT_TRUE(fs::exists(data + "/godwit.db"));
  fs::create_symlink(data + "/godwit.db", allowed + "/meta.db");
  fs::create_symlink(outside, allowed + "/out");
  std::ofstream(outside + "/x.db").close();

  // The attack: the daemon's own metadata store (every stored password) as
  // a source, copied to a destination the client reads.
  for (const std::string& path : std::vector<std::string>{
           data + "/godwit.db", allowed + "/meta.db",
           allowed + "/../" + fs::path(allowed).filename().string() + "/daemon/godwit.db", outside + "/x.db",
           allowed + "/out/x.db", outside + "/missing.db", std::string("/etc/passwd")}) {
    json doc = Doc("sqlite://" + path, PgDestUri("postgres"));
    doc.erase("objects");
    Reply r = d.Call("POST", "/api/v1/projects", doc);
    EXPECT_EQ(r.status, 400) << path << ": " << r.raw;
    EXPECT_NE(Hint(r).find("--sqlite-dir"), std::string::npos) << r.raw;
    Reply as_dest = d.Call("POST", "/api/v1/projects", Doc(MysqlUri("sec_src"), "sqlite://" + path + "?create=1"));
    EXPECT_EQ(as_dest.status, 400) << path << ": " << as_dest.raw;
  }
  // Inside it: accepted.
  EXPECT_EQ(Run(d, Doc(MysqlUri("sec_src"), "sqlite://" + allowed + "/dest.db?create=1")), "completed");
  EXPECT_EQ(ReadTable("sqlite://" + allowed + "/dest.db", TableRef{"", "t"}).rows.size(), 2u);

  // No --sqlite-dir: no SQLite file at all.
  Daemon none(FreshTempDir("sec-sqlite-none"), "", {"--sqlite-dir="});
  Reply r = none.Call("POST", "/api/v1/projects", Doc(MysqlUri("sec_src"), "sqlite://" + allowed + "/other.db"));
  EXPECT_EQ(r.status, 400) << r.raw;
  EXPECT_NE(Hint(r).find("--sqlite-dir"), std::string::npos) << r.raw;
}

// ---------------------------------------------------------------------------
// Item 3: libpq keywords.

TEST_F(ServiceSecurityTest, OnlyAllowedLibpqKeywordsPassThrough) {
  RecreatePgDatabase(Servers().pg_dest_port, "sec_libpq");
  const std::string secrets = FreshTempDir("sec-libpq-secrets");
  Daemon d(FreshTempDir("sec-libpq"), "", {"--secrets-dir=" + secrets});
  const std::string base = PgDestUri("sec_libpq");
  for (const std::string& option : std::vector<std::string>{
           "passfile=/etc/passwd", "service=godwit", "servicefile=/etc/passwd", "sslkey=/etc/ssl/private/x.key",
           "sslcert=/etc/passwd", "sslrootcert=/etc/passwd", "sslcrl=/etc/passwd",
           "options=-csession_replication_role%3Dreplica", "sslpassword=zz-key-secret", "hostaddr=127.0.0.2",
           "host=/var/run/postgresql", "no_such_keyword=1"}) {
    Reply r = d.Call("POST", "/api/v1/projects", Doc(MysqlUri("sec_src"), base + "?" + option));
    EXPECT_EQ(r.status, 400) << option << ": " << r.raw;
    const std::string key = option.substr(0, option.find('='));
    EXPECT_NE(Message(r).find(key), std::string::npos) << r.raw;
    EXPECT_EQ(r.raw.find("zz-key-secret"), std::string::npos) << r.raw;
  }
  EXPECT_EQ(
      Run(d, Doc(MysqlUri("sec_src"), base + "?sslmode=disable&connect_timeout=7&application_name=sec&keepalives=1"
                                             "&target_session_attrs=any")),
      "completed");
}

// ---------------------------------------------------------------------------
// Item 6: secrets given as query keys are never shown.

TEST_F(ServiceSecurityTest, QueryPasswordIsKeptApartAndNeverShown) {
  RecreatePgDatabase(Servers().pg_dest_port, "sec_query_pw");
  Daemon d(FreshTempDir("sec-query-pw"));
  json doc = Doc(MysqlNoPassword("sec_src") + "?password=" + kPassword,
                 PgDestNoPassword("sec_query_pw") + "?sslmode=disable&password=" + kPassword);
  int64_t id = d.Create(doc);
  ASSERT_GT(id, 0);
  ASSERT_EQ(d.Call("POST", Path(id, "/start")).status, 200);
  json done = d.WaitFor(id, [](const json& p) { return p["state"] == "completed" || p["state"] == "failed"; });
  EXPECT_EQ(done["state"], "completed") << done.dump();  // the password was used to log in
  // With the options the daemon forces (no GSS, no client certificate).
  EXPECT_EQ(done["destination"]["uri"], PgDestNoPassword("sec_query_pw") +
                                            "?gssencmode=disable&sslcert=/dev/null/godwit-no-client-certificate"
                                            "&sslkey=/dev/null/godwit-no-client-certificate&sslmode=disable");
  Reply clone = d.Call("POST", Path(id, "/clone"));
  ASSERT_EQ(clone.status, 201) << clone.raw;
  EXPECT_EQ(clone.raw.find(kPassword), std::string::npos);
  for (const std::string& path : std::vector<std::string>{
           Path(id), Path(id, "/export"), Path(id, "/export?format=yaml"), Path(id, "/events"), Path(id, "/subtasks"),
           std::string("/api/v1/projects"), Path(clone.body["id"].get<int64_t>())}) {
    Reply r = d.Call("GET", path);
    EXPECT_EQ(r.status, 200) << path;
    EXPECT_EQ(r.raw.find(kPassword), std::string::npos) << path << " shows the password: " << r.raw;
  }
  d.Terminate();
  std::string log = ReadFile(d.data_dir() + "/godwit.log");
  EXPECT_FALSE(log.empty());
  EXPECT_EQ(log.find(kPassword), std::string::npos) << "the log shows the password";
}

// ---------------------------------------------------------------------------
// Item 7: private directories and files, one daemon per data directory.

TEST_F(ServiceSecurityTest, DataDirectoryIsCreatedPrivateAndHoldsOnlyPrivateFiles) {
  // Made by the daemon itself (the harness would make it first): started
  // for a few seconds, then stopped by `timeout`.
  const std::string data = FreshTempDir("sec-mode") + "/new/data";
  CommandResult r = RunGodwitFor(5, "serve --listen 127.0.0.1:0 --data-dir " + data);
  EXPECT_EQ(r.exit_code, 0) << r.output;  // SIGTERM: a clean stop
  EXPECT_EQ(Mode(data), 0700u);
  EXPECT_EQ(Mode(fs::path(data).parent_path().string()), 0700u);
  for (const char* file : {"godwit.db", "token", "lock", "godwit.log", "server.addr"}) {
    EXPECT_EQ(Mode(data + "/" + file) & 077, 0u) << file << " mode " << std::oct << Mode(data + "/" + file);
  }
  // And what running a project adds (project directories, SQLite -wal).
  Daemon d(data);
  EXPECT_EQ(Run(d, Doc(MysqlUri("sec_src"))), "completed");
  for (const auto& e : fs::recursive_directory_iterator(data)) {
    if (e.is_symlink() || e.path().filename() == "daemon.out") continue;  // the harness's own
    unsigned mode = Mode(e.path().string());
    EXPECT_EQ(mode & 077, 0u) << e.path() << " mode " << std::oct << mode;
  }
}

TEST_F(ServiceSecurityTest, DataDirectoryOthersMayEnterIsRefused) {
  const std::string data = FreshTempDir("sec-open");
  fs::permissions(data, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec | fs::perms::others_read |
                            fs::perms::others_exec);
  CommandResult r = RunGodwitFor(20, "serve --listen 127.0.0.1:0 --data-dir " + data);
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("chmod 700 " + data), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("0755"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(data + "/godwit.db"));
  EXPECT_FALSE(fs::exists(data + "/token"));
}

TEST_F(ServiceSecurityTest, SecondDaemonOnTheSameDataDirectoryIsRefusedWhileTheFirstRuns) {
  const std::string data = FreshTempDir("sec-lock");
  auto first = std::make_unique<Daemon>(data);
  std::string pid = ReadFile(data + "/lock");
  while (!pid.empty() && pid.back() == '\n') pid.pop_back();
  ASSERT_FALSE(pid.empty());
  const std::string token = first->token();
  CommandResult second = RunGodwitFor(20, "serve --listen 127.0.0.1:0 --data-dir " + data);
  EXPECT_NE(second.exit_code, 0) << second.output;
  EXPECT_NE(second.output.find("another godwit serve (pid " + pid + ")"), std::string::npos) << second.output;
  EXPECT_NE(second.output.find(data), std::string::npos) << second.output;
  // The first is untouched: still answering with its token.
  EXPECT_EQ(first->Call("GET", "/api/v1/projects").status, 200);
  EXPECT_EQ(ReadFile(data + "/token").substr(0, token.size()), token);

  // Once it has stopped, however it stopped, the next one starts.
  first->Kill9();
  first.reset();
  Daemon again(data);
  EXPECT_EQ(again.Call("GET", "/api/v1/projects").status, 200);
}

TEST_F(ServiceSecurityTest, MigrateStateDirectoryIsPrivate) {
  // One others may enter is refused, with the fix in the message.
  const std::string open = FreshTempDir("sec-state-open");
  fs::permissions(open, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec | fs::perms::others_read |
                            fs::perms::others_exec);
  const std::string dest = FreshTempDir("sec-state-dst");
  CommandResult refused = RunGodwitFor(60, "migrate -q --state-dir " + open + " --include sec_src.t " +
                                               MysqlUri("sec_src") + " sqlite://" + dest + "/a.db");
  EXPECT_NE(refused.exit_code, 0) << refused.output;
  EXPECT_NE(refused.output.find("chmod 700 " + open), std::string::npos) << refused.output;
  EXPECT_FALSE(fs::exists(dest + "/a.db"));

  // A new one is made 0700, and what is kept in it (the state file, the
  // change log's segments and lock) is the owner's only, whatever the umask.
  // --until-caught-up: SIGTERM (from the time limit) stops it once caught
  // up, or, on a loaded machine where it is not yet, at once (exit 130):
  // either way its state and change log are on disk to check.
  const std::string state = FreshTempDir("sec-state") + "/new";
  CommandResult ok =
      RunGodwitFor(20, "migrate -q --incremental --until-caught-up --state-dir " + state + " --include sec_src.t " +
                           MysqlUri("sec_src") + " sqlite://" + dest + "/b.db");
  ASSERT_TRUE(ok.exit_code == 0 || ok.exit_code == 130) << ok.exit_code << "\n" << ok.output;
  EXPECT_EQ(Mode(state), 0700u);
  int files = 0, segments = 0;
  for (const auto& e : fs::recursive_directory_iterator(state)) {
    unsigned mode = Mode(e.path().string());
    EXPECT_EQ(mode & 077, 0u) << e.path() << " mode " << std::oct << mode;
    ++files;
    if (e.path().extension() == ".seg") ++segments;
  }
  EXPECT_GT(files, 2);
  EXPECT_GT(segments, 0) << "no change-log segment to check";
  RunGodwitFor(60, "migrate -q --release --state-dir " + state + " --include sec_src.t " + MysqlUri("sec_src") +
                       " sqlite://" + dest + "/b.db");
}

// ---------------------------------------------------------------------------
// Review of issue 12's fixes: the daemon's own OS identity and credentials.

TEST_F(ServiceSecurityTest, UnixSocketHostsAreRefusedForApiClients) {
  // A socket logs in as the daemon's OS user (PostgreSQL peer, MariaDB
  // unix_socket): the client would borrow the daemon's identity.
  Daemon d(FreshTempDir("sec-socket"));
  const std::string port = std::to_string(Servers().pg_dest_port);
  for (const std::string& uri :
       std::vector<std::string>{"postgresql://postgres@%2Fvar%2Frun%2Fpostgresql:" + port + "/postgres",
                                "postgresql://postgres@%40pg:" + port + "/postgres",
                                "postgresql://postgres@127.0.0.1%2C%2Fvar%2Frun%2Fpostgresql:" + port + "/postgres",
                                "postgresql://postgres@127.0.0.1%2C:" + port + "/postgres"}) {
    Reply r = d.Call("POST", "/api/v1/projects", Doc(MysqlUri("sec_src"), uri));
    EXPECT_EQ(r.status, 400) << uri << ": " << r.raw;
    EXPECT_NE(Message(r).find("Unix socket"), std::string::npos) << r.raw;
    EXPECT_NE(Hint(r).find("127.0.0.1"), std::string::npos) << r.raw;
  }
  for (const std::string& uri :
       std::vector<std::string>{std::string("mysql://root@localhost/"),
                                "mysql://root@LOCALHOST:" + std::to_string(Servers().mysql_port) + "/sec_src"}) {
    Reply r = d.Call("POST", "/api/v1/projects", Doc(uri));
    EXPECT_EQ(r.status, 400) << uri << ": " << r.raw;
    EXPECT_NE(Message(r).find("Unix socket"), std::string::npos) << r.raw;
    EXPECT_NE(Hint(r).find("127.0.0.1"), std::string::npos) << r.raw;
  }
}

TEST_F(ServiceSecurityTest, PostgresGssAndClientCertificateAreOffForApiClients) {
  RecreatePgDatabase(Servers().pg_dest_port, "sec_forced");
  Daemon d(FreshTempDir("sec-forced"));
  // gssdelegation would forward the daemon's Kerberos ticket.
  for (const std::string& option :
       std::vector<std::string>{"gssdelegation=1", "krbsrvname=postgres", "gsslib=gssapi"}) {
    Reply r = d.Call("POST", "/api/v1/projects", Doc(MysqlUri("sec_src"), PgDestUri("sec_forced") + "?" + option));
    EXPECT_EQ(r.status, 400) << option << ": " << r.raw;
  }
  int64_t id = d.Create(Doc(MysqlUri("sec_src"), PgDestUri("sec_forced") + "?gssencmode=prefer&sslmode=disable"));
  ASSERT_GT(id, 0);
  const std::string uri = d.Get(id)["destination"]["uri"];
  EXPECT_NE(uri.find("gssencmode=disable"), std::string::npos) << uri;
  EXPECT_NE(uri.find("sslcert=/dev/null/"), std::string::npos) << uri;
  EXPECT_NE(uri.find("sslkey=/dev/null/"), std::string::npos) << uri;
  // libpq takes them (no client certificate, no GSS) and logs in.
  ASSERT_EQ(d.Call("POST", Path(id, "/start")).status, 200);
  json done = d.WaitFor(id, [](const json& p) { return p["state"] == "completed" || p["state"] == "failed"; });
  EXPECT_EQ(done["state"], "completed") << done.dump();
  // A clone re-checks the stored endpoint, forced options included.
  EXPECT_EQ(d.Call("POST", Path(id, "/clone")).status, 201);
}

TEST_F(ServiceSecurityTest, StoredSqlitePathIsCheckedAgainWhenTheProjectRuns) {
  const std::string data = FreshTempDir("sec-recheck");
  const std::string allowed = FreshTempDir("sec-recheck-allowed");
  const std::string later = FreshTempDir("sec-recheck-later");
  int64_t id = -1;
  {
    Daemon d(data, "", {"--sqlite-dir=" + allowed});
    id = d.Create(Doc(MysqlUri("sec_src"), "sqlite://" + allowed + "/d.db?create=1"));
    ASSERT_GT(id, 0);
    d.Terminate();
  }
  // The operator narrowed the allowances: the stored project may not open
  // the file any more.
  Daemon d(data, "", {"--sqlite-dir=" + later});
  ASSERT_EQ(d.Call("POST", Path(id, "/start")).status, 200);
  json done = d.WaitFor(id, [](const json& p) { return p["state"] == "completed" || p["state"] == "failed"; });
  EXPECT_EQ(done["state"], "failed") << done.dump();
  // The failed subtask carries the error (the project's own error field
  // may be filled a moment after the state changes).
  std::string subtask_errors;
  for (const auto& st : done["subtasks"]) subtask_errors += st["error"].dump();
  EXPECT_NE(subtask_errors.find("no longer allowed"), std::string::npos) << done.dump();
  EXPECT_FALSE(fs::exists(allowed + "/d.db"));
}

TEST_F(ServiceSecurityTest, DataDirectoryOfAnotherUserIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give a directory to another user";
  const std::string data = FreshTempDir("sec-owner") + "/data";
  fs::create_directories(data);
  fs::permissions(data, fs::perms::owner_all);
  ASSERT_EQ(::chown(data.c_str(), 65534, 65534), 0);  // nobody
  CommandResult r = RunGodwitFor(20, "serve --listen 127.0.0.1:0 --data-dir " + data);
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("belongs to"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("chown"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(data + "/godwit.db"));
  EXPECT_FALSE(fs::exists(data + "/token"));
}

TEST_F(ServiceSecurityTest, LinksPlantedForTheDaemonsOwnFilesAreRefused) {
  const std::string outside = FreshTempDir("sec-links-out");
  const std::string known_token(64, 'a');
  std::ofstream(outside + "/token") << known_token << "\n";
  std::ofstream(outside + "/log") << "";
  for (const std::string& file : std::vector<std::string>{"godwit.log", "token", "godwit.db", "lock"}) {
    const std::string data = FreshTempDir("sec-links") + "/data";
    fs::create_directories(data);
    fs::permissions(data, fs::perms::owner_all);
    fs::create_symlink(outside + (file == "token" ? "/token" : "/log"), data + "/" + file);
    CommandResult r = RunGodwitFor(20, "serve --listen 127.0.0.1:0 --data-dir " + data);
    EXPECT_NE(r.exit_code, 0) << file << ": " << r.output;
    EXPECT_NE(r.output.find("symbolic link"), std::string::npos) << file << ": " << r.output;
    EXPECT_EQ(ReadFile(outside + "/log"), "") << file;
    EXPECT_EQ(ReadFile(outside + "/token"), known_token + "\n") << file;
  }
}

}  // namespace
}  // namespace godwit::testing
