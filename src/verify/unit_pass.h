// The two passes over one unit of a table (verifier.h): the digest of each
// side, and, for a unit whose digests differ, the row-by-row difference.
// Each function reads one side through one session; the verifier runs the
// two sides at the same moment on two threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "connector/session.h"
#include "meta/verify_store.h"
#include "pipeline/chunker.h"
#include "verify/row_hash.h"
#include "verify/table_pair.h"

namespace godwit {

// Which side of a table pair a query reads.
enum class Side { kSource, kDestination };

// The SELECT of the compared columns of one side (Dialect::SelectExpr each,
// in the compared order) with `predicate` ("" for the whole table). No
// ORDER BY: a plain scan, which a digest does not need and which does not
// spill a sort.
std::string SideSelectSql(const TablePair& pair, Side side, std::string_view predicate);
// That side's column types, in the compared order.
std::vector<ColumnType> SideTypes(const TablePair& pair, Side side);
// The unit's key-range predicate on that side ("" when unbounded).
std::string SidePredicate(const TablePair& pair, Side side, const ChunkRange& range);
RowHasher MakeHasher(const TablePair& pair);

// Hashes of a unit's rows, by bucket (one bucket for range and whole-table
// units; rows of bucket units go to XXH3(key) % buckets).
struct UnitDigest {
  std::vector<RowDigest> buckets;
  int64_t rows = 0;
  int64_t bytes = 0;
};

Result<UnitDigest> DigestSide(Session& session, const std::string& sql, const std::vector<ColumnType>& types,
                              RowHasher hasher, size_t buckets, const BatchLimits& limits,
                              const std::atomic<bool>& cancel);

// The in-database checksum of one side (db_checksum.h), as text.
struct ChecksumText {
  int64_t rows = 0;
  std::string count;
  std::string sum;
};
Result<ChecksumText> ChecksumSide(Session& session, const std::string& sql);

struct RowDifference {
  DiffKind kind = DiffKind::kDiffering;
  KeyValues key;                     // canonical values on the side the row was read from (the source's, when on both)
  std::vector<std::string> columns;  // kDiffering: the compared columns whose values differ
};

struct UnitDiff {
  std::vector<RowDifference> differences;
  int64_t rows_source = 0;
  int64_t rows_destination = 0;
  int64_t bytes_source = 0;
  int64_t bytes_destination = 0;
};

// The rows in which the unit's two sides differ. `buckets`/`selected`: for
// bucket units, only rows whose key falls in a selected bucket (of
// `buckets`) are compared; `selected` empty means every row. Keeps at most
// `memory_bytes` of destination rows: a larger unit is compared in rounds,
// each over the rows of one slice of key hashes, reading both sides again.
// Rows are matched by key; a table without one (pair.key_positions empty)
// is compared as a multiset of whole rows, and a row's "key" is then all
// of its values.
Result<UnitDiff> DiffUnit(Session& source, Session& destination, const TablePair& pair, const std::string& source_sql,
                          const std::string& destination_sql, size_t buckets, const std::vector<uint32_t>& selected,
                          int64_t expected_rows, size_t memory_bytes, const BatchLimits& limits,
                          const std::atomic<bool>& cancel);

// The key as stored with a difference: a JSON array of the values'
// canonical text, binary values as "\\x" followed by hex digits (the text
// could be any bytes; JSON holds UTF-8 only).
std::string EncodeKeyJson(const std::vector<ColumnType>& types, const KeyValues& key);
Result<KeyValues> DecodeKeyJson(const std::vector<ColumnType>& types, const std::string& json);

}  // namespace godwit
