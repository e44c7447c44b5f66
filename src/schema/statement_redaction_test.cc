#include "schema/statement_redaction.h"

#include <gtest/gtest.h>

namespace godwit {
namespace {

std::string Pg(std::string_view s) { return RedactStatement(s, Engine::kPostgres); }
std::string My(std::string_view s) { return RedactStatement(s, Engine::kMysql); }

// A credential need not follow a word that says so: every literal and
// comment is blanked, whatever the statement says; names and keywords stay.
TEST(RedactStatementSecrets, LiteralsAreBlankedWithoutAnyWordOfSecrecy) {
  EXPECT_EQ(Pg("ALTER TABLE t ADD COLUMN c text DEFAULT 'hunter2', ALTER COLUMN \"N\" TYPE bigint"),
            "ALTER TABLE t ADD COLUMN c text DEFAULT '***', ALTER COLUMN \"N\" TYPE bigint");
  EXPECT_EQ(My("CREATE TABLE `f` (id INT) ENGINE=FEDERATED CONNECTION='mysql://u:pw@h/db/t'"),
            "CREATE TABLE `f` (id INT) ENGINE=FEDERATED CONNECTION='***'");
  EXPECT_EQ(My("ALTER TABLE `t` COMMENT 'hunter2', ADD `c` INT DEFAULT 7"),
            "ALTER TABLE `t` COMMENT '***', ADD `c` INT DEFAULT 7");
  EXPECT_EQ(Pg("CREATE SERVER s FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host 'h', dbname 'd')"),
            "CREATE SERVER s FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '***', dbname '***')");
  EXPECT_EQ(Pg("CREATE USER MAPPING FOR u SERVER s OPTIONS (user 'u', pw 'x')"),
            "CREATE USER MAPPING FOR u SERVER s OPTIONS (user '***', pw '***')");
  EXPECT_EQ(Pg("CREATE VIEW v AS SELECT * FROM dblink($c$host=h pw=x$c$, 'select 1') AS t(a int)"),
            "CREATE VIEW v AS SELECT * FROM dblink($c$***$c$, '***') AS t(a int)");
  EXPECT_EQ(Pg("ALTER SYSTEM SET primary_conninfo = 'host=h pw=x'"), "ALTER SYSTEM SET primary_conninfo = '***'");
  EXPECT_EQ(Pg("COMMENT ON TABLE t IS 'pw=hunter2'; ALTER TABLE t ADD c int -- hunter2\n"),
            "COMMENT ON TABLE t IS '***'; ALTER TABLE t ADD c int --***\n");
  // Nothing to hide: unchanged.
  EXPECT_EQ(Pg("ALTER TABLE \"T\" RENAME COLUMN a TO b"), "ALTER TABLE \"T\" RENAME COLUMN a TO b");
}

// Text whose dialect is unknown: every dialect's literals and comments.
TEST(RedactStatementSecrets, WithoutAnEngineEveryDialectsLiteralsAreHidden) {
  const std::string out =
      RedactStatement("ALTER TABLE t COMMENT \"hunter2\" # hunter3\n, ADD c text DEFAULT $$hunter4$$", std::nullopt);
  for (const char* secret : {"hunter2", "hunter3", "hunter4"}) {
    EXPECT_EQ(out.find(secret), std::string::npos) << out;
  }
  EXPECT_NE(out.find("ALTER TABLE t COMMENT"), std::string::npos) << out;
}

TEST(RedactStatementSecrets, MessagesAreCutAfterRedaction) {
  const std::string out =
      RedactStatementForMessage("UPDATE users SET password='hunter2hunter2hunter2' WHERE id = 1", Engine::kMysql, 30);
  EXPECT_EQ(out.find("hunter"), std::string::npos) << out;
  EXPECT_EQ(out, "UPDATE users SET password='***... (44 bytes redacted)");
}

TEST(RedactStatementSecrets, PasswordsInAMultiStatementQueryString) {
  EXPECT_EQ(Pg("ALTER ROLE app PASSWORD 'secret'; ALTER TABLE t ADD COLUMN c int"),
            "ALTER ROLE app PASSWORD '***'; ALTER TABLE t ADD COLUMN c int");
  EXPECT_EQ(Pg("CREATE USER u WITH ENCRYPTED PASSWORD 'it''s';ALTER TABLE \"T\" ALTER COLUMN \"Col\" TYPE text"),
            "CREATE USER u WITH ENCRYPTED PASSWORD '***';ALTER TABLE \"T\" ALTER COLUMN \"Col\" TYPE text");
  EXPECT_EQ(Pg("create role r password $p$sec'ret$p$; alter table t rename to u"),
            "create role r password $p$***$p$; alter table t rename to u");
  EXPECT_EQ(Pg("ALTER ROLE r PASSWORD E'a\\'b'; ALTER TABLE t ADD c int"),
            "ALTER ROLE r PASSWORD E'***'; ALTER TABLE t ADD c int");
  EXPECT_EQ(Pg("CREATE SUBSCRIPTION s CONNECTION 'host=h password=pw' PUBLICATION p -- secret note\nALTER TABLE t"),
            "CREATE SUBSCRIPTION s CONNECTION '***' PUBLICATION p --***\nALTER TABLE t");
  EXPECT_EQ(Pg("ALTER ROLE r PASSWORD 'x' /* the secret /* nested */ is x */; ALTER TABLE t ADD c int"),
            "ALTER ROLE r PASSWORD '***' /*"
            "***"
            "*/; ALTER TABLE t ADD c int");
  EXPECT_EQ(My("CREATE USER u IDENTIFIED BY \"pw\\\"x\"; # secret\nALTER TABLE `t` ADD c INT"),
            "CREATE USER u IDENTIFIED BY \"***\"; #***\nALTER TABLE `t` ADD c INT");
}

// standard_conforming_strings decides whether a backslash ends a literal:
// whichever reading is right, the secret is hidden.
TEST(RedactStatementSecrets, BothReadingsOfABackslash) {
  // standard_conforming_strings on: the literal is 'a\', then 'secret'.
  std::string out = Pg("ALTER ROLE r PASSWORD 'a\\' || 'secret'; ALTER TABLE t ADD c int");
  EXPECT_EQ(out.find("secret"), std::string::npos) << out;
  // off: the literal is 'a\' secret' (the quote escaped). Read with it
  // on, the last quote opens a literal that never ends: the rest is hidden
  // too, more than needed rather than less.
  out = Pg("ALTER ROLE r PASSWORD 'a\\' secret'; ALTER TABLE t ADD c int");
  EXPECT_EQ(out, "ALTER ROLE r PASSWORD '***'***");
  out = My("SET PASSWORD = 'x\\' secret'; ALTER TABLE t ADD c INT");
  EXPECT_EQ(out.find("secret"), std::string::npos) << out;
}

TEST(RedactStatementSecrets, UnterminatedLiteralsHideTheRest) {
  EXPECT_EQ(Pg("ALTER ROLE r PASSWORD 'secret"), "ALTER ROLE r PASSWORD '***");
  EXPECT_EQ(Pg("ALTER ROLE r PASSWORD $$secret"), "ALTER ROLE r PASSWORD $$***");
  EXPECT_EQ(Pg("ALTER ROLE r PASSWORD $1"), "ALTER ROLE r PASSWORD $1");
}

}  // namespace
}  // namespace godwit
