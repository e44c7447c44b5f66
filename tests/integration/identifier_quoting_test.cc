// Identifier quoting end to end: tables, columns, indexes, views, foreign
// keys and CHECK constraints whose names hold spaces, single and double
// quotes, backticks, reserved words and mixed case, copied for every engine
// pair by the real `godwit migrate`. Every value is compared, and the
// index, foreign key, CHECK and view must exist on the destination.
#include <gtest/gtest.h>

#include "migration_harness.h"
#include "model/row_collector.h"
#include "test_env.h"

namespace godwit::testing {
namespace {

using Values = std::vector<std::optional<std::string>>;

// The same objects in each engine's spelling. Names:
//   table  My "Parent" Table   columns id, Group, it's      unique "uq Group"
//   table  order               columns select, back`tick, Mixed Case, parent id
//   index  idx "q" 'w'         on order (back`tick)
//   fk     fk 'p' "x"          order (parent id) -> My "Parent" Table (id)
//   check  chk "select"        on order
//   view   view of "order"
const char* kMysqlSchema = R"sql(
CREATE TABLE `My "Parent" Table` (`id` INT PRIMARY KEY, `Group` VARCHAR(20) NOT NULL, `it's` TEXT,
  UNIQUE KEY `uq Group` (`Group`));
CREATE TABLE `order` (`select` INT PRIMARY KEY, `back``tick` VARCHAR(20), `Mixed Case` DECIMAL(10,2), `parent id` INT,
  KEY `idx "q" 'w'` (`back``tick`),
  CONSTRAINT `fk 'p' "x"` FOREIGN KEY (`parent id`) REFERENCES `My "Parent" Table` (`id`),
  CONSTRAINT `chk "select"` CHECK (`select` >= 0 AND `back``tick` <> 'forbidden'));
CREATE VIEW `view of "order"` AS SELECT `select`, `back``tick` FROM `order` WHERE `select` > 1;
INSERT INTO `My "Parent" Table` VALUES (1, 'Alpha', 'it''s "quoted"'), (2, 'beta', NULL);
INSERT INTO `order` VALUES (1, 'a`b', 1.50, 1), (2, '"q"', NULL, 2), (3, NULL, -2.25, NULL);
)sql";

const char* kPgSchema = R"sql(
CREATE TABLE "My ""Parent"" Table" (id int PRIMARY KEY, "Group" varchar(20) NOT NULL, "it's" text,
  CONSTRAINT "uq Group" UNIQUE ("Group"));
CREATE TABLE "order" ("select" int PRIMARY KEY, "back`tick" varchar(20), "Mixed Case" numeric(10,2), "parent id" int,
  CONSTRAINT "fk 'p' ""x""" FOREIGN KEY ("parent id") REFERENCES "My ""Parent"" Table" (id),
  CONSTRAINT "chk ""select""" CHECK ("select" >= 0 AND "back`tick" <> 'forbidden'));
CREATE INDEX "idx ""q"" 'w'" ON "order" ("back`tick");
CREATE VIEW "view of ""order""" AS SELECT "select", "back`tick" FROM "order" WHERE "select" > 1;
INSERT INTO "My ""Parent"" Table" VALUES (1, 'Alpha', 'it''s "quoted"'), (2, 'beta', NULL);
INSERT INTO "order" VALUES (1, 'a`b', 1.50, 1), (2, '"q"', NULL, 2), (3, NULL, -2.25, NULL);
)sql";

const char* kSqliteSchema = R"sql(
CREATE TABLE "My ""Parent"" Table" (id INTEGER PRIMARY KEY, "Group" VARCHAR(20) NOT NULL, "it's" TEXT,
  CONSTRAINT "uq Group" UNIQUE ("Group"));
CREATE TABLE "order" ("select" INT PRIMARY KEY, "back`tick" VARCHAR(20), "Mixed Case" DECIMAL(10,2),
  "parent id" INTEGER,
  CONSTRAINT "fk 'p' ""x""" FOREIGN KEY ("parent id") REFERENCES "My ""Parent"" Table" (id),
  CONSTRAINT "chk ""select""" CHECK ("select" >= 0 AND "back`tick" <> 'forbidden'));
CREATE INDEX "idx ""q"" 'w'" ON "order" ("back`tick");
CREATE VIEW "view of ""order""" AS SELECT "select", "back`tick" FROM "order" WHERE "select" > 1;
INSERT INTO "My ""Parent"" Table" VALUES (1, 'Alpha', 'it''s "quoted"'), (2, 'beta', NULL);
INSERT INTO "order" VALUES (1, 'a`b', '1.50', 1), (2, '"q"', NULL, 2), (3, NULL, '-2.25', NULL);
)sql";

const std::vector<std::string> kParentColumns = {"id", "Group", "it's"};
const std::vector<Values> kParentRows = {{"1", "Alpha", "it's \"quoted\""}, {"2", "beta", std::nullopt}};
const std::vector<std::string> kOrderColumns = {"select", "back`tick", "Mixed Case", "parent id"};
const std::vector<Values> kOrderRows = {
    {"1", "a`b", "1.50", "1"}, {"2", "\"q\"", std::nullopt, "2"}, {"3", std::nullopt, "-2.25", std::nullopt}};

std::string Tag(Engine e) { return e == Engine::kMysql ? "mysql" : e == Engine::kPostgres ? "pg" : "sqlite"; }

std::string PrepareSource(Engine e, const std::string& tag) {
  return FreshSource(e, "quote_src_" + tag,
                     e == Engine::kMysql      ? kMysqlSchema
                     : e == Engine::kPostgres ? kPgSchema
                                              : kSqliteSchema);
}

void ExpectTable(const std::string& uri, const TableRef& ref, const std::vector<std::string>& columns,
                 const std::vector<Values>& rows, const std::string& tag) {
  TableContents got = ReadTable(uri, ref);
  ASSERT_EQ(got.columns.size(), columns.size()) << tag << " " << ref.ToString();
  for (size_t c = 0; c < columns.size(); ++c) EXPECT_EQ(got.columns[c].name, columns[c]) << tag;
  ASSERT_EQ(got.rows.size(), rows.size()) << tag << " " << ref.ToString();
  for (size_t r = 0; r < rows.size(); ++r) {
    for (size_t c = 0; c < columns.size(); ++c) {
      const auto& want = rows[r][c];
      const auto& have = got.rows[r][c];
      if (!want) {
        EXPECT_FALSE(have.has_value()) << tag << " " << ref.ToString() << " row " << r << " " << columns[c];
        continue;
      }
      ASSERT_TRUE(have.has_value()) << tag << " " << ref.ToString() << " row " << r << " " << columns[c];
      EXPECT_TRUE(CanonicalEqual(got.columns[c].type.kind, *want, *have))
          << tag << " " << ref.ToString() << " row " << r << " " << columns[c] << ": expected '" << *want << "', got '"
          << *have << "'";
    }
  }
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

class IdentifierQuotingTest : public ::testing::TestWithParam<std::pair<Engine, Engine>> {};

TEST_P(IdentifierQuotingTest, AwkwardNamesSurvive) {
  auto [src_engine, dst_engine] = GetParam();
  std::string tag = Tag(src_engine) + "_" + Tag(dst_engine);
  std::string src_uri = PrepareSource(src_engine, tag);
  auto [dst_uri, schema] = FreshDestination(dst_engine, "quote_dst_" + tag);

  CommandResult run =
      RunGodwit("migrate -q --state-dir " + FreshTempDir("quote-state-" + tag) + " " + src_uri + " " + dst_uri);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(run.output.find("warning"), std::string::npos) << run.output;

  const TableRef parent{schema, "My \"Parent\" Table"}, order{schema, "order"}, view{schema, "view of \"order\""};
  ExpectTable(dst_uri, parent, kParentColumns, kParentRows, tag);
  ExpectTable(dst_uri, order, kOrderColumns, kOrderRows, tag);

  auto ep = ParseEndpointUri(dst_uri);
  ASSERT_TRUE(ep.ok());
  auto session = Connect(*ep);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  auto catalog = (*session)->ReadCatalog([schema = schema](const TableRef& r) { return r.schema == schema; });
  ASSERT_TRUE(catalog.ok()) << catalog.status().ToString();
  const TableSchema* p = nullptr;
  const TableSchema* o = nullptr;
  for (const auto& t : catalog->tables) {
    if (t.ref == parent) p = &t;
    if (t.ref == order) o = &t;
  }
  ASSERT_NE(p, nullptr);
  ASSERT_NE(o, nullptr);

  bool unique_found = false;
  for (const auto& idx : p->indexes) {
    if (idx.unique && idx.columns.size() == 1 && idx.columns[0].name == "Group") unique_found = true;
  }
  EXPECT_TRUE(unique_found) << tag << ": unique index on \"Group\" missing";
  bool index_found = false;
  for (const auto& idx : o->indexes) {
    if (idx.columns.size() == 1 && idx.columns[0].name == "back`tick") {
      index_found = true;
      EXPECT_TRUE(EndsWith(idx.name, "idx \"q\" 'w'")) << tag << ": index named " << idx.name;
    }
  }
  EXPECT_TRUE(index_found) << tag << ": index on back`tick missing";

  ASSERT_EQ(o->foreign_keys.size(), 1u) << tag;
  const ForeignKey& fk = o->foreign_keys[0];
  EXPECT_EQ(fk.columns, std::vector<std::string>{"parent id"});
  EXPECT_EQ(fk.ref_table.name, parent.name);
  EXPECT_EQ(fk.ref_columns, std::vector<std::string>{"id"});
  // SQLite's catalog does not report foreign key names.
  if (dst_engine != Engine::kSqlite) {
    EXPECT_EQ(fk.name, "fk 'p' \"x\"") << tag;
  }

  ASSERT_EQ(o->checks.size(), 1u) << tag;
  EXPECT_EQ(o->checks[0].name, "chk \"select\"") << tag;
  EXPECT_NE(o->checks[0].expression.find("forbidden"), std::string::npos) << o->checks[0].expression;

  bool view_found = false;
  for (const auto& v : catalog->views) {
    if (v.ref == view) view_found = true;
  }
  ASSERT_TRUE(view_found) << tag << ": view missing";
  // The view's body works on the destination: it selects rows 2 and 3.
  const Dialect& d = DialectFor(dst_engine);
  RowCollector rows;
  std::vector<ColumnType> types(1);
  types[0].kind = TypeKind::kInt64;
  Status st = (*session)->Query("SELECT COUNT(*) FROM " + d.QualifiedName(view), types, rows, BatchLimits{});
  ASSERT_TRUE(st.ok()) << tag << ": " << st.ToString();
  ASSERT_EQ(rows.rows.size(), 1u);
  EXPECT_EQ(rows.rows[0][0], "2") << tag;
}

INSTANTIATE_TEST_SUITE_P(AllPairs, IdentifierQuotingTest, ::testing::ValuesIn(AllEnginePairs()),
                         [](const auto& info) { return Tag(info.param.first) + "_to_" + Tag(info.param.second); });

}  // namespace
}  // namespace godwit::testing
