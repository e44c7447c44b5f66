#include <gtest/gtest.h>

#include <set>

#include "replay/partitioned_applier.h"

namespace godwit {
namespace {

Column Col(const std::string& name, TypeKind kind) {
  Column c;
  c.name = name;
  c.type.kind = kind;
  c.nullable = false;
  return c;
}

TableSchema Keyed(const std::string& name, TypeKind key_kind = TypeKind::kInt64) {
  TableSchema t;
  t.ref = {"public", name};
  t.columns = {Col("id", key_kind), Col("v", TypeKind::kText)};
  IndexDef pk;
  pk.primary = true;
  pk.columns = {{"id"}};
  t.primary_key = pk;
  return t;
}

ChangeEvent Insert(const std::string& table, const std::string& id, const std::string& v = "x") {
  ChangeEvent e;
  e.kind = ChangeKind::kInsert;
  e.table = {"public", table};
  e.columns = {"id", "v"};
  e.after = {FieldValue::Of(id), FieldValue::Of(v)};
  return e;
}

ChangeEvent Update(const std::string& table, const std::string& from, const std::string& to, FieldValue v) {
  ChangeEvent e;
  e.kind = ChangeKind::kUpdate;
  e.table = {"public", table};
  e.columns = {"id", "v"};
  e.before = {FieldValue::Of(from), FieldValue::Of("old")};
  e.after = {FieldValue::Of(to), std::move(v)};
  return e;
}

ChangeEvent Delete(const std::string& table, const std::string& id) {
  ChangeEvent e;
  e.kind = ChangeKind::kDelete;
  e.table = {"public", table};
  e.columns = {"id", "v"};
  e.before = {FieldValue::Of(id), FieldValue::Null()};
  return e;
}

// The single partition `e` goes to.
int PartitionOf(PartitionRouter& router, ChangeEvent e) {
  std::vector<RoutedChange> out;
  EXPECT_TRUE(router.Route(e, out));
  EXPECT_EQ(out.size(), 1u);
  return out.empty() ? -1 : out[0].partition;
}

std::map<TableRef, TableSchema> Tables(std::initializer_list<TableSchema> list) {
  std::map<TableRef, TableSchema> m;
  for (const TableSchema& t : list) m[t.ref] = t;
  return m;
}

TEST(PartitionRouterTest, ChangesToOneRowGoToOnePartitionAndRowsSpreadOverAll) {
  PartitionRouter router(Tables({Keyed("t")}), DialectFor(Engine::kPostgres), 4);
  std::set<int> used;
  for (int id = 0; id < 200; ++id) {
    const std::string key = std::to_string(id);
    const int p = PartitionOf(router, Insert("t", key));
    EXPECT_EQ(PartitionOf(router, Update("t", key, key, FieldValue::Of("y"))), p);
    EXPECT_EQ(PartitionOf(router, Delete("t", key)), p);
    used.insert(p);
  }
  EXPECT_EQ(used, (std::set<int>{0, 1, 2, 3}));
}

TEST(PartitionRouterTest, AKeyChangeIsADeleteOfTheOldKeyAndAnUpsertOfTheNewRowInTheirPartitions) {
  PartitionRouter router(Tables({Keyed("t")}), DialectFor(Engine::kPostgres), 4);
  // Two keys in different partitions.
  std::string a = "1", b;
  const int pa = PartitionOf(router, Insert("t", a));
  int pb = pa;
  for (int id = 2; pb == pa; ++id) {
    b = std::to_string(id);
    pb = PartitionOf(router, Insert("t", b));
  }
  ChangeEvent move = Update("t", a, b, FieldValue::Of("moved"));
  std::vector<RoutedChange> out;
  ASSERT_TRUE(router.Route(move, out));
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].partition, pa);
  EXPECT_EQ(out[0].event.kind, ChangeKind::kDelete);
  EXPECT_EQ(out[0].event.before[0], FieldValue::Of(a));
  EXPECT_EQ(out[1].partition, pb);
  EXPECT_EQ(out[1].event.kind, ChangeKind::kUpdate);
  EXPECT_EQ(out[1].event.before, out[1].event.after);
  EXPECT_EQ(out[1].event.after[1], FieldValue::Of("moved"));
}

TEST(PartitionRouterTest, AKeyChangeLeavingAColumnUnchangedAndATruncateApplySerially) {
  PartitionRouter router(Tables({Keyed("t")}), DialectFor(Engine::kPostgres), 4);
  ChangeEvent move = Update("t", "1", "2", FieldValue::Unchanged());
  std::vector<RoutedChange> out;
  EXPECT_FALSE(router.Route(move, out));
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(move.before[0], FieldValue::Of("1"));  // untouched
  ChangeEvent truncate;
  truncate.kind = ChangeKind::kTruncate;
  truncate.table = {"public", "t"};
  EXPECT_FALSE(router.Route(truncate, out));
  // Unchanged columns without a key change stay by key.
  EXPECT_EQ(PartitionOf(router, Update("t", "1", "1", FieldValue::Unchanged())), PartitionOf(router, Insert("t", "1")));
}

TEST(PartitionRouterTest, RowsThatAreNotIndependentOnTheDestinationStayInOnePartitionPerTable) {
  TableSchema keyless = Keyed("keyless");
  keyless.primary_key.reset();
  TableSchema unique = Keyed("unique_v");
  IndexDef u;
  u.unique = true;
  u.columns = {{"v"}};
  unique.indexes.push_back(u);
  TableSchema parent = Keyed("parent");
  TableSchema child = Keyed("child");
  child.foreign_keys.push_back({"fk", {"v"}, parent.ref, {"id"}, "", ""});
  TableSchema collated = Keyed("collated", TypeKind::kVarchar);
  PartitionRouter router(Tables({keyless, unique, parent, child}), DialectFor(Engine::kPostgres), 4);
  for (const char* table : {"keyless", "unique_v", "parent", "child"}) {
    std::set<int> used;
    for (int id = 0; id < 50; ++id) used.insert(PartitionOf(router, Insert(table, std::to_string(id))));
    EXPECT_EQ(used.size(), 1u) << table;
  }
  EXPECT_EQ(PartitionOf(router, Insert("parent", "1")), PartitionOf(router, Insert("child", "7")));

  // MySQL compares VARCHAR keys through their collation ('A' = 'a'): by table.
  PartitionRouter mysql(Tables({collated}), DialectFor(Engine::kMysql), 4);
  std::set<int> used;
  for (int id = 0; id < 50; ++id) used.insert(PartitionOf(mysql, Insert("collated", "k" + std::to_string(id))));
  EXPECT_EQ(used.size(), 1u);
}

TEST(PartitionRouterTest, ASchemaChangeReroutesTheTable) {
  PartitionRouter router(Tables({Keyed("t")}), DialectFor(Engine::kPostgres), 4);
  TableSchema now_unique = Keyed("t");
  IndexDef u;
  u.unique = true;
  u.columns = {{"v"}};
  now_unique.indexes.push_back(u);
  router.SetTable(now_unique.ref, now_unique);
  std::set<int> used;
  for (int id = 0; id < 50; ++id) used.insert(PartitionOf(router, Insert("t", std::to_string(id))));
  EXPECT_EQ(used.size(), 1u);
}

}  // namespace
}  // namespace godwit
