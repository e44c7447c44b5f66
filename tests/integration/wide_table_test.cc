// Every supported type, edge values included, copied for every engine pair
// by the real `godwit migrate`, then compared value by value against the
// values written on the source (not against what Godwit read there, so a
// reader bug cannot hide behind a matching writer bug).
#include <gtest/gtest.h>

#include <map>

#include "migration_harness.h"
#include "test_env.h"

namespace godwit::testing {
namespace {

using Row = std::map<std::string, std::optional<std::string>>;

std::string Blob1MiB() {
  std::string b;
  for (int i = 0; i < 349526; ++i) b += std::string("\x00\xff\x41", 3);
  return b;
}

struct SourceCase {
  Engine engine;
  std::vector<Row> rows;  // canonical values as written, by column name
};

const char* kMysqlWide = R"sql(
SET time_zone = '+00:00';
CREATE TABLE wide (
  id INT PRIMARY KEY,
  c_tinyint TINYINT, c_smallint_u SMALLINT UNSIGNED, c_mediumint MEDIUMINT, c_int INT, c_bigint BIGINT,
  c_bigint_u BIGINT UNSIGNED, c_decimal DECIMAL(30,10), c_float FLOAT, c_double DOUBLE,
  c_char CHAR(10), c_varchar VARCHAR(100), c_text TEXT, c_blob LONGBLOB, c_varbinary VARBINARY(16),
  c_date DATE, c_time TIME(6), c_datetime DATETIME(6), c_timestamp TIMESTAMP(6) NULL DEFAULT NULL, c_year YEAR,
  c_json JSON, c_enum ENUM('small','medium','large'), c_set SET('a','b','c'), c_bit BIT(10), c_uuid UUID,
  c_tinyint_u TINYINT UNSIGNED, c_int_u INT UNSIGNED, c_decimal65 DECIMAL(65,30)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
INSERT INTO wide VALUES
 (1, 127, 65535, 8388607, 2147483647, 9223372036854775807, 18446744073709551615,
  12345678901234567890.1234567890, 1.5, 1.7976931348623157e308,
  'abc', '😀 ünïcödé', 'line1\nline2\ttab\\back', REPEAT(x'00ff41', 349526), x'00ff00',
  '2024-02-29', '23:59:59.999999', '2024-02-29 23:59:59.999999', '2038-01-19 03:14:07.999999', 2155,
  '{"a": [1, 2.5, {"b": null}], "u": "😀"}', 'large', 'a,c', b'1010101010', '123e4567-e89b-12d3-a456-426614174000',
  255, 4294967295, 12345678901234567890123456789012345.123456789012345678901234567890),
 (2, -128, 0, -8388608, -2147483648, -9223372036854775808, 0,
  -0.0000000001, -3.25, 0.1,
  '', '', '', x'', x'',
  '1000-01-01', '00:00:00', '1000-01-01 00:00:00.000001', '1970-01-01 00:00:01', 1901,
  '[]', 'small', '', b'0000000000', '00000000-0000-0000-0000-000000000000', 0, 0, -99999999999999999999999999999999999.999999999999999999999999999999),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
)sql";

SourceCase MysqlCase() {
  SourceCase c{Engine::kMysql, {}};
  c.rows.push_back({{"id", "1"}, {"c_tinyint", "127"}, {"c_smallint_u", "65535"}, {"c_mediumint", "8388607"},
                    {"c_int", "2147483647"}, {"c_bigint", "9223372036854775807"},
                    {"c_bigint_u", "18446744073709551615"}, {"c_decimal", "12345678901234567890.1234567890"},
                    {"c_float", "1.5"}, {"c_double", "1.7976931348623157e308"}, {"c_char", "abc"},
                    {"c_varchar", "😀 ünïcödé"}, {"c_text", "line1\nline2\ttab\\back"}, {"c_blob", Blob1MiB()},
                    {"c_varbinary", std::string("\x00\xff\x00", 3)}, {"c_date", "2024-02-29"},
                    {"c_time", "23:59:59.999999"}, {"c_datetime", "2024-02-29 23:59:59.999999"},
                    {"c_timestamp", "2038-01-19 03:14:07.999999"}, {"c_year", "2155"},
                    {"c_json", R"({"a": [1, 2.5, {"b": null}], "u": "😀"})"}, {"c_enum", "large"},
                    {"c_set", "a,c"}, {"c_bit", "1010101010"}, {"c_uuid", "123e4567-e89b-12d3-a456-426614174000"},
                    {"c_tinyint_u", "255"}, {"c_int_u", "4294967295"},
                    {"c_decimal65", "12345678901234567890123456789012345.123456789012345678901234567890"}});
  c.rows.push_back({{"id", "2"}, {"c_tinyint", "-128"}, {"c_smallint_u", "0"}, {"c_mediumint", "-8388608"},
                    {"c_int", "-2147483648"}, {"c_bigint", "-9223372036854775808"}, {"c_bigint_u", "0"},
                    {"c_decimal", "-0.0000000001"}, {"c_float", "-3.25"}, {"c_double", "0.1"}, {"c_char", ""},
                    {"c_varchar", ""}, {"c_text", ""}, {"c_blob", ""}, {"c_varbinary", ""},
                    {"c_date", "1000-01-01"}, {"c_time", "00:00:00"}, {"c_datetime", "1000-01-01 00:00:00.000001"},
                    {"c_timestamp", "1970-01-01 00:00:01"}, {"c_year", "1901"}, {"c_json", "[]"},
                    {"c_enum", "small"}, {"c_set", ""}, {"c_bit", "0000000000"},
                    {"c_uuid", "00000000-0000-0000-0000-000000000000"}, {"c_tinyint_u", "0"},
                    {"c_int_u", "0"}, {"c_decimal65", "-99999999999999999999999999999999999.999999999999999999999999999999"}});
  Row nulls = {{"id", "3"}};
  for (auto& [k, v] : c.rows[0]) {
    if (k != "id") nulls[k] = std::nullopt;
  }
  c.rows.push_back(nulls);
  return c;
}

const char* kPgWide = R"sql(
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE wide (
  id integer PRIMARY KEY,
  c_bool boolean, c_smallint smallint, c_int integer, c_bigint bigint, c_numeric numeric(40,20),
  c_real real, c_double double precision, c_char char(5), c_varchar varchar(50), c_text text, c_bytea bytea,
  c_date date, c_time time(6), c_timestamp timestamp(6), c_timestamptz timestamptz(6),
  c_json json, c_jsonb jsonb, c_uuid uuid, c_bit bit(10), c_enum mood, c_numeric65 numeric(65,30)
);
INSERT INTO wide VALUES
 (1, true, 32767, 2147483647, 9223372036854775807, 12345678901234567890.12345678901234567890,
  1.25, 1.7976931348623157e308, 'ab', '😀 ünï', E'line1\nline2\ttab\\back', decode(repeat('00ff41', 349526), 'hex'),
  '2024-02-29', '23:59:59.999999', '2024-02-29 23:59:59.999999', '2024-06-01 14:00:00.25+02',
  '{"a": [1, 2.5, {"b": null}]}', '{"u": "😀", "k": 1}', '123e4567-e89b-12d3-a456-426614174000', B'1010101010', 'happy',
  12345678901234567890123456789012345.123456789012345678901234567890),
 (2, false, -32768, -2147483648, -9223372036854775808, -0.00000000000000000001,
  -3.25, 0.1, '', '', '', '\x',
  '1000-01-01', '00:00:00', '1000-01-01 00:00:00.000001', '1970-01-01 00:00:01+00',
  '[]', '{}', '00000000-0000-0000-0000-000000000000', B'0000000000', 'sad', -99999999999999999999999999999999999.999999999999999999999999999999),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
  NULL, NULL, NULL);
)sql";

SourceCase PgCase() {
  SourceCase c{Engine::kPostgres, {}};
  c.rows.push_back({{"id", "1"}, {"c_bool", "1"}, {"c_smallint", "32767"}, {"c_int", "2147483647"},
                    {"c_bigint", "9223372036854775807"}, {"c_numeric", "12345678901234567890.12345678901234567890"},
                    {"c_real", "1.25"}, {"c_double", "1.7976931348623157e308"}, {"c_char", "ab"},
                    {"c_varchar", "😀 ünï"}, {"c_text", "line1\nline2\ttab\\back"}, {"c_bytea", Blob1MiB()},
                    {"c_date", "2024-02-29"}, {"c_time", "23:59:59.999999"},
                    {"c_timestamp", "2024-02-29 23:59:59.999999"}, {"c_timestamptz", "2024-06-01 12:00:00.25"},
                    {"c_json", R"({"a": [1, 2.5, {"b": null}]})"}, {"c_jsonb", R"({"u": "😀", "k": 1})"},
                    {"c_uuid", "123e4567-e89b-12d3-a456-426614174000"}, {"c_bit", "1010101010"}, {"c_enum", "happy"},
                    {"c_numeric65", "12345678901234567890123456789012345.123456789012345678901234567890"}});
  c.rows.push_back({{"id", "2"}, {"c_bool", "0"}, {"c_smallint", "-32768"}, {"c_int", "-2147483648"},
                    {"c_bigint", "-9223372036854775808"}, {"c_numeric", "-0.00000000000000000001"},
                    {"c_real", "-3.25"}, {"c_double", "0.1"}, {"c_char", ""}, {"c_varchar", ""}, {"c_text", ""},
                    {"c_bytea", ""}, {"c_date", "1000-01-01"}, {"c_time", "00:00:00"},
                    {"c_timestamp", "1000-01-01 00:00:00.000001"}, {"c_timestamptz", "1970-01-01 00:00:01"},
                    {"c_json", "[]"}, {"c_jsonb", "{}"}, {"c_uuid", "00000000-0000-0000-0000-000000000000"},
                    {"c_bit", "0000000000"}, {"c_enum", "sad"}, {"c_numeric65", "-99999999999999999999999999999999999.999999999999999999999999999999"}});
  Row nulls = {{"id", "3"}};
  for (auto& [k, v] : c.rows[0]) {
    if (k != "id") nulls[k] = std::nullopt;
  }
  c.rows.push_back(nulls);
  return c;
}

// Built at run time: the large blob goes in as a 2 MiB hex literal. The
// DECIMAL column has NUMERIC affinity, which stores REALs: its values are
// ones a double holds exactly, as SQLite itself would lose others.
std::string SqliteWide() {
  std::string blob_hex;
  for (int i = 0; i < 349526; ++i) blob_hex += "00ff41";
  return R"sql(
CREATE TABLE wide (
  id INTEGER PRIMARY KEY, c_bigint BIGINT, c_real REAL, c_text TEXT, c_blob BLOB, c_varchar VARCHAR(50),
  c_bool BOOLEAN, c_date DATE, c_datetime DATETIME, c_decimal DECIMAL(30,10), c_time TIME, c_json JSON,
  c_bigblob BLOB
);
INSERT INTO wide VALUES
 (1, 9223372036854775807, 1.5, 'line1' || char(10) || 'line2', x'00ff', '😀 ünï', 1, '2024-02-29',
  '2024-02-29 23:59:59.123456', '1234567.125', '23:59:59.999999',
  '{"a": [1, 2.5, {"b": null}], "u": "😀"}', x')sql" + blob_hex + R"sql('),
 (2, -9223372036854775808, -0.1, '', x'', '', 0, '1000-01-01', '1000-01-01 00:00:00', '-0.0000000001',
  '00:00:00', '[]', x''),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
)sql";
}

SourceCase SqliteCase() {
  SourceCase c{Engine::kSqlite, {}};
  c.rows.push_back({{"id", "1"}, {"c_bigint", "9223372036854775807"}, {"c_real", "1.5"}, {"c_text", "line1\nline2"},
                    {"c_blob", std::string("\x00\xff", 2)}, {"c_varchar", "😀 ünï"}, {"c_bool", "1"},
                    {"c_date", "2024-02-29"}, {"c_datetime", "2024-02-29 23:59:59.123456"},
                    {"c_decimal", "1234567.125"}, {"c_time", "23:59:59.999999"},
                    {"c_json", R"({"a": [1, 2.5, {"b": null}], "u": "😀"})"}, {"c_bigblob", Blob1MiB()}});
  c.rows.push_back({{"id", "2"}, {"c_bigint", "-9223372036854775808"}, {"c_real", "-0.1"}, {"c_text", ""},
                    {"c_blob", ""}, {"c_varchar", ""}, {"c_bool", "0"}, {"c_date", "1000-01-01"},
                    {"c_datetime", "1000-01-01 00:00:00"}, {"c_decimal", "-0.0000000001"}, {"c_time", "00:00:00"},
                    {"c_json", "[]"}, {"c_bigblob", ""}});
  Row nulls = {{"id", "3"}};
  for (auto& [k, v] : c.rows[0]) {
    if (k != "id") nulls[k] = std::nullopt;
  }
  c.rows.push_back(nulls);
  return c;
}

std::string EngineTag(Engine e) {
  return e == Engine::kMysql ? "mysql" : e == Engine::kPostgres ? "pg" : "sqlite";
}

// Creates the wide table on a fresh source and returns its URI.
std::string PrepareSource(Engine e, const std::string& tag) {
  std::string db = "wide_src_" + tag;
  switch (e) {
    case Engine::kMysql:
      RecreateMysqlDatabase(db);
      MysqlAdmin(kMysqlWide, db);
      return MysqlUri(db);
    case Engine::kPostgres:
      RecreatePgDatabase(Servers().pg_source_port, db);
      PgAdmin(Servers().pg_source_port, kPgWide, db);
      return PgSourceUri(db);
    case Engine::kSqlite: {
      std::string path = FreshTempDir("wide-src-" + tag) + "/src.db";
      std::string cmd = "sqlite3 " + path;
      FILE* p = popen(cmd.c_str(), "w");
      fputs(SqliteWide().c_str(), p);
      EXPECT_EQ(pclose(p), 0);
      return "sqlite://" + path;
    }
  }
  return "";
}

class WideTableTest : public ::testing::TestWithParam<std::pair<Engine, Engine>> {};

TEST_P(WideTableTest, EveryValueArrivesIntact) {
  auto [src_engine, dst_engine] = GetParam();
  std::string tag = EngineTag(src_engine) + "_" + EngineTag(dst_engine);
  SourceCase expected = src_engine == Engine::kMysql ? MysqlCase()
                        : src_engine == Engine::kPostgres ? PgCase()
                                                          : SqliteCase();
  std::string src_uri = PrepareSource(src_engine, tag);
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
  r = RunGodwit("migrate -q --state-dir " + FreshTempDir("nonfinite-lite") + " " + PgSourceUri("nonfinite_src") +
                " " + sqlite_dst);
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

INSTANTIATE_TEST_SUITE_P(
    AllPairs, WideTableTest,
    ::testing::Values(std::pair{Engine::kMysql, Engine::kPostgres}, std::pair{Engine::kMysql, Engine::kMysql},
                      std::pair{Engine::kMysql, Engine::kSqlite}, std::pair{Engine::kPostgres, Engine::kMysql},
                      std::pair{Engine::kPostgres, Engine::kPostgres}, std::pair{Engine::kPostgres, Engine::kSqlite},
                      std::pair{Engine::kSqlite, Engine::kMysql}, std::pair{Engine::kSqlite, Engine::kPostgres},
                      std::pair{Engine::kSqlite, Engine::kSqlite}),
    [](const auto& info) { return EngineTag(info.param.first) + "_to_" + EngineTag(info.param.second); });

}  // namespace
}  // namespace godwit::testing
