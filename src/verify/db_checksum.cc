#include "verify/db_checksum.h"

namespace godwit {

bool HasDatabaseChecksum(Engine engine) { return engine == Engine::kMysql || engine == Engine::kPostgres; }

std::string ChunkChecksumSql(const Dialect& d, const TableSchema& table, const std::vector<int>& columns,
                             std::string_view predicate, bool record_text) {
  std::string sql;
  if (d.engine() == Engine::kMysql) {
    std::string values, nulls;
    for (int i : columns) {
      const Column& c = table.columns[i];
      // SelectExpr: a FLOAT as the exact double, not its 6-digit print, in
      // which values that differ can look alike.
      values += ", " + d.SelectExpr(c);
      if (c.nullable) nulls += (nulls.empty() ? "" : ", ") + std::string("ISNULL(") + d.QuoteIdent(c.name) + ")";
    }
    if (!nulls.empty()) values += ", CONCAT(" + nulls + ")";
    sql = "SELECT COUNT(*), COALESCE(SUM(CRC32(CONCAT_WS('#'" + values + "))), 0) FROM " +
          d.QualifiedName(table.ref);
  } else {
    std::string values;
    for (int i : columns) values += (values.empty() ? "" : ", ") + d.QuoteIdent(table.columns[i].name);
    const std::string hash = record_text ? "hashtextextended(ROW(" + values + ")::text, 0)"
                                         : "hash_record_extended(ROW(" + values + "), 0)";
    sql = "SELECT count(*), coalesce(sum(" + hash + "), 0) FROM " + d.QualifiedName(table.ref);
  }
  if (!predicate.empty()) sql += " WHERE " + std::string(predicate);
  return sql;
}

std::string ChecksumProbeSql(Engine engine) {
  if (engine == Engine::kMysql) {
    return "SELECT CRC32(CONCAT_WS('#', 0.1e0, CAST(1.5e-7 AS FLOAT), 1e300, TIMESTAMP'2024-01-02 03:04:05.5', "
           "CAST('12.50' AS DECIMAL(10,3)), _utf8mb4'\xC3\xA9'))";
  }
  return "SELECT hashtextextended(ROW(0.1::float8, 1.5e-7::float4, 1e300::float8, "
         "timestamp '2024-01-02 03:04:05.5', '12.50'::numeric(10,3), '\xC3\xA9'::text, '{\"a\": 1}'::jsonb)::text, 0)";
}

std::string RecordHashProbeSql() {
  return "SELECT hash_record_extended(ROW(1::int, 'x'::text, 0.1::float8, 12.50::numeric, "
         "timestamptz '2024-01-02 03:04:05.5+00', '\\x00ff'::bytea, 'a '::char(3)), 0)";
}

}  // namespace godwit
