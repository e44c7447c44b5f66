// Checksums computed inside the database, for tables compared between two
// servers of the same engine (table_pair.h says when).
//
// MySQL/MariaDB: COUNT(*) and SUM(CRC32(CONCAT_WS('#', columns...,
// CONCAT(ISNULL(nullable columns)...)))) — pt-table-checksum's row
// expression, but summed rather than XORed: CRC32 is linear over GF(2), so
// for rows of equal length the XOR of their CRCs is the CRC of their XOR,
// and swapping one column's values between two rows of a chunk leaves a
// BIT_XOR unchanged; an integer sum is not fooled by that and counts
// duplicate rows. CONCAT_WS skips NULLs, so the ISNULL flags are what tells
// NULL from ''.
//
// PostgreSQL: count(*) and sum(hashtextextended(ROW(columns...)::text, 0)),
// the 64-bit hash PostgreSQL uses for hash partitioning over the record's
// text (which writes NULL as nothing and '' as ""), summed in numeric.
//
// Both are plain autocommit SELECTs: a consistent non-locking read on
// InnoDB, a statement snapshot on PostgreSQL; no table lock, no row lock.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/table_schema.h"
#include "schema/dialect.h"

namespace godwit {

// Whether `engine` has a checksum query (MySQL and PostgreSQL do; SQLite has
// no CRC function).
bool HasDatabaseChecksum(Engine engine);

// SELECT <row count>, <checksum> FROM table [WHERE predicate], over
// `columns` (indexes into table.columns, in the order both sides use). Both
// results are to be read and compared as text.
std::string ChunkChecksumSql(const Dialect& dialect, const TableSchema& table, const std::vector<int>& columns,
                             std::string_view predicate);

// A query whose one text result must be equal on two servers for their
// checksums of equal rows to be equal: it exercises float, temporal,
// decimal and non-ASCII printing, which server versions have changed.
std::string ChecksumProbeSql(Engine engine);

}  // namespace godwit
