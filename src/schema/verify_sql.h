// What verification asks of an engine's SQL: the checksum a server computes
// over a chunk of rows (verify/db_checksum.h says how they are compared and
// why they are built as they are), the probe that tells whether two servers
// print values alike, and whether a column's order is its database's own.
// One implementation per engine in schema/<engine>_verify_sql.cc.
//
// Thread-safety: implementations keep no state; VerifySqlFor's objects live
// for the program and may be used from any thread.
#pragma once

#include <string>
#include <vector>

#include "model/table_schema.h"
#include "schema/dialect.h"

namespace godwit {

class VerifySql {
 public:
  virtual ~VerifySql() = default;

  // Whether the server has a checksum query (SQLite has no CRC function);
  // the two methods below are asked only when it has.
  virtual bool HasChecksum() const = 0;
  // SELECT <row count>, <checksum> FROM table, over `columns` (indexes into
  // table.columns, in the order both sides use), without a WHERE clause.
  // `record_text`: hash the record's text (for types without a hash
  // function; PostgreSQL).
  virtual std::string ChunkChecksum(const Dialect& dialect, const TableSchema& table, const std::vector<int>& columns,
                                    bool record_text) const = 0;
  // A query whose one text result must be equal on two servers for their
  // checksums of equal rows to be equal.
  virtual std::string ChecksumProbe() const = 0;
  // The same for the checksum's per-field record hash where ChunkChecksum
  // has a `record_text` form to fall back on (PostgreSQL 14+'s
  // hash_record_extended); empty where it has none (and ignores the flag).
  virtual std::string RecordHashProbe() const = 0;

  // The statements a verification session runs first: it never writes,
  // and its lock waits give up soon (the unit is retried) rather than
  // queue a writer's DDL behind it.
  virtual std::vector<std::string> SessionSetup() const = 0;

  // True when `type`'s collation is the database's own default, which two
  // databases may set differently: not known to order alike on both.
  virtual bool CollationIsDatabaseDefault(const ColumnType& type) const = 0;
};

// The verification SQL of `engine`; lives for the program.
const VerifySql& VerifySqlFor(Engine engine);

// Each engine's, for VerifySqlFor only.
const VerifySql& MysqlVerifySql();
const VerifySql& PostgresVerifySql();
const VerifySql& SqliteVerifySql();

}  // namespace godwit
