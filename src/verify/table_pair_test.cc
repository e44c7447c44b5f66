#include "verify/table_pair.h"

#include <gtest/gtest.h>

namespace godwit {
namespace {

Column Col(std::string name, TypeKind kind, std::string native, bool nullable = true) {
  Column c;
  c.name = std::move(name);
  c.type.kind = kind;
  c.type.native = std::move(native);
  c.nullable = nullable;
  return c;
}

TableSchema Table(std::vector<Column> columns, std::vector<std::string> key) {
  TableSchema t;
  t.ref = {"s", "t"};
  t.columns = std::move(columns);
  if (!key.empty()) {
    IndexDef pk;
    pk.primary = true;
    for (auto& k : key) pk.columns.push_back({k});
    t.primary_key = pk;
  }
  return t;
}

TEST(PairTables, SameEngineAlikeIsCheckedInTheDatabaseByRanges) {
  auto t = Table({Col("id", TypeKind::kInt32, "int", false), Col("c", TypeKind::kVarchar, "varchar(10)")}, {"id"});
  auto p = PairTables(t, Engine::kMysql, t, Engine::kMysql, MethodChoice::kAuto);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->method, VerifyMethod::kDatabase);
  EXPECT_EQ(p->shape, UnitShape::kRanges);
  EXPECT_EQ(p->key_positions, std::vector<int>({0}));
}

TEST(PairTables, ADifferentDeclarationFallsBackToHashingAndSaysWhy) {
  auto s = Table({Col("id", TypeKind::kInt32, "int", false), Col("c", TypeKind::kVarchar, "varchar(10)")}, {"id"});
  auto d = Table({Col("id", TypeKind::kInt32, "int", false), Col("c", TypeKind::kVarchar, "varchar(20)")}, {"id"});
  auto p = PairTables(s, Engine::kMysql, d, Engine::kMysql, MethodChoice::kAuto);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->method, VerifyMethod::kHashed);
  EXPECT_NE(p->method_reason.find("column c is varchar(10) on the source and varchar(20)"), std::string::npos);
  auto refused = PairTables(s, Engine::kMysql, d, Engine::kMysql, MethodChoice::kDatabase);
  EXPECT_EQ(refused.status().code(), ErrorCode::kInvalidArgument);
}

TEST(PairTables, TextKeysAcrossEnginesAreComparedInBuckets) {
  auto s = Table({Col("code", TypeKind::kVarchar, "varchar(10)", false), Col("n", TypeKind::kInt32, "int")}, {"code"});
  auto d =
      Table({Col("n", TypeKind::kInt32, "integer"), Col("code", TypeKind::kVarchar, "character varying(10)", false)},
            {"code"});
  auto p = PairTables(s, Engine::kMysql, d, Engine::kPostgres, MethodChoice::kAuto);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->method, VerifyMethod::kHashed);
  EXPECT_EQ(p->shape, UnitShape::kBuckets);
  // Destination order: n, code.
  EXPECT_EQ(p->names, std::vector<std::string>({"n", "code"}));
  EXPECT_EQ(p->source_columns, std::vector<int>({1, 0}));
  EXPECT_EQ(p->key_positions, std::vector<int>({1}));
}

TEST(PairTables, IntegerKeysAcrossEnginesAreRanges) {
  auto s = Table({Col("id", TypeKind::kInt64, "bigint", false)}, {"id"});
  auto d = Table({Col("id", TypeKind::kInt64, "bigint", false)}, {"id"});
  auto p = PairTables(s, Engine::kPostgres, d, Engine::kMysql, MethodChoice::kAuto);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->shape, UnitShape::kRanges);
}

TEST(PairTables, ColumnsOnOneSideAreReportedAndTheRestCompared) {
  auto s = Table({Col("id", TypeKind::kInt32, "int", false), Col("old", TypeKind::kInt32, "int")}, {"id"});
  auto d = Table({Col("id", TypeKind::kInt32, "int", false), Col("new", TypeKind::kInt32, "int")}, {"id"});
  auto p = PairTables(s, Engine::kMysql, d, Engine::kMysql, MethodChoice::kAuto);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->only_in_source_columns, std::vector<std::string>({"old"}));
  EXPECT_EQ(p->only_in_destination_columns, std::vector<std::string>({"new"}));
  EXPECT_EQ(p->names, std::vector<std::string>({"id"}));
  EXPECT_EQ(p->method, VerifyMethod::kHashed);
}

TEST(PairTables, AKeylessTableIsOneWholeUnit) {
  auto t = Table({Col("a", TypeKind::kInt32, "int")}, {});
  auto p = PairTables(t, Engine::kPostgres, t, Engine::kPostgres, MethodChoice::kAuto);
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->shape, UnitShape::kWholeTable);
  EXPECT_TRUE(p->key_positions.empty());
}

TEST(PairTables, NoCommonColumnIsAnError) {
  auto s = Table({Col("a", TypeKind::kInt32, "int")}, {});
  auto d = Table({Col("b", TypeKind::kInt32, "int")}, {});
  EXPECT_EQ(PairTables(s, Engine::kMysql, d, Engine::kMysql, MethodChoice::kAuto).status().code(),
            ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace godwit
