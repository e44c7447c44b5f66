#include "connector/endpoint.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <vector>

namespace godwit {
namespace {

TEST(EndpointTest, ParsesMysqlUri) {
  auto ep = ParseEndpointUri("mysql://app:s%40cret@db.example:3307/shop");
  ASSERT_TRUE(ep.ok()) << ep.status().ToString();
  EXPECT_EQ(ep->engine, Engine::kMysql);
  EXPECT_EQ(ep->user, "app");
  EXPECT_EQ(ep->password, "s@cret");
  EXPECT_EQ(ep->host, "db.example");
  EXPECT_EQ(ep->port, 3307);
  EXPECT_EQ(ep->database, "shop");
}

TEST(EndpointTest, DefaultsPortAndHost) {
  auto ep = ParseEndpointUri("postgresql://postgres@/shop?sslmode=disable");
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->port, 5432);
  EXPECT_EQ(ep->host, "127.0.0.1");
  EXPECT_EQ(ep->options.at("sslmode"), "disable");
}

TEST(EndpointTest, Ipv6Host) {
  auto ep = ParseEndpointUri("postgres://u@[::1]:6000/d");
  ASSERT_TRUE(ep.ok()) << ep.status().ToString();
  EXPECT_EQ(ep->host, "::1");
  EXPECT_EQ(ep->port, 6000);
}

TEST(EndpointTest, SqlitePaths) {
  auto abs = ParseEndpointUri("sqlite:///tmp/a.db");
  ASSERT_TRUE(abs.ok());
  EXPECT_EQ(abs->path, "/tmp/a.db");
  auto rel = ParseEndpointUri("sqlite://data/a.db");
  ASSERT_TRUE(rel.ok());
  EXPECT_EQ(rel->path, "data/a.db");
}

TEST(EndpointTest, PasswordFromEnvironmentAndFile) {
  setenv("GODWIT_TEST_PW", "from-env", 1);
  auto ep = ParseEndpointUri("mysql://u@h/db?password_env=GODWIT_TEST_PW");
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->password, "from-env");

  std::string path = testing::TempDir() + "/pw";
  std::ofstream(path) << "from-file\n";
  ep = ParseEndpointUri("mysql://u@h/db?password_file=" + path);
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->password, "from-file");

  auto missing = ParseEndpointUri("mysql://u@h/db?password_env=GODWIT_NO_SUCH_VAR");
  EXPECT_EQ(missing.status().code(), ErrorCode::kInvalidArgument);
}

TEST(EndpointTest, RedactedNeverShowsPassword) {
  auto ep = ParseEndpointUri("mysql://app:topsecret@h:1/db");
  ASSERT_TRUE(ep.ok());
  EXPECT_EQ(ep->Redacted().find("topsecret"), std::string::npos);
  EXPECT_EQ(ep->Redacted(), "mysql://app:***@h:1/db");
}

TEST(EndpointTest, BadInputSaysWhat) {
  EXPECT_EQ(ParseEndpointUri("oracle://x/y").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(ParseEndpointUri("just-a-name").status().code(), ErrorCode::kInvalidArgument);
  auto bad_port = ParseEndpointUri("mysql://u@h:99999/db");
  EXPECT_EQ(bad_port.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(bad_port.status().message().find("99999"), std::string::npos);
}

// ---- What an API client's endpoint may reach (EndpointPolicy kRemote) ----

namespace fs = std::filesystem;

struct RemoteDirs {
  std::string root, secrets, sqlite, data, outside;
  EndpointPolicy policy;
};

RemoteDirs MakeRemote(const std::string& name) {
  RemoteDirs d;
  d.root = testing::TempDir() + "/" + name + "-" + std::to_string(getpid());
  fs::remove_all(d.root);
  d.secrets = d.root + "/secrets";
  d.sqlite = d.root + "/sqlite";
  d.data = d.root + "/sqlite/data";  // inside the SQLite directory: still out of reach
  d.outside = d.root + "/outside";
  for (const auto& dir : {d.secrets, d.data, d.outside}) fs::create_directories(dir);
  d.secrets = fs::canonical(d.secrets).string();
  d.sqlite = fs::canonical(d.sqlite).string();
  d.data = fs::canonical(d.data).string();
  d.outside = fs::canonical(d.outside).string();
  d.policy.trust = EndpointPolicy::Trust::kRemote;
  d.policy.secrets_dir = d.secrets;
  d.policy.sqlite_dir = d.sqlite;
  d.policy.data_dir = d.data;
  d.policy.secrets_env = {"GODWIT_EP_ALLOWED", "GODWIT_EP_PREFIX_*"};
  return d;
}

std::string MessageWithout(const Status& st, const std::string& what) {
  std::string m = st.message();
  for (size_t at = m.find(what); at != std::string::npos; at = m.find(what)) m.replace(at, what.size(), "X");
  return m;
}

TEST(EndpointPolicyTest, RemotePasswordFileOnlyInsideTheSecretsDirectory) {
  RemoteDirs d = MakeRemote("ep-pwfile");
  std::ofstream(d.secrets + "/pw") << "inside\r\n";
  std::ofstream(d.outside + "/pw") << "outside\n";
  std::ofstream(d.data + "/token") << "data\n";
  fs::create_symlink(d.outside + "/pw", d.secrets + "/link");
  auto ok = ParseEndpointUri("mysql://u@h/db?password_file=" + d.secrets + "/pw", d.policy);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->password, "inside");
  EXPECT_EQ(ReadPasswordFile(d.secrets + "/pw", d.policy).value(), "inside");

  std::string first;
  for (const std::string& path : std::vector<std::string>{
           d.outside + "/pw", d.outside + "/missing", d.secrets + "/link", d.secrets + "/../outside/pw",
           d.secrets + "/nowhere/../../outside/pw", d.data + "/token", std::string("relative/pw")}) {
    auto r = ParseEndpointUri("mysql://u@h/db?password_file=" + path, d.policy);
    ASSERT_FALSE(r.ok()) << path;
    EXPECT_EQ(r.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(r.status().hint().find("--secrets-dir"), std::string::npos);
    std::string m = MessageWithout(r.status(), path);  // one message, whether the file exists or not
    if (first.empty()) first = m;
    EXPECT_EQ(m, first) << path;
  }
  // No secrets directory: nothing is read.
  EndpointPolicy none = d.policy;
  none.secrets_dir.clear();
  EXPECT_FALSE(ParseEndpointUri("mysql://u@h/db?password_file=" + d.secrets + "/pw", none).ok());
  // The command line reads its user's files as before.
  auto local = ParseEndpointUri("mysql://u@h/db?password_file=" + d.outside + "/pw");
  ASSERT_TRUE(local.ok());
  EXPECT_EQ(local->password, "outside");
  // A stored endpoint reads nothing: its password comes from the store.
  auto stored = ParseEndpointUri("mysql://u@h/db?password_file=/nonexistent", EndpointPolicy::Stored());
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  EXPECT_EQ(stored->password, "");
}

TEST(EndpointPolicyTest, RemotePasswordEnvOnlyFromTheList) {
  RemoteDirs d = MakeRemote("ep-env");
  setenv("GODWIT_EP_ALLOWED", "a", 1);
  setenv("GODWIT_EP_PREFIX_ONE", "b", 1);
  setenv("GODWIT_EP_SECRET", "c", 1);
  unsetenv("GODWIT_EP_UNSET");
  EXPECT_EQ(ParseEndpointUri("mysql://u@h/db?password_env=GODWIT_EP_ALLOWED", d.policy).value().password, "a");
  EXPECT_EQ(ReadPasswordEnv("GODWIT_EP_PREFIX_ONE", d.policy).value(), "b");
  auto set = ReadPasswordEnv("GODWIT_EP_SECRET", d.policy);
  auto unset = ReadPasswordEnv("GODWIT_EP_UNSET", d.policy);
  ASSERT_FALSE(set.ok());
  ASSERT_FALSE(unset.ok());
  EXPECT_EQ(MessageWithout(set.status(), "GODWIT_EP_SECRET"), MessageWithout(unset.status(), "GODWIT_EP_UNSET"));
  EXPECT_NE(set.status().hint().find("--secrets-env"), std::string::npos);
  EXPECT_FALSE(ReadPasswordEnv("GODWIT_EP_PREFIX_", d.policy).ok());  // unset, allowed: says so
  EXPECT_FALSE(ReadPasswordEnv("HOME", d.policy).ok());
  EXPECT_EQ(ReadPasswordEnv("GODWIT_EP_SECRET", EndpointPolicy::Local()).value(), "c");
}

TEST(EndpointPolicyTest, RemoteSqliteOnlyUnderTheSqliteDirectoryOutsideTheDataDirectory) {
  RemoteDirs d = MakeRemote("ep-sqlite");
  std::ofstream(d.data + "/godwit.db").close();
  std::ofstream(d.outside + "/x.db").close();
  fs::create_symlink(d.data + "/godwit.db", d.sqlite + "/meta.db");
  fs::create_symlink(d.outside, d.sqlite + "/out");
  auto ok = ParseEndpointUri("sqlite://" + d.sqlite + "/new.db", d.policy);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(ok->path, d.sqlite + "/new.db");
  for (const std::string& path :
       std::vector<std::string>{d.data + "/godwit.db", d.sqlite + "/meta.db", d.sqlite + "/out/x.db",
                                d.sqlite + "/../outside/x.db", d.outside + "/x.db", std::string("/etc/passwd")}) {
    auto r = ParseEndpointUri("sqlite://" + path, d.policy);
    ASSERT_FALSE(r.ok()) << path;
    EXPECT_NE(r.status().hint().find("--sqlite-dir"), std::string::npos);
  }
  EndpointPolicy none = d.policy;
  none.sqlite_dir.clear();
  EXPECT_FALSE(ParseEndpointUri("sqlite://" + d.sqlite + "/new.db", none).ok());
  EXPECT_TRUE(ParseEndpointUri("sqlite://" + d.data + "/godwit.db").ok());  // the command line: the user's own
}

TEST(EndpointPolicyTest, RemotePostgresOptionsFromTheAllowList) {
  RemoteDirs d = MakeRemote("ep-libpq");
  std::ofstream(d.secrets + "/root.crt").close();
  const std::string base = "postgresql://u:p@h/db?";
  for (const std::string& option : std::vector<std::string>{
           "sslmode=verify-full", "connect_timeout=5", "application_name=x", "target_session_attrs=read-write",
           "keepalives=1", "keepalives_idle=30", "sslrootcert=" + d.secrets + "/root.crt"}) {
    auto r = ParseEndpointUri(base + option, d.policy);
    EXPECT_TRUE(r.ok()) << option << ": " << r.status().ToString();
  }
  for (const std::string& option :
       std::vector<std::string>{"passfile=/tmp/x", "service=s", "servicefile=/tmp/x", "sslkey=/etc/ssl/x.key",
                                "sslcert=" + d.outside + "/c", "sslrootcert=" + d.data + "/token", "options=-c%20x%3Dy",
                                "sslpassword=k", "hostaddr=1.2.3.4", "host=/tmp", "requiressl=1", "whatever=1"}) {
    auto r = ParseEndpointUri(base + option, d.policy);
    ASSERT_FALSE(r.ok()) << option;
    EXPECT_NE(r.status().message().find(option.substr(0, option.find('='))), std::string::npos)
        << r.status().ToString();
  }
  // MySQL and SQLite endpoints: only their own options.
  EXPECT_TRUE(ParseEndpointUri("mysql://u@h/db?zero_date=null", d.policy).ok());
  EXPECT_FALSE(ParseEndpointUri("mysql://u@h/db?ssl_key=/etc/x", d.policy).ok());
  // The command line passes them on as before.
  EXPECT_TRUE(ParseEndpointUri(base + "passfile=/tmp/x&options=-c%20x%3Dy").ok());
}

TEST(EndpointPolicyTest, RemoteHostsOnlyOverTcp) {
  RemoteDirs d = MakeRemote("ep-hosts");
  // Unix sockets log in as the daemon's OS user (peer / unix_socket auth).
  for (const std::string& uri : std::vector<std::string>{
           "postgresql://postgres@%2Fvar%2Frun%2Fpostgresql/db", "postgresql://postgres@%2Ftmp:5432/db",
           "postgresql://postgres@%40abstract/db", "postgresql://postgres@127.0.0.1%2C%2Fvar%2Frun%2Fpostgresql/db",
           "postgresql://postgres@127.0.0.1%2C/db", "postgresql://postgres@..%2Fsock/db"}) {
    auto r = ParseEndpointUri(uri, d.policy);
    ASSERT_FALSE(r.ok()) << uri;
    EXPECT_NE(r.status().message().find("Unix socket"), std::string::npos) << r.status().ToString();
    EXPECT_NE(r.status().hint().find("127.0.0.1"), std::string::npos) << r.status().ToString();
    // The command line may keep using sockets.
    EXPECT_TRUE(ParseEndpointUri(uri).ok()) << uri;
  }
  for (const std::string& uri :
       std::vector<std::string>{"mysql://root@localhost/", "mariadb://root@LocalHost:3306/db"}) {
    auto r = ParseEndpointUri(uri, d.policy);
    ASSERT_FALSE(r.ok()) << uri;
    EXPECT_NE(r.status().message().find("Unix socket"), std::string::npos) << r.status().ToString();
    EXPECT_TRUE(ParseEndpointUri(uri).ok()) << uri;
  }
  Endpoint empty_host;
  empty_host.engine = Engine::kMysql;
  EXPECT_FALSE(CheckEndpoint(empty_host, d.policy).ok());
  empty_host.engine = Engine::kPostgres;
  EXPECT_FALSE(CheckEndpoint(empty_host, d.policy).ok());
  for (const std::string& uri : std::vector<std::string>{
           "postgresql://u@127.0.0.1/db", "postgresql://u@db.example,db2.example/db", "postgresql://u@[::1]:5433/db",
           "mysql://u@127.0.0.1/db", "mysql://u@db.example/db", "mysql://u@/db"}) {
    auto r = ParseEndpointUri(uri, d.policy);
    EXPECT_TRUE(r.ok()) << uri << ": " << r.status().ToString();
  }
  // No other way to a socket or past the check: host/hostaddr as options.
  for (const std::string& option : std::vector<std::string>{"host=/tmp", "host=%2Ftmp", "hostaddr=127.0.0.1"}) {
    EXPECT_FALSE(ParseEndpointUri("postgresql://u@127.0.0.1/db?" + option, d.policy).ok()) << option;
  }
}

TEST(EndpointPolicyTest, RemotePostgresUsesNoneOfTheDaemonsCredentials) {
  RemoteDirs d = MakeRemote("ep-forced");
  // GSS would log in with (and gssdelegation forward) the daemon's ticket.
  for (const std::string& option :
       std::vector<std::string>{"gssdelegation=1", "krbsrvname=postgres", "gsslib=gssapi"}) {
    auto r = ParseEndpointUri("postgresql://u@h/db?" + option, d.policy);
    EXPECT_FALSE(r.ok()) << option;
  }
  auto ep = ParseEndpointUri("postgresql://u@h/db?gssencmode=prefer&sslmode=require", d.policy);
  ASSERT_TRUE(ep.ok()) << ep.status().ToString();
  EXPECT_EQ(ep->options.at("gssencmode"), "disable");
  EXPECT_EQ(ep->options.at("sslmode"), "require");
  // No client certificate unless one in the secrets directory is named:
  // libpq would otherwise send ~/.postgresql/postgresql.crt/.key.
  ASSERT_EQ(ep->options.count("sslcert"), 1u);
  ASSERT_EQ(ep->options.count("sslkey"), 1u);
  EXPECT_FALSE(fs::exists(ep->options.at("sslcert")));
  EXPECT_FALSE(fs::exists(ep->options.at("sslkey")));
  // Stored (and so given back by UriWithoutPassword) and accepted again:
  // a clone re-checks, a stored project reads them back.
  std::string stored = ep->UriWithoutPassword();
  auto again = ParseEndpointUri(stored, d.policy);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->options, ep->options);
  auto back = ParseEndpointUri(stored, EndpointPolicy::Stored());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->options, ep->options);
  // A certificate in the secrets directory is kept.
  std::ofstream(d.secrets + "/client.crt").close();
  std::ofstream(d.secrets + "/client.key").close();
  auto own = ParseEndpointUri(
      "postgresql://u@h/db?sslcert=" + d.secrets + "/client.crt&sslkey=" + d.secrets + "/client.key", d.policy);
  ASSERT_TRUE(own.ok()) << own.status().ToString();
  EXPECT_EQ(own->options.at("sslcert"), d.secrets + "/client.crt");
  EXPECT_EQ(own->options.at("sslkey"), d.secrets + "/client.key");
  // The command line's endpoints are its user's: nothing forced.
  auto local = ParseEndpointUri("postgresql://u@h/db");
  ASSERT_TRUE(local.ok());
  EXPECT_TRUE(local->options.empty());
  // MySQL endpoints get no libpq options.
  auto mysql = ParseEndpointUri("mysql://u@h/db", d.policy);
  ASSERT_TRUE(mysql.ok());
  EXPECT_TRUE(mysql->options.empty());
}

TEST(EndpointTest, NotAUriIsNotEchoed) {
  // Without a scheme the text may well hold a password.
  auto r = ParseEndpointUri("admin:S3cret@db/x");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().ToString().find("S3cret"), std::string::npos) << r.status().ToString();
  EXPECT_EQ(r.status().hint().find("S3cret"), std::string::npos);
}

TEST(EndpointTest, QueryPasswordIsThePasswordAndSecretKeysAreNeverShown) {
  auto ep = ParseEndpointUri("postgresql://u@h:1/db?password=s3cret&sslmode=disable");
  ASSERT_TRUE(ep.ok()) << ep.status().ToString();
  EXPECT_EQ(ep->password, "s3cret");
  EXPECT_EQ(ep->options.count("password"), 0u);
  EXPECT_EQ(ep->UriWithoutPassword(), "postgresql://u@h:1/db?sslmode=disable");
  EXPECT_FALSE(ParseEndpointUri("postgresql://u:one@h/db?password=two").ok());

  auto local = ParseEndpointUri("postgresql://u@h:1/db?sslpassword=k3y&api_token=t0k&sslmode=require");
  ASSERT_TRUE(local.ok());
  std::string shown = local->UriWithoutPassword();
  EXPECT_EQ(shown.find("k3y"), std::string::npos) << shown;
  EXPECT_EQ(shown.find("t0k"), std::string::npos) << shown;
  EXPECT_NE(shown.find("sslmode=require"), std::string::npos) << shown;
  for (const char* key : {"password", "sslpassword", "PassPhrase", "client_secret", "token", "pwd"}) {
    EXPECT_TRUE(IsSecretOptionName(key)) << key;
  }
  for (const char* key : {"sslmode", "sslkey", "sslrootcert", "application_name"}) {
    EXPECT_FALSE(IsSecretOptionName(key)) << key;
  }
}

TEST(EndpointTest, OnlySqliteDatabasesAreCreatedAndOnlyMysqlHasZeroDates) {
  Endpoint file{.engine = Engine::kSqlite, .path = "/tmp/x.db"};
  AllowCreation(file);
  EXPECT_EQ(file.options["create"], "1");
  // A server's options go to its driver: nothing is added.
  for (Engine engine : {Engine::kMysql, Engine::kPostgres}) {
    Endpoint server{.engine = engine};
    AllowCreation(server);
    EXPECT_TRUE(server.options.empty()) << EngineName(engine);
  }
  EXPECT_TRUE(HasZeroDates(Engine::kMysql));
  EXPECT_FALSE(HasZeroDates(Engine::kPostgres));
  EXPECT_FALSE(HasZeroDates(Engine::kSqlite));
}

TEST(EndpointTest, AMysqlUriWithADatabaseReadsThatDatabaseOnly) {
  Endpoint shop{.engine = Engine::kMysql, .database = "shop"};
  EXPECT_TRUE(EndpointReadsSchema(shop, "shop"));
  EXPECT_FALSE(EndpointReadsSchema(shop, "crm"));
  EXPECT_TRUE(EndpointReadsSchema(Endpoint{.engine = Engine::kMysql}, "crm"));
  EXPECT_TRUE(EndpointReadsSchema(Endpoint{.engine = Engine::kPostgres, .database = "shop"}, "sales"));
}

}  // namespace
}  // namespace godwit
