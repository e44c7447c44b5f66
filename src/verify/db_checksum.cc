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

std::string RecordHashProbeSql(Engine engine) { return VerifySqlFor(engine).RecordHashProbe(); }

bool HasRecordTextChecksum(Engine engine) { return !RecordHashProbeSql(engine).empty(); }

}  // namespace godwit
