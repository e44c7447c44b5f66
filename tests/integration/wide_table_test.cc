// Every supported type, edge values included, copied for every engine pair
// by the real `godwit migrate`, then compared value by value against the
// values written on the source (not against what Godwit read there, so a
// reader bug cannot hide behind a matching writer bug).
#include <gtest/gtest.h>

#include <map>

#include "migration_harness.h"
#include "test_env.h"
#include "wide_fixture.h"

namespace godwit::testing {
namespace {

using Row = std::map<std::string, std::optional<std::string>>;

struct SourceCase {
  Engine engine;
  std::vector<Row> rows;  // canonical values as written, by column name
};

SourceCase MysqlCase() {
  SourceCase c{Engine::kMysql, {}};
  c.rows.push_back({{"id", "1"},
                    {"c_tinyint", "127"},
                    {"c_smallint_u", "65535"},
                    {"c_mediumint", "8388607"},
                    {"c_int", "2147483647"},
                    {"c_bigint", "9223372036854775807"},
                    {"c_bigint_u", "18446744073709551615"},
                    {"c_decimal", "12345678901234567890.1234567890"},
                    {"c_float", "1.5"},
                    {"c_double", "1.7976931348623157e308"},
                    {"c_char", "abc"},
                    {"c_varchar", "😀 ünïcödé"},
                    {"c_text", "line1\nline2\ttab\\back"},
                    {"c_blob", Blob1MiB()},
                    {"c_varbinary", std::string("\x00\xff\x00", 3)},
                    {"c_date", "2024-02-29"},
                    {"c_time", "23:59:59.999999"},
                    {"c_datetime", "2024-02-29 23:59:59.999999"},
                    {"c_timestamp", "2038-01-19 03:14:07.999999"},
                    {"c_year", "2155"},
                    {"c_json", R"({"a": [1, 2.5, {"b": null}], "u": "😀"})"},
                    {"c_enum", "large"},
                    {"c_set", "a,c"},
                    {"c_bit", "1010101010"},
                    {"c_uuid", "123e4567-e89b-12d3-a456-426614174000"},
                    {"c_tinyint_u", "255"},
                    {"c_int_u", "4294967295"},
                    {"c_decimal65", "12345678901234567890123456789012345.123456789012345678901234567890"}});
  c.rows.push_back({{"id", "2"},
                    {"c_tinyint", "-128"},
                    {"c_smallint_u", "0"},
                    {"c_mediumint", "-8388608"},
                    {"c_int", "-2147483648"},
                    {"c_bigint", "-9223372036854775808"},
                    {"c_bigint_u", "0"},
                    {"c_decimal", "-0.0000000001"},
                    {"c_float", "-3.25"},
                    {"c_double", "0.1"},
                    {"c_char", ""},
                    {"c_varchar", ""},
                    {"c_text", ""},
                    {"c_blob", ""},
                    {"c_varbinary", ""},
                    {"c_date", "1000-01-01"},
                    {"c_time", "00:00:00"},
                    {"c_datetime", "1000-01-01 00:00:00.000001"},
                    {"c_timestamp", "1970-01-01 00:00:01"},
                    {"c_year", "1901"},
                    {"c_json", "[]"},
                    {"c_enum", "small"},
                    {"c_set", ""},
                    {"c_bit", "0000000000"},
                    {"c_uuid", "00000000-0000-0000-0000-000000000000"},
                    {"c_tinyint_u", "0"},
                    {"c_int_u", "0"},
                    {"c_decimal65", "-99999999999999999999999999999999999.999999999999999999999999999999"}});
  Row nulls = {{"id", "3"}};
  for (auto& [k, v] : c.rows[0]) {
    if (k != "id") nulls[k] = std::nullopt;
  }
  c.rows.push_back(nulls);
  return c;
}

SourceCase PgCase() {
  SourceCase c{Engine::kPostgres, {}};
  c.rows.push_back({{"id", "1"},
                    {"c_bool", "1"},
                    {"c_smallint", "32767"},
                    {"c_int", "2147483647"},
                    {"c_bigint", "9223372036854775807"},
                    {"c_numeric", "12345678901234567890.12345678901234567890"},
                    {"c_real", "1.25"},
                    {"c_double", "1.7976931348623157e308"},
                    {"c_char", "ab"},
                    {"c_varchar", "😀 ünï"},
                    {"c_text", "line1\nline2\ttab\\back"},
                    {"c_bytea", Blob1MiB()},
                    {"c_date", "2024-02-29"},
                    {"c_time", "23:59:59.999999"},
                    {"c_timestamp", "2024-02-29 23:59:59.999999"},
                    {"c_timestamptz", "2024-06-01 12:00:00.25"},
                    {"c_json", R"({"a": [1, 2.5, {"b": null}]})"},
                    {"c_jsonb", R"({"u": "😀", "k": 1})"},
                    {"c_uuid", "123e4567-e89b-12d3-a456-426614174000"},
                    {"c_bit", "1010101010"},
                    {"c_enum", "happy"},
                    {"c_numeric65", "12345678901234567890123456789012345.123456789012345678901234567890"}});
  c.rows.push_back({{"id", "2"},
                    {"c_bool", "0"},
                    {"c_smallint", "-32768"},
                    {"c_int", "-2147483648"},
                    {"c_bigint", "-9223372036854775808"},
                    {"c_numeric", "-0.00000000000000000001"},
                    {"c_real", "-3.25"},
                    {"c_double", "0.1"},
                    {"c_char", ""},
                    {"c_varchar", ""},
                    {"c_text", ""},
                    {"c_bytea", ""},
                    {"c_date", "1000-01-01"},
                    {"c_time", "00:00:00"},
                    {"c_timestamp", "1000-01-01 00:00:00.000001"},
                    {"c_timestamptz", "1970-01-01 00:00:01"},
                    {"c_json", "[]"},
                    {"c_jsonb", "{}"},
                    {"c_uuid", "00000000-0000-0000-0000-000000000000"},
                    {"c_bit", "0000000000"},
                    {"c_enum", "sad"},
                    {"c_numeric65", "-99999999999999999999999999999999999.999999999999999999999999999999"}});
  Row nulls = {{"id", "3"}};
  for (auto& [k, v] : c.rows[0]) {
    if (k != "id") nulls[k] = std::nullopt;
  }
  c.rows.push_back(nulls);
  return c;
}

SourceCase SqliteCase() {
  SourceCase c{Engine::kSqlite, {}};
  c.rows.push_back({{"id", "1"},
                    {"c_bigint", "9223372036854775807"},
                    {"c_real", "1.5"},
                    {"c_text", "line1\nline2"},
                    {"c_blob", std::string("\x00\xff", 2)},
                    {"c_varchar", "😀 ünï"},
                    {"c_bool", "1"},
                    {"c_date", "2024-02-29"},
                    {"c_datetime", "2024-02-29 23:59:59.123456"},
                    {"c_decimal", "1234567.125"},
                    {"c_time", "23:59:59.999999"},
                    {"c_json", R"({"a": [1, 2.5, {"b": null}], "u": "😀"})"},
                    {"c_bigblob", Blob1MiB()}});
  c.rows.push_back({{"id", "2"},
                    {"c_bigint", "-9223372036854775808"},
                    {"c_real", "-0.1"},
                    {"c_text", ""},
                    {"c_blob", ""},
                    {"c_varchar", ""},
                    {"c_bool", "0"},
                    {"c_date", "1000-01-01"},
                    {"c_datetime", "1000-01-01 00:00:00"},
                    {"c_decimal", "-0.0000000001"},
                    {"c_time", "00:00:00"},
                    {"c_json", "[]"},
                    {"c_bigblob", ""}});
  Row nulls = {{"id", "3"}};
  for (auto& [k, v] : c.rows[0]) {
    if (k != "id") nulls[k] = std::nullopt;
  }
  c.rows.push_back(nulls);
  return c;
}

std::string EngineTag(Engine e) { return e == Engine::kMysql ? "mysql" : e == Engine::kPostgres ? "pg" : "sqlite"; }

class WideTableTest : public ::testing::TestWithParam<std::pair<Engine, Engine>> {};

TEST_P(WideTableTest, EveryValueArrivesIntact) {
  auto [src_engine, dst_engine] = GetParam();
  std::string tag = EngineTag(src_engine) + "_" + EngineTag(dst_engine);
  SourceCase expected = src_engine == Engine::kMysql      ? MysqlCase()
                        : src_engine == Engine::kPostgres ? PgCase()
                                                          : SqliteCase();
  std::string src_uri = PrepareWideSource(src_engine, tag);
  auto [dst_uri, dst_schema] = FreshDestination(dst_engine, "wide_dst_" + tag);
  std::string state = FreshTempDir("wide-state-" + tag);

  CommandResult run = RunGodwit("migrate -q --state-dir " + state + " " + src_uri + " " + dst_uri);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_EQ(run.output.find("godwit-pw"), std::string::npos) << "password leaked:\n" << run.output;

  TableContents got = ReadTable(dst_uri, {dst_schema, "wide"});
  ASSERT_EQ(got.rows.size(), expected.rows.size());
  for (size_t r = 0; r < got.rows.size(); ++r) {
    for (size_t c = 0; c < got.columns.size(); ++c) {
      const Column& col = got.columns[c];
      auto it = expected.rows[r].find(col.name);
      ASSERT_NE(it, expected.rows[r].end()) << "unexpected column " << col.name;
      const auto& want = it->second;
      const auto& have = got.rows[r][c];
      if (!want) {
        EXPECT_FALSE(have.has_value()) << tag << " row " << r << " column " << col.name << " should be NULL";
        continue;
      }
      ASSERT_TRUE(have.has_value()) << tag << " row " << r << " column " << col.name << " is NULL, expected '"
                                    << want->substr(0, 100) << "'";
      EXPECT_TRUE(CanonicalEqual(col.type.kind, *want, *have))
          << tag << " row " << r << " column " << col.name << " (" << TypeKindName(col.type.kind) << "): expected '"
          << want->substr(0, 100) << "' (" << want->size() << " bytes), got '" << have->substr(0, 100) << "' ("
          << have->size() << " bytes)";
    }
    EXPECT_EQ(got.columns.size(), expected.rows[r].size()) << "column count differs";
  }

  // Running again finds the migration completed and changes nothing.
  CommandResult again = RunGodwit("migrate -q --state-dir " + state + " " + src_uri + " " + dst_uri);
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_EQ(ReadTable(dst_uri, {dst_schema, "wide"}).rows.size(), expected.rows.size());
}

// NaN and the infinities: PostgreSQL keeps them, so PostgreSQL to
// PostgreSQL copies them; MySQL holds neither and SQLite turns NaN into
// NULL, so those destinations must refuse the row with an error naming the
// value rather than alter it.
TEST(NonFiniteFloatTest, CopiedWhereHeldRefusedElsewhere) {
  const int port = Servers().pg_source_port;
  RecreatePgDatabase(port, "nonfinite_src");
  PgAdmin(port,
          "CREATE TABLE nonfinite (id int PRIMARY KEY, r real, d double precision);"
          "INSERT INTO nonfinite VALUES (1, 'NaN', 'NaN'), (2, 'Infinity', '-Infinity'), (3, '-Infinity', 'Infinity'),"
          " (4, 1.5, 2.5);"
          "CREATE TABLE nan_only (id int PRIMARY KEY, d double precision);"
          "INSERT INTO nan_only VALUES (1, 'NaN');"
          "CREATE TABLE inf_only (id int PRIMARY KEY, d double precision);"
          "INSERT INTO inf_only VALUES (1, 'Infinity'), (2, '-Infinity');",
          "nonfinite_src");
  const std::vector<std::vector<std::optional<std::string>>> want = {
      {"1", "NaN", "NaN"}, {"2", "Infinity", "-Infinity"}, {"3", "-Infinity", "Infinity"}, {"4", "1.5", "2.5"}};

  RecreatePgDatabase(Servers().pg_dest_port, "nonfinite_dst");
  auto r = RunGodwit("migrate -q --state-dir " + FreshTempDir("nonfinite-pg") + " " + PgSourceUri("nonfinite_src") +
                     " " + PgDestUri("nonfinite_dst"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  TableContents got = ReadTable(PgDestUri("nonfinite_dst"), {"public", "nonfinite"});
  ASSERT_EQ(got.rows.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    for (size_t c = 0; c < 3; ++c) {
      ASSERT_TRUE(got.rows[i][c].has_value());
      EXPECT_TRUE(CanonicalEqual(got.columns[c].type.kind, *want[i][c], *got.rows[i][c]))
          << "row " << i << " column " << c << ": expected " << *want[i][c] << ", got " << *got.rows[i][c];
    }
  }
  // NaN is never equal to a number: a lenient comparison must not hide it.
  EXPECT_EQ(*got.rows[0][1], "NaN");
  EXPECT_EQ(*got.rows[0][2], "NaN");

  RecreateMysqlDatabase("nonfinite_dst");
  r = RunGodwit("migrate -q --state-dir " + FreshTempDir("nonfinite-my") + " " + PgSourceUri("nonfinite_src") + " " +
                MysqlUri("nonfinite_dst"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("nan_only"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("inf_only"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("NaN"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Incorrect double value: 'Infinity'"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Incorrect double value: 'NaN'"), std::string::npos) << r.output;

  std::string sqlite_dst = "sqlite://" + FreshTempDir("nonfinite-lite-dst") + "/d.db";
  r = RunGodwit("migrate -q --state-dir " + FreshTempDir("nonfinite-lite") + " " + PgSourceUri("nonfinite_src") + " " +
                sqlite_dst);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("nan_only"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("NaN"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("DATA_ERROR"), std::string::npos) << r.output;
  // SQLite's REAL holds the infinities: that table copies exactly.
  TableContents inf = ReadTable(sqlite_dst, {"", "inf_only"});
  ASSERT_EQ(inf.rows.size(), 2u);
  EXPECT_EQ(inf.rows[0][1], "Infinity");
  EXPECT_EQ(inf.rows[1][1], "-Infinity");
}

INSTANTIATE_TEST_SUITE_P(AllPairs, WideTableTest, ::testing::ValuesIn(AllEnginePairs()), [](const auto& info) {
  return EngineTag(info.param.first) + "_to_" + EngineTag(info.param.second);
});

}  // namespace
}  // namespace godwit::testing
