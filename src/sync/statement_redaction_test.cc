#include "sync/statement_redaction.h"

#include <gtest/gtest.h>

namespace godwit {
namespace {

std::string Pg(std::string_view s) { return RedactStatementSecrets(s, Engine::kPostgres); }
std::string My(std::string_view s) { return RedactStatementSecrets(s, Engine::kMysql); }

TEST(RedactStatementSecrets, StatementsWithoutSecretsStayAsTheyAre) {
  const std::string sql = "ALTER TABLE t ADD COLUMN c text DEFAULT 'x', ALTER COLUMN \"N\" TYPE bigint";
  EXPECT_FALSE(MentionsSecret(sql));
  EXPECT_EQ(Pg(sql), sql);
  EXPECT_EQ(My(sql), sql);
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
            "ALTER ROLE r PASSWORD '***' /*" "***" "*/; ALTER TABLE t ADD c int");
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
