// MySQL/MariaDB's verification SQL (verify_sql.h): COUNT(*) and
// SUM(CRC32(CONCAT_WS('#', columns..., CONCAT(ISNULL(nullable columns)...)))),
// pt-table-checksum's row expression summed (verify/db_checksum.h says why).
#include "schema/verify_sql.h"

namespace godwit {
namespace {

class MysqlVerifySqlImpl : public VerifySql {
 public:
  bool HasChecksum() const override { return true; }

  std::string ChunkChecksum(const Dialect& d, const TableSchema& table, const std::vector<int>& columns,
                            bool) const override {
    std::string values, nulls;
    for (int i : columns) {
      const Column& c = table.columns[i];
      // SelectExpr: a FLOAT as the exact double, not its 6-digit print, in
      // which values that differ can look alike.
      values += ", " + d.SelectExpr(c);
      if (c.nullable) nulls += (nulls.empty() ? "" : ", ") + std::string("ISNULL(") + d.QuoteIdent(c.name) + ")";
    }
    if (!nulls.empty()) values += ", CONCAT(" + nulls + ")";
    return "SELECT COUNT(*), COALESCE(SUM(CRC32(CONCAT_WS('#'" + values + "))), 0) FROM " + d.QualifiedName(table.ref);
  }

  std::string ChecksumProbe() const override {
    return "SELECT CRC32(CONCAT_WS('#', 0.1e0, CAST(1.5e-7 AS FLOAT), 1e300, TIMESTAMP'2024-01-02 03:04:05.5', "
           "CAST('12.50' AS DECIMAL(10,3)), _utf8mb4'\xC3\xA9'))";
  }

  std::string RecordHashProbe() const override { return ""; }

  std::vector<std::string> SessionSetup() const override {
    return {"SET SESSION lock_wait_timeout = 10", "SET SESSION TRANSACTION READ ONLY"};
  }

  // The catalog names each column's collation as resolved, not as "the
  // database's".
  bool CollationIsDatabaseDefault(const ColumnType&) const override { return false; }
};

}  // namespace

const VerifySql& MysqlVerifySql() {
  static const MysqlVerifySqlImpl sql;
  return sql;
}

}  // namespace godwit
