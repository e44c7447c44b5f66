#include "wide_fixture.h"

#include <gtest/gtest.h>

#include <cstdio>

#include "migration_harness.h"
#include "test_env.h"

namespace godwit::testing {
namespace {

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
  '{"a": [1, 2.5, {"b": null}], "u": "😀"}', x')sql" +
         blob_hex + R"sql('),
 (2, -9223372036854775808, -0.1, '', x'', '', 0, '1000-01-01', '1000-01-01 00:00:00', '-0.0000000001',
  '00:00:00', '[]', x''),
 (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);
)sql";
}

}  // namespace

std::string Blob1MiB() {
  std::string b;
  for (int i = 0; i < 349526; ++i) b += std::string("\x00\xff\x41", 3);
  return b;
}

std::string PrepareWideSource(Engine e, const std::string& tag) {
  return FreshSource(e, "wide_src_" + tag,
                     e == Engine::kMysql      ? kMysqlWide
                     : e == Engine::kPostgres ? kPgWide
                                              : SqliteWide());
}

}  // namespace godwit::testing
