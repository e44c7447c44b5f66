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
// PostgreSQL: count(*) and sum(hash_record_extended(ROW(columns...), 0)):
// each field hashed with its type's 64-bit extended hash (the one hash
// partitioning uses; NULL and '' hash apart), summed in numeric. It
// equates what the type equates — numeric 1.0 and 1.00, as Godwit's normal
// form does; a case-insensitive (nondeterministic) collation's 'a' and 'A'.
// A type without a hash function (json, point) fails the query; the
// table is then checksummed over the record's text instead,
// sum(hashtextextended(ROW(...)::text, 0)) (which writes NULL as nothing and
// '' as ""), about half as fast.
//
// The SQL itself is each engine's (schema/verify_sql.h).
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
                             std::string_view predicate, bool record_text = false);

// A query whose one text result must be equal on two servers for their
// checksums of equal rows to be equal: it exercises float, temporal,
// decimal and non-ASCII printing, which server versions have changed.
std::string ChecksumProbeSql(Engine engine);
// The same for the per-field record hash, where `engine`'s checksum has a
// `record_text` form to fall back on (PostgreSQL 14+); empty where not.
std::string RecordHashProbeSql(Engine engine);
// Whether ChunkChecksumSql has a `record_text` form for `engine`
// (PostgreSQL), tried when the server refuses the per-field hash (a column
// type without a hash function).
bool HasRecordTextChecksum(Engine engine);

}  // namespace godwit
