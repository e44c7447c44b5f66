// SQLite's verification SQL (verify_sql.h): none. SQLite has no CRC or
// row hash function, so its tables are always compared by hashing rows in
// Godwit (the hashed method).
#include "schema/verify_sql.h"

namespace godwit {
namespace {

class SqliteVerifySqlImpl : public VerifySql {
 public:
  bool HasChecksum() const override { return false; }
  std::string ChunkChecksum(const Dialect&, const TableSchema&, const std::vector<int>&, bool) const override {
    return "";
  }
  std::string ChecksumProbe() const override { return ""; }
  std::string RecordHashProbe() const override { return ""; }
  // A file has no lock timeout to set, and Godwit's verification only reads.
  std::vector<std::string> SessionSetup() const override { return {}; }
  // A column's collation (BINARY unless declared) is the same in every
  // database.
  bool CollationIsDatabaseDefault(const ColumnType&) const override { return false; }
};

}  // namespace

const VerifySql& SqliteVerifySql() {
  static const SqliteVerifySqlImpl sql;
  return sql;
}

}  // namespace godwit
