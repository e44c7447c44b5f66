// How one source table is compared with its copy on the destination: which
// columns (common names, in the destination's order), under which types
// (row_hash.h ComparisonType), by which key, by which method, and in which
// kind of units.
//
// Method: same-engine tables whose columns are declared identically on both
// sides are checksummed inside each database (db_checksum.h): only two
// numbers per unit cross the network. Anything else — another engine, a
// column whose type, charset or collation differs, SQLite, which has no
// CRC function — is read and hashed by Godwit from each value's normal
// form, so that type conversions do not show as differences.
//
// Units: key ranges select the same rows on both sides only when both
// engines order the key the same way: numeric and temporal keys always do,
// text keys only on the same engine with the same collation (chunker.cc
// explains how a case-insensitive and a bytewise order split the same
// values differently; MariaDB and PostgreSQL order UUIDs differently too).
// Other keys are compared in hash buckets of the whole table: each side
// streams the table once and each row goes to the bucket of its key's
// normal form. A table without a usable key is one unit compared as a
// multiset of rows.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "model/table_schema.h"

namespace godwit {

enum class VerifyMethod { kDatabase, kHashed };
std::string_view VerifyMethodName(VerifyMethod m);  // "database", "hashed"

// What the user asked for: auto picks per table.
enum class MethodChoice { kAuto, kDatabase, kHashed };

enum class UnitShape { kRanges, kBuckets, kWholeTable };
std::string_view UnitShapeName(UnitShape s);  // "range", "bucket", "whole"

struct TablePair {
  TableSchema source;
  TableSchema destination;
  Engine source_engine = Engine::kMysql;
  Engine destination_engine = Engine::kMysql;
  // The compared columns: indexes into source.columns and
  // destination.columns, and their destination names, in the destination's
  // column order.
  std::vector<int> source_columns;
  std::vector<int> destination_columns;
  std::vector<std::string> names;
  std::vector<ColumnType> compare_types;
  // The key rows are matched by (the source's chunk key, found among the
  // compared columns), as positions into the compared columns, and the key
  // index itself as the source names it. Absent: kWholeTable.
  std::vector<int> key_positions;
  std::optional<IndexDef> key;              // source column names
  std::optional<IndexDef> destination_key;  // the same columns, destination names
  VerifyMethod method = VerifyMethod::kHashed;
  std::string method_reason;  // why hashed when database was possible, for the report
  UnitShape shape = UnitShape::kWholeTable;
  // Columns present on one side only: the table is inconsistent whatever
  // the rows say, and the rows are compared on the common columns.
  std::vector<std::string> only_in_source_columns;
  std::vector<std::string> only_in_destination_columns;
};

// Pairs `source` (read from `source_engine`) with `destination`. Fails with
// kInvalidArgument when MethodChoice::kDatabase is asked of a table that is
// not eligible (the message says why), or when no column is common.
Result<TablePair> PairTables(const TableSchema& source, Engine source_engine, const TableSchema& destination,
                             Engine destination_engine, MethodChoice choice);

}  // namespace godwit
