#include "connector/mysql/mysql_grants.h"

#include <gtest/gtest.h>

namespace godwit::mysql {
namespace {

TEST(MysqlGrantPatternTest, LikeWildcardsAndEscapes) {
  EXPECT_TRUE(MysqlGrantPatternMatches("shop", "shop"));
  EXPECT_FALSE(MysqlGrantPatternMatches("shop", "shops"));
  EXPECT_TRUE(MysqlGrantPatternMatches("shop%", "shop_2024"));
  EXPECT_TRUE(MysqlGrantPatternMatches("%", "anything"));
  EXPECT_TRUE(MysqlGrantPatternMatches("db_", "db1"));
  EXPECT_FALSE(MysqlGrantPatternMatches("db\\_", "db1"));
  EXPECT_TRUE(MysqlGrantPatternMatches("db\\_", "db_"));
  EXPECT_TRUE(MysqlGrantPatternMatches("a%b%c", "axxbyyc"));
  EXPECT_FALSE(MysqlGrantPatternMatches("a%b%c", "axxbyy"));
}

TEST(MysqlGrantsTest, GlobalAllCoversEverything) {
  auto g =
      MysqlGrants::Parse({"GRANT ALL PRIVILEGES ON *.* TO `godwit`@`127.0.0.1` IDENTIFIED BY PASSWORD "
                          "'*12549CBFA60A5F12D76B26D54C01E57DEB9BD4F6' WITH GRANT OPTION"});
  EXPECT_TRUE(g.HasGlobal("REPLICATION SLAVE"));
  EXPECT_TRUE(g.HasOnDatabase("CREATE", "shop"));
}

TEST(MysqlGrantsTest, DatabaseTableAndRoleGrants) {
  // MariaDB lists the current role's grants after the user's own.
  auto g = MysqlGrants::Parse({
      "GRANT `pc_role` TO `pcu`@`127.0.0.1`",
      "GRANT USAGE ON *.* TO `pcu`@`127.0.0.1` IDENTIFIED BY PASSWORD '*B69027D44F6E5EDC07F1AEAD1477967B16F28227'",
      "GRANT DELETE ON `pcx`.* TO `pcu`@`127.0.0.1`",
      "GRANT SELECT, INSERT ON *.* TO `pc_role`",
      "GRANT CREATE ON `pc\\_%`.* TO `pc_role`",
      "GRANT SELECT (`a`, `b`), UPDATE ON `pcx`.`t` TO `pcu`@`127.0.0.1`",
      "GRANT EXECUTE ON PROCEDURE `pcx`.`p` TO `pcu`@`127.0.0.1`",
      "GRANT REPLICATION SLAVE, BINLOG MONITOR ON *.* TO `pcu`@`127.0.0.1`",
      "SET DEFAULT ROLE `pc_role` FOR `pcu`@`127.0.0.1`",
  });
  EXPECT_TRUE(g.HasGlobal("SELECT"));
  EXPECT_TRUE(g.HasGlobal("REPLICATION SLAVE"));
  EXPECT_TRUE(g.HasGlobal("BINLOG MONITOR"));
  EXPECT_FALSE(g.HasGlobal("DELETE"));
  EXPECT_TRUE(g.HasOnDatabase("DELETE", "pcx"));
  EXPECT_FALSE(g.HasOnDatabase("DELETE", "other"));
  EXPECT_TRUE(g.HasOnDatabase("CREATE", "pc_1"));
  EXPECT_FALSE(g.HasOnDatabase("CREATE", "pcx"));  // `\_` is a literal underscore
  EXPECT_FALSE(g.HasOnDatabase("UPDATE", "pcx"));
  EXPECT_TRUE(g.HasOnTable("UPDATE", "pcx", "t"));
  EXPECT_FALSE(g.HasOnTable("UPDATE", "pcx", "u"));
  EXPECT_FALSE(g.HasGlobal("EXECUTE"));
}

TEST(MysqlGrantsTest, PartialRevokeWins) {
  auto g = MysqlGrants::Parse({"GRANT INSERT, DELETE ON *.* TO `u`@`%`", "REVOKE DELETE ON `mysql`.* FROM `u`@`%`"});
  EXPECT_TRUE(g.HasOnDatabase("DELETE", "shop"));
  EXPECT_FALSE(g.HasOnDatabase("DELETE", "mysql"));
  EXPECT_TRUE(g.HasOnDatabase("INSERT", "mysql"));
}

TEST(MysqlGrantsTest, BackquotedNamesWithOddCharacters) {
  auto g = MysqlGrants::Parse({"GRANT INSERT ON `we``ird ON db`.* TO `u`@`%`", "GRANT PROXY ON ''@'' TO `u`@`%`"});
  EXPECT_TRUE(g.HasOnDatabase("INSERT", "we`ird ON db"));
  EXPECT_FALSE(g.HasGlobal("PROXY"));
}

}  // namespace
}  // namespace godwit::mysql
