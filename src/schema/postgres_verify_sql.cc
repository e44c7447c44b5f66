// PostgreSQL's verification SQL (verify_sql.h): count(*) and
// sum(hash_record_extended(ROW(columns...), 0)), or over the record's text
// for types without a hash function (verify/db_checksum.h says why).
#include "schema/verify_sql.h"

namespace godwit {
namespace {

class PostgresVerifySqlImpl : public VerifySql {
 public:
  bool HasChecksum() const override { return true; }

  std::string ChunkChecksum(const Dialect& d, const TableSchema& table, const std::vector<int>& columns,
                            bool record_text) const override {
    std::string values;
    for (int i : columns) values += (values.empty() ? "" : ", ") + d.QuoteIdent(table.columns[i].name);
    const std::string hash =
        record_text ? "hashtextextended(ROW(" + values + ")::text, 0)" : "hash_record_extended(ROW(" + values + "), 0)";
    return "SELECT count(*), coalesce(sum(" + hash + "), 0) FROM " + d.FromTable(table);
  }

  std::string ChecksumProbe() const override {
    return "SELECT hashtextextended(ROW(0.1::float8, 1.5e-7::float4, 1e300::float8, "
           "timestamp '2024-01-02 03:04:05.5', '12.50'::numeric(10,3), '\xC3\xA9'::text, '{\"a\": 1}'::jsonb)::text, "
           "0)";
  }

  std::string RecordHashProbe() const override {
    return "SELECT hash_record_extended(ROW(1::int, 'x'::text, 0.1::float8, 12.50::numeric, "
           "timestamptz '2024-01-02 03:04:05.5+00', '\\x00ff'::bytea, 'a '::char(3)), 0)";
  }

  std::vector<std::string> SessionSetup() const override {
    // A unit's checksum query is costly enough for PostgreSQL to JIT-compile
    // it, which takes longer than the query itself, once per unit and side.
    return {"SET lock_timeout = '10s'", "SET jit = off", "SET default_transaction_read_only = on"};
  }

  // "default" (or none named) is each database's own collation.
  bool CollationIsDatabaseDefault(const ColumnType& type) const override {
    return type.collation.empty() || type.collation == "default";
  }
};

}  // namespace

const VerifySql& PostgresVerifySql() {
  static const PostgresVerifySqlImpl sql;
  return sql;
}

}  // namespace godwit
