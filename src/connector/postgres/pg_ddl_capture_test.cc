#include "connector/postgres/pg_ddl_capture.h"

#include <gtest/gtest.h>

namespace godwit {
namespace {

TEST(GlobToPgRegex, MatchesWhatTheGlobMatches) {
  EXPECT_EQ(GlobToPgRegex("shop.*"), "shop\\..*");
  EXPECT_EQ(GlobToPgRegex("order_?"), "order_.");
  EXPECT_EQ(GlobToPgRegex("t[!0-9]x"), "t[^0-9]x");
  EXPECT_EQ(GlobToPgRegex("t[]a]"), "t[]a]");
  EXPECT_EQ(GlobToPgRegex("a[b"), "a\\[b");  // no closing bracket: a literal one
  EXPECT_EQ(GlobToPgRegex("a\\*b$"), "a\\*b\\$");
}

ChangeEvent LogInsert(const std::string& stream, const std::string& columns) {
  ChangeEvent e;
  e.kind = ChangeKind::kInsert;
  e.table = TableRef{"public", "godwit_ddl"};
  e.columns = {"id",         "stream_id",  "command_tag",  "object_type",  "schema_name", "object_identity",
               "table_name", "index_name", "relation_oid", "column_names", "statement",   "at"};
  e.after = {FieldValue::Of("7"),
             FieldValue::Of(stream),
             FieldValue::Of("CREATE INDEX"),
             FieldValue::Of("index"),
             FieldValue::Of("app"),
             FieldValue::Of("app.t_v"),
             FieldValue::Of("t"),
             FieldValue::Of("t_v"),
             FieldValue::Of("16384"),
             FieldValue::Of(columns),
             FieldValue::Of("CREATE INDEX t_v ON app.t (v)"),
             FieldValue::Of("2024-01-01 00:00:00+00")};
  return e;
}

TEST(ParsePgDdl, ReadsTheRowsOfItsOwnStreamOnly) {
  const TableRef log{"public", "godwit_ddl"};
  auto r = ParsePgDdl(LogInsert("godwit_3", R"(["id","v"])"), log, "godwit_3");
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->command_tag, "CREATE INDEX");
  EXPECT_EQ(r->table, (TableRef{"app", "t"}));
  EXPECT_EQ(r->index, (TableRef{"app", "t_v"}));
  EXPECT_EQ(r->relation_oid, 16384);
  EXPECT_EQ(r->columns, (std::vector<std::string>{"id", "v"}));
  EXPECT_FALSE(ParsePgDdl(LogInsert("godwit_4", "[]"), log, "godwit_3").has_value());
  EXPECT_FALSE(ParsePgDdl(LogInsert("godwit_3", "[]"), TableRef{"public", "other"}, "godwit_3").has_value());
  EXPECT_FALSE(ParsePgDdl(LogInsert("godwit_3", "not json"), log, "godwit_3").has_value());
}

}  // namespace
}  // namespace godwit
