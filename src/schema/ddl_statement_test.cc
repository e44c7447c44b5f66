#include "schema/ddl_statement.h"

#include <gtest/gtest.h>

namespace godwit {
namespace {

TEST(ClassifyDdl, TableStatementsNameTheirTable) {
  auto d = ClassifyDdl("ALTER TABLE orders ADD COLUMN note TEXT", "shop", Engine::kMysql);
  EXPECT_EQ(d.kind, DdlKind::kAlterTable);
  EXPECT_EQ(d.table, (TableRef{"shop", "orders"}));

  d = ClassifyDdl("create table if not exists `sales`.`Order Lines` (id int primary key)", "shop", Engine::kMysql);
  EXPECT_EQ(d.kind, DdlKind::kCreateTable);
  EXPECT_EQ(d.table, (TableRef{"sales", "Order Lines"}));

  d = ClassifyDdl("DROP TABLE IF EXISTS t1", "shop", Engine::kMysql);
  EXPECT_EQ(d.kind, DdlKind::kDropTable);
  EXPECT_EQ(d.table, (TableRef{"shop", "t1"}));

  d = ClassifyDdl("RENAME TABLE a TO b", "shop", Engine::kMysql);
  EXPECT_EQ(d.kind, DdlKind::kRenameTable);
  EXPECT_EQ(d.table, (TableRef{"shop", "a"}));

  d = ClassifyDdl("RENAME TABLE a TO `sales`.b, c TO d", "shop", Engine::kMysql);
  EXPECT_EQ(d.new_table, (TableRef{"sales", "b"}));

  d = ClassifyDdl("ALTER TABLE a RENAME TO b", "shop", Engine::kMysql);
  EXPECT_EQ(d.kind, DdlKind::kRenameTable);
  EXPECT_EQ(d.new_table, (TableRef{"shop", "b"}));
  d = ClassifyDdl("ALTER TABLE a RENAME `b`", "shop", Engine::kMysql);
  EXPECT_EQ(d.kind, DdlKind::kRenameTable);
  EXPECT_EQ(d.new_table, (TableRef{"shop", "b"}));
  d = ClassifyDdl("ALTER TABLE a RENAME COLUMN x TO y", "shop", Engine::kMysql);
  EXPECT_EQ(d.kind, DdlKind::kAlterTable);
  EXPECT_FALSE(d.changes_column_definitions);
  d = ClassifyDdl("ALTER TABLE a MODIFY v VARCHAR(40) NOT NULL", "shop", Engine::kMysql);
  EXPECT_TRUE(d.changes_column_definitions);
  d = ClassifyDdl("ALTER TABLE a ADD COLUMN w INT", "shop", Engine::kMysql);
  EXPECT_FALSE(d.changes_column_definitions);

  d = ClassifyDdl("TRUNCATE orders", "shop", Engine::kMysql);
  EXPECT_EQ(d.kind, DdlKind::kTruncateTable);
  EXPECT_EQ(d.table, (TableRef{"shop", "orders"}));

  d = ClassifyDdl("/* comment */ CREATE UNIQUE INDEX ix ON `orders` (a, b)", "shop", Engine::kMysql);
  EXPECT_EQ(d.kind, DdlKind::kCreateIndex);
  EXPECT_EQ(d.table, (TableRef{"shop", "orders"}));

  d = ClassifyDdl("DROP INDEX ix ON orders", "shop", Engine::kMysql);
  EXPECT_EQ(d.kind, DdlKind::kDropIndex);
  EXPECT_EQ(d.table, (TableRef{"shop", "orders"}));

  d = ClassifyDdl("ALTER ONLINE TABLE \"x\"\"y\" ADD c int", "public", Engine::kMysql);
  EXPECT_EQ(d.kind, DdlKind::kAlterTable);
  EXPECT_EQ(d.table, (TableRef{"public", "x\"y"}));
}

// Literals and comments are read by the SQL lexer: nothing in them is a
// keyword or a name.
TEST(ClassifyDdl, LiteralsAndCommentsHoldNoWords) {
  auto d = ClassifyDdl("ALTER TABLE t ADD COLUMN c INT COMMENT 'it\\'s RENAME TO evil'", "shop", Engine::kMysql);
  EXPECT_EQ(d.kind, DdlKind::kAlterTable);
  EXPECT_EQ(d.new_table.name, "");
  EXPECT_FALSE(d.changes_column_definitions);

  d = ClassifyDdl("ALTER TABLE t ADD COLUMN c TEXT DEFAULT 'a;b' COMMENT 'MODIFY'", "shop", Engine::kMysql);
  EXPECT_EQ(d.kind, DdlKind::kAlterTable);
  EXPECT_FALSE(d.changes_column_definitions);

  // A comment opener inside a literal hides nothing after it.
  d = ClassifyDdl("ALTER TABLE t COMMENT ' /* ', RENAME TO u", "shop", Engine::kMysql);
  EXPECT_EQ(d.kind, DdlKind::kRenameTable);
  EXPECT_EQ(d.new_table, (TableRef{"shop", "u"}));
  d = ClassifyDdl("ALTER TABLE t COMMENT 'it\\'s # not a comment', RENAME TO u", "shop", Engine::kMysql);
  EXPECT_EQ(d.kind, DdlKind::kRenameTable);

  // A quote inside a comment opens nothing.
  d = ClassifyDdl("/* it's */ ALTER TABLE t -- it's\n RENAME TO u", "shop", Engine::kMysql);
  EXPECT_EQ(d.kind, DdlKind::kRenameTable);
  EXPECT_EQ(d.new_table, (TableRef{"shop", "u"}));
  d = ClassifyDdl("ALTER TABLE t # it's\n RENAME TO u", "shop", Engine::kMysql);
  EXPECT_EQ(d.kind, DdlKind::kRenameTable);

  // MySQL executable comments are code.
  EXPECT_EQ(ClassifyDdl("CREATE /*!32302 TEMPORARY */ TABLE t (a int)", "shop", Engine::kMysql).kind, DdlKind::kOther);

  // Written under NO_BACKSLASH_ESCAPES: 'a\' is a whole literal.
  d = ClassifyDdl("ALTER TABLE t COMMENT 'a\\', RENAME TO u", "shop", Engine::kMysql);
  EXPECT_EQ(d.kind, DdlKind::kRenameTable);

  // PostgreSQL's literals have no backslash escapes.
  d = ClassifyDdl("ALTER TABLE t ADD COLUMN c text DEFAULT 'x\\', ALTER COLUMN d TYPE int -- '", "public",
                  Engine::kPostgres);
  EXPECT_TRUE(d.changes_column_definitions);
  d = ClassifyDdl("ALTER TABLE t ADD COLUMN c text DEFAULT $$ ALTER COLUMN d TYPE int $$", "public", Engine::kPostgres);
  EXPECT_FALSE(d.changes_column_definitions);
}

TEST(ClassifyDdl, OtherStatementsAreNotTableDdl) {
  for (const char* s :
       {"GRANT SELECT ON shop.* TO app", "FLUSH PRIVILEGES", "CREATE USER x", "CREATE VIEW v AS SELECT 1",
        "CREATE TEMPORARY TABLE t (a int)", "DROP INDEX ix", "ANALYZE TABLE t", ""}) {
    EXPECT_EQ(ClassifyDdl(s, "shop", Engine::kMysql).kind, DdlKind::kOther) << s;
  }
}

// PostgreSQL renames a column with RENAME alone (COLUMN is optional);
// MySQL's bare RENAME renames the table.
TEST(MayRenameColumns, ReadsEachDialectsRenames) {
  EXPECT_TRUE(MayRenameColumns("alter table t rename column a to b", Engine::kMysql));
  EXPECT_TRUE(MayRenameColumns("ALTER TABLE t CHANGE a b INT", Engine::kMysql));
  EXPECT_FALSE(MayRenameColumns("ALTER TABLE t RENAME TO u", Engine::kMysql));
  EXPECT_TRUE(MayRenameColumns("ALTER TABLE t RENAME a TO b", Engine::kPostgres));
  EXPECT_FALSE(MayRenameColumns("ALTER TABLE t ADD COLUMN c int", Engine::kPostgres));
}

}  // namespace
}  // namespace godwit
