#include "verify/db_checksum.h"

#include "schema/verify_sql.h"

namespace godwit {

bool HasDatabaseChecksum(Engine engine) { return VerifySqlFor(engine).HasChecksum(); }

std::string ChunkChecksumSql(const Dialect& d, const TableSchema& table, const std::vector<int>& columns,
                             std::string_view predicate, bool record_text) {
  std::string sql = VerifySqlFor(d.engine()).ChunkChecksum(d, table, columns, record_text);
  if (!predicate.empty()) sql += " WHERE " + std::string(predicate);
  return sql;
}

std::string ChecksumProbeSql(Engine engine) { return VerifySqlFor(engine).ChecksumProbe(); }

std::string RecordHashProbeSql() {
  return "SELECT hash_record_extended(ROW(1::int, 'x'::text, 0.1::float8, 12.50::numeric, "
         "timestamptz '2024-01-02 03:04:05.5+00', '\\x00ff'::bytea, 'a '::char(3)), 0)";
}

}  // namespace godwit
