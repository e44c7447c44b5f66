#include "schema/mysql_key_fit.h"

#include <gtest/gtest.h>

#include "schema/dialects.h"

namespace godwit {
namespace {

Column Col(const std::string& name, TypeKind kind, uint32_t length = 0, bool nullable = true) {
  Column c;
  c.name = name;
  c.type = TypeOf(kind, length);
  c.nullable = nullable;
  return c;
}

IndexDef Key(const std::string& name, std::vector<std::string> cols, bool unique, bool primary = false) {
  IndexDef idx;
  idx.name = name;
  idx.unique = unique || primary;
  idx.primary = primary;
  for (auto& c : cols) idx.columns.push_back({c, 0, false});
  return idx;
}

TableSchema RegionTable() {
  TableSchema t;
  t.ref = {"shop", "stock"};
  t.columns = {Col("region", TypeKind::kText, 0, false), Col("seq", TypeKind::kInt32, 0, false)};
  t.primary_key = Key("PRIMARY", {"region", "seq"}, true, true);
  return t;
}

TEST(MysqlKeyFit, TextAndIntPrimaryKeyGetsTheLargestLengthThatFits) {
  TableSchema t = RegionTable();
  EXPECT_EQ(KeyColumnsToMeasure(t), std::vector<std::string>{"region"});
  auto w = FitKeysToMysql(t, {{"region", 12}}, "public.stock");
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  // 3072 bytes less the INT's 4, at 4 bytes a character.
  EXPECT_EQ(t.columns[0].type.kind, TypeKind::kVarchar);
  EXPECT_EQ(t.columns[0].type.length, 767u);
  ASSERT_EQ(w->size(), 1u);
  EXPECT_NE((*w)[0].find("'region'"), std::string::npos);
  EXPECT_NE((*w)[0].find("VARCHAR(767)"), std::string::npos);
  // What CreateTable then writes is accepted by MariaDB: 767 * 4 + 4.
  auto ddl = MysqlDialect().CreateTable(t);
  ASSERT_TRUE(ddl.ok());
  EXPECT_NE((*ddl)[0].find("`region` VARCHAR(767)"), std::string::npos) << (*ddl)[0];
}

TEST(MysqlKeyFit, SeveralTextColumnsShareInProportionToTheirLongestValues) {
  TableSchema t;
  t.ref = {"", "pairs"};
  t.columns = {Col("a", TypeKind::kText), Col("b", TypeKind::kText), Col("n", TypeKind::kInt64)};
  t.indexes.push_back(Key("pairs_ab", {"a", "b", "n"}, true));
  auto w = FitKeysToMysql(t, {{"a", 300}, {"b", 100}}, "pairs");
  ASSERT_TRUE(w.ok());
  // (3072 - 8) bytes = 766 characters, 3:1.
  EXPECT_EQ(t.columns[0].type.length, 574u);
  EXPECT_EQ(t.columns[1].type.length, 191u);
  EXPECT_LE((t.columns[0].type.length + t.columns[1].type.length) * 4 + 8, kMysqlMaxKeyBytes);
  EXPECT_GE(t.columns[0].type.length, 300u);
  EXPECT_GE(t.columns[1].type.length, 100u);
}

TEST(MysqlKeyFit, BoundedVarcharLeavesWhatItCannotUseToTheOthers) {
  TableSchema t;
  t.ref = {"", "mixed"};
  t.columns = {Col("code", TypeKind::kVarchar, 10), Col("label", TypeKind::kText)};
  t.primary_key = Key("PRIMARY", {"code", "label"}, true, true);
  auto w = FitKeysToMysql(t, {{"code", 10}, {"label", 10}}, "mixed");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(t.columns[0].type.length, 10u);
  EXPECT_EQ(t.columns[1].type.length, 758u);  // (3072 - 40) / 4
  EXPECT_EQ(w->size(), 1u);                   // code kept its own length
}

TEST(MysqlKeyFit, ColumnsThatFitAsDeclaredAreNotMeasured) {
  TableSchema t;
  t.ref = {"", "small"};
  t.columns = {Col("code", TypeKind::kVarchar, 100), Col("n", TypeKind::kInt32)};
  t.primary_key = Key("PRIMARY", {"code", "n"}, true, true);
  EXPECT_TRUE(KeyColumnsToMeasure(t).empty());
  auto w = FitKeysToMysql(t, {}, "small");
  ASSERT_TRUE(w.ok());
  EXPECT_TRUE(w->empty());
  EXPECT_EQ(t.columns[0].type.length, 100u);
}

TEST(MysqlKeyFit, AColumnInTwoKeysTakesTheSmallerShare) {
  TableSchema t;
  t.ref = {"", "two"};
  t.columns = {Col("a", TypeKind::kText), Col("b", TypeKind::kText)};
  t.primary_key = Key("PRIMARY", {"a"}, true, true);
  t.indexes.push_back(Key("two_ab", {"a", "b"}, true));
  auto w = FitKeysToMysql(t, {{"a", 50}, {"b", 50}}, "two");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(t.columns[0].type.length, 384u);
  EXPECT_EQ(t.columns[1].type.length, 384u);
}

TEST(MysqlKeyFit, UniqueKeyWhoseValuesCannotFitFailsNamingKeyAndColumn) {
  TableSchema t = RegionTable();
  auto w = FitKeysToMysql(t, {{"region", 2000}}, "public.stock");
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().code(), ErrorCode::kUnsupported);
  EXPECT_NE(w.status().message().find("primary key of public.stock"), std::string::npos) << w.status().message();
  EXPECT_NE(w.status().message().find("'region'"), std::string::npos);
  EXPECT_NE(w.status().message().find("2000"), std::string::npos);
  EXPECT_FALSE(w.status().hint().empty());
}

TEST(MysqlKeyFit, NonUniqueIndexThatCannotFitBecomesAPrefixIndex) {
  TableSchema t;
  t.ref = {"", "notes"};
  t.columns = {Col("id", TypeKind::kInt32), Col("title", TypeKind::kText), Col("body", TypeKind::kText)};
  t.primary_key = Key("PRIMARY", {"id"}, true, true);
  t.indexes.push_back(Key("notes_tb", {"title", "body"}, false));
  auto w = FitKeysToMysql(t, {{"title", 1000}, {"body", 3000}}, "notes");
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ(t.columns[1].type.kind, TypeKind::kText);
  EXPECT_EQ(t.columns[2].type.kind, TypeKind::kText);
  EXPECT_EQ(t.indexes[0].columns[0].prefix_length, 192u);
  EXPECT_EQ(t.indexes[0].columns[1].prefix_length, 576u);
  ASSERT_EQ(w->size(), 1u);
  EXPECT_NE((*w)[0].find("prefix"), std::string::npos);
  auto idx = MysqlDialect().CreateIndex(t, t.indexes[0]);
  ASSERT_TRUE(idx.ok());
  EXPECT_EQ(*idx, "CREATE INDEX `notes_tb` ON `notes` (`title`(192), `body`(576))");
}

TEST(MysqlKeyFit, NonUniqueIndexThatFitsSizesItsColumns) {
  TableSchema t;
  t.ref = {"", "notes"};
  t.columns = {Col("title", TypeKind::kText), Col("body", TypeKind::kText)};
  t.indexes.push_back(Key("notes_tb", {"title", "body"}, false));
  auto w = FitKeysToMysql(t, {{"title", 10}, {"body", 10}}, "notes");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(t.columns[0].type.kind, TypeKind::kVarchar);
  EXPECT_EQ(t.columns[0].type.length, 384u);
  EXPECT_EQ(t.indexes[0].columns[0].prefix_length, 0u);
}

TEST(MysqlKeyFit, BinaryColumnsCountBytes) {
  TableSchema t;
  t.ref = {"", "blobs"};
  t.columns = {Col("h", TypeKind::kBlob), Col("n", TypeKind::kInt64)};
  t.primary_key = Key("PRIMARY", {"h", "n"}, true, true);
  auto w = FitKeysToMysql(t, {{"h", 32}}, "blobs");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(t.columns[0].type.kind, TypeKind::kVarbinary);
  EXPECT_EQ(t.columns[0].type.length, 3064u);
}

TEST(MysqlKeyFit, EmptyTableSharesEqually) {
  TableSchema t;
  t.ref = {"", "e"};
  t.columns = {Col("a", TypeKind::kText), Col("b", TypeKind::kText)};
  t.primary_key = Key("PRIMARY", {"a", "b"}, true, true);
  auto w = FitKeysToMysql(t, {}, "e");
  ASSERT_TRUE(w.ok());
  EXPECT_EQ(t.columns[0].type.length, 384u);
  EXPECT_EQ(t.columns[1].type.length, 384u);
}

TEST(MysqlKeyFit, LongestValueQueryPerEngine) {
  Column text = Col("region", TypeKind::kText);
  Column bin = Col("h", TypeKind::kBlob);
  EXPECT_EQ(LongestValueQuery(PostgresDialect(), {"public", "stock"}, text),
            "SELECT max(char_length(\"region\")) FROM \"public\".\"stock\"");
  EXPECT_EQ(LongestValueQuery(PostgresDialect(), {"public", "stock"}, bin),
            "SELECT max(octet_length(\"h\")) FROM \"public\".\"stock\"");
  EXPECT_EQ(LongestValueQuery(SqliteDialect(), {"", "stock"}, text), "SELECT max(length(\"region\")) FROM \"stock\"");
}

TableSchema Language() {
  TableSchema t;
  t.ref = {"db", "language"};
  t.columns = {Col("language_id", TypeKind::kInt32, 0, false), Col("name", TypeKind::kVarchar, 20, false)};
  t.primary_key = Key("PRIMARY", {"language_id"}, true, true);
  return t;
}

ForeignKey Fk(const std::string& name, const std::string& col, const TableRef& ref, const std::string& ref_col,
              const std::string& on_delete, const std::string& on_update) {
  return ForeignKey{name, {col}, ref, {ref_col}, on_delete, on_update};
}

TEST(MysqlForeignKeyFit, NarrowerIntegerIsWidenedToTheReferencedType) {
  TableSchema lang = Language();
  TableSchema film;
  film.ref = {"db", "film"};
  film.columns = {Col("language_id", TypeKind::kInt16, 0, false), Col("original_language_id", TypeKind::kInt16)};
  film.foreign_keys = {Fk("f_lang", "language_id", lang.ref, "language_id", "RESTRICT", "CASCADE"),
                       Fk("f_orig", "original_language_id", lang.ref, "language_id", "SET NULL", "CASCADE")};
  auto w = FitForeignKeysToMysql(film, {{lang.ref, &lang}}, "public.film");
  EXPECT_EQ(film.foreign_keys.size(), 2u);
  EXPECT_EQ(film.columns[0].type.kind, TypeKind::kInt32);
  EXPECT_EQ(film.columns[1].type.kind, TypeKind::kInt32);
  ASSERT_EQ(w.size(), 2u);
  EXPECT_NE(w[0].find("f_lang"), std::string::npos);
}

TEST(MysqlForeignKeyFit, SetNullOnNotNullColumnIsReportedAndRemoved) {
  TableSchema lang = Language();
  TableSchema film;
  film.ref = {"db", "film"};
  film.columns = {Col("language_id", TypeKind::kInt16, 0, false)};
  film.foreign_keys = {Fk("f_lang", "language_id", lang.ref, "language_id", "SET NULL", "CASCADE")};
  auto w = FitForeignKeysToMysql(film, {{lang.ref, &lang}}, "public.film");
  EXPECT_TRUE(film.foreign_keys.empty());
  EXPECT_EQ(film.columns[0].type.kind, TypeKind::kInt16);  // untouched when the key is not carried
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].find("f_lang"), std::string::npos);
  EXPECT_NE(w[0].find("NOT NULL"), std::string::npos);
}

TEST(MysqlForeignKeyFit, WiderReferencingColumnIsReported) {
  TableSchema lang = Language();
  TableSchema film;
  film.ref = {"db", "film"};
  film.columns = {Col("language_id", TypeKind::kInt64)};
  film.foreign_keys = {Fk("f_lang", "language_id", lang.ref, "language_id", "", "")};
  auto w = FitForeignKeysToMysql(film, {{lang.ref, &lang}}, "public.film");
  EXPECT_TRUE(film.foreign_keys.empty());
  ASSERT_EQ(w.size(), 1u);
  EXPECT_NE(w[0].find("wider"), std::string::npos);
}

TEST(MysqlForeignKeyFit, TextColumnTakesTheReferencedBoundAndCollation) {
  TableSchema region = RegionTable();
  region.columns[0].type.collation = "utf8mb4_bin";
  region.columns[0].type.charset = "utf8mb4";
  ASSERT_TRUE(FitKeysToMysql(region, {{"region", 5}}, "stock").ok());
  TableSchema child;
  child.ref = {"db", "moves"};
  child.columns = {Col("region", TypeKind::kText), Col("seq", TypeKind::kInt32)};
  ForeignKey fk{"f_stock", {"region", "seq"}, region.ref, {"region", "seq"}, "CASCADE", "CASCADE"};
  child.foreign_keys = {fk};
  auto w = FitForeignKeysToMysql(child, {{region.ref, &region}}, "moves");
  ASSERT_EQ(child.foreign_keys.size(), 1u);
  EXPECT_EQ(child.columns[0].type.kind, TypeKind::kVarchar);
  EXPECT_EQ(child.columns[0].type.length, 767u);
  EXPECT_EQ(child.columns[0].type.collation, "utf8mb4_bin");
}

TEST(MysqlForeignKeyFit, ReferencesToTablesNotMigratedAreLeftAlone) {
  TableSchema film;
  film.ref = {"db", "film"};
  film.columns = {Col("language_id", TypeKind::kInt16)};
  film.foreign_keys = {Fk("f_lang", "language_id", {"db", "elsewhere"}, "id", "", "")};
  EXPECT_TRUE(FitForeignKeysToMysql(film, {}, "film").empty());
  EXPECT_EQ(film.foreign_keys.size(), 1u);
}

}  // namespace
}  // namespace godwit
