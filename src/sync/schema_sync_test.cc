#include "sync/schema_sync.h"

#include <gtest/gtest.h>

namespace godwit {
namespace {

Column Col(const std::string& name, TypeKind kind, int length = 0, bool nullable = true) {
  Column c;
  c.name = name;
  c.type.kind = kind;
  c.type.length = length;
  c.nullable = nullable;
  return c;
}

TableSchema Orders() {
  TableSchema t;
  t.ref = {"public", "orders"};
  t.columns = {Col("id", TypeKind::kInt64, 0, false), Col("note", TypeKind::kVarchar, 20)};
  IndexDef pk;
  pk.name = "orders_pkey";
  pk.primary = true;
  pk.columns = {{"id"}};
  t.primary_key = pk;
  return t;
}

std::string Joined(const TableChange& c) {
  std::string out;
  for (const auto& s : c.statements) out += s + ";\n";
  return out;
}

TEST(PlanTableChange, AddsAndDropsColumnsOnPostgres) {
  const Dialect& pg = DialectFor(Engine::kPostgres);
  TableSchema now = Orders();
  TableSchema wanted = Orders();
  wanted.columns.erase(wanted.columns.begin() + 1);
  wanted.columns.push_back(Col("qty", TypeKind::kInt32, 0, true));
  auto change = PlanTableChange(wanted, now, pg, {});
  ASSERT_TRUE(change.ok()) << change.status().ToString();
  EXPECT_EQ(Joined(*change),
            "ALTER TABLE \"public\".\"orders\" DROP COLUMN \"note\";\n"
            "ALTER TABLE \"public\".\"orders\" ADD COLUMN \"qty\" integer;\n");
  // Applied twice (a restart before the checkpoint): nothing left to do.
  auto again = PlanTableChange(wanted, wanted, pg, {});
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->statements.empty()) << Joined(*again);
}

TEST(PlanTableChange, RenameOnlyWhenAskedAndAtTheSamePosition) {
  const Dialect& my = DialectFor(Engine::kMysql);
  TableSchema now = Orders();
  now.ref = {"shop", "orders"};
  TableSchema wanted = now;
  wanted.columns[1].name = "remark";
  auto drop_add = PlanTableChange(wanted, now, my, {});
  ASSERT_TRUE(drop_add.ok());
  EXPECT_NE(Joined(*drop_add).find("DROP COLUMN `note`"), std::string::npos) << Joined(*drop_add);
  auto rename = PlanTableChange(wanted, now, my, {.detect_renames = true});
  ASSERT_TRUE(rename.ok());
  EXPECT_EQ(Joined(*rename), "ALTER TABLE `shop`.`orders` RENAME COLUMN `note` TO `remark`;\n");
}

TEST(PlanTableChange, RedefinesOnlyTheNamedColumns) {
  const Dialect& my = DialectFor(Engine::kMysql);
  TableSchema now = Orders();
  now.ref = {"shop", "orders"};
  TableSchema wanted = now;
  wanted.columns[1].type.length = 40;
  wanted.columns[1].nullable = false;
  auto untouched = PlanTableChange(wanted, now, my, {});
  ASSERT_TRUE(untouched.ok());
  EXPECT_TRUE(untouched->statements.empty());
  auto modified = PlanTableChange(wanted, now, my, {.redefines = [](const std::string& c) { return c == "note"; }});
  ASSERT_TRUE(modified.ok()) << modified.status().ToString();
  ASSERT_EQ(modified->statements.size(), 1u);
  EXPECT_EQ(modified->statements[0].rfind("ALTER TABLE `shop`.`orders` MODIFY COLUMN `note` VARCHAR(40)", 0), 0u)
      << modified->statements[0];
  EXPECT_NE(modified->statements[0].find("NOT NULL"), std::string::npos);

  const Dialect& pg = DialectFor(Engine::kPostgres);
  now.ref = wanted.ref = {"public", "orders"};
  auto on_pg = PlanTableChange(wanted, now, pg, {.redefines = [](const std::string&) { return true; }});
  ASSERT_TRUE(on_pg.ok());
  EXPECT_NE(
      Joined(*on_pg).find("ALTER COLUMN \"note\" TYPE character varying(40) USING \"note\"::character varying(40)"),
      std::string::npos)
      << Joined(*on_pg);
  EXPECT_NE(Joined(*on_pg).find("ALTER COLUMN \"note\" SET NOT NULL"), std::string::npos);
}

TEST(PlanTableChange, IndexesCreatedAndDroppedByShape) {
  const Dialect& pg = DialectFor(Engine::kPostgres);
  TableSchema now = Orders();
  IndexDef old_index;
  old_index.name = "orders_note_idx";
  old_index.columns = {{"note"}};
  now.indexes = {old_index};
  TableSchema wanted = Orders();
  IndexDef unique_note;
  unique_note.name = "note_u";
  unique_note.unique = true;
  unique_note.columns = {{"note"}};
  wanted.indexes = {unique_note};
  auto change = PlanTableChange(wanted, now, pg, {});
  ASSERT_TRUE(change.ok());
  ASSERT_EQ(change->statements.size(), 2u) << Joined(*change);
  EXPECT_EQ(change->statements[0], "DROP INDEX IF EXISTS \"public\".\"orders_note_idx\"");
  EXPECT_EQ(change->statements[1].rfind("CREATE UNIQUE INDEX", 0), 0u) << change->statements[1];
}

TEST(PlanTableChange, CreatesAndDropsWholeTables) {
  const Dialect& pg = DialectFor(Engine::kPostgres);
  auto create = PlanTableChange(Orders(), std::nullopt, pg, {});
  ASSERT_TRUE(create.ok());
  ASSERT_FALSE(create->statements.empty());
  EXPECT_EQ(create->statements[0].rfind("CREATE TABLE \"public\".\"orders\"", 0), 0u);
  auto drop = PlanTableChange(std::nullopt, Orders(), pg, {});
  ASSERT_TRUE(drop.ok());
  EXPECT_EQ(Joined(*drop), "DROP TABLE IF EXISTS \"public\".\"orders\";\n");
}

// PostgreSQL: ADD qty, RENAME v TO label, DROP b all ran before the Writer
// reached the first row with qty; that row still has v and b.
TEST(ShapeAsOfChange, FollowsTheStreamNotTheCatalog) {
  TableSchema dest = Orders();  // id, note
  dest.columns.push_back(Col("b", TypeKind::kBlob));
  TableSchema now = Orders();
  now.columns[1].name = "label";
  now.columns.push_back(Col("qty", TypeKind::kInt32, 0, false));  // id, label, qty
  auto first = ShapeAsOfChange(now, dest, {"id", "note", "b", "qty"});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  std::vector<std::string> names;
  for (const auto& c : first->columns) names.push_back(c.name);
  EXPECT_EQ(names, (std::vector<std::string>{"id", "note", "b", "qty"}));
  EXPECT_EQ(first->columns[3].type.kind, TypeKind::kInt32);
  // The next row, after the rename: label takes note's place and its values.
  auto second = ShapeAsOfChange(now, *first, {"id", "label", "b", "qty"});
  ASSERT_TRUE(second.ok());
  auto change = PlanTableChange(*second, *first, DialectFor(Engine::kPostgres), {.detect_renames = true});
  ASSERT_TRUE(change.ok());
  EXPECT_EQ(Joined(*change), "ALTER TABLE \"public\".\"orders\" RENAME COLUMN \"note\" TO \"label\";\n");
  auto unknown = ShapeAsOfChange(now, dest, {"id", "note", "b", "qty", "mystery"});
  EXPECT_FALSE(unknown.ok());
}

}  // namespace
}  // namespace godwit
