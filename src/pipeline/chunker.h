// Splitting a table into chunks by ranges of its chunk key.
//
// A chunk is the half-open key range [lower, upper); an absent bound is
// unbounded, so the first and last chunks also take rows outside the
// planned span. Integer single-column keys are split arithmetically between
// MIN and MAX; other and composite keys by boundaries sampled every
// `chunk_rows` rows in key order (always, as row estimates can be missing
// or stale). A table without a usable key is one chunk.
//
// The plan is computed once and saved: a resumed run uses the same ranges,
// which is what lets a chunk's checkpoint mean the same thing across runs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "connector/session.h"
#include "pipeline/key_set.h"
#include "schema/dialect.h"

namespace godwit {

struct ChunkRange {
  std::optional<KeyValues> lower;  // inclusive
  std::optional<KeyValues> upper;  // exclusive
};

// Persisted form: a JSON array of strings, or "null" for unbounded.
std::string KeyBoundToJson(const std::optional<KeyValues>& bound);
Result<std::optional<KeyValues>> KeyBoundFromJson(const std::string& json);

// The SQL condition selecting the chunk's rows of `table` (whose chunk key
// is `key`), written for `dialect`; "" when the range is unbounded on both
// sides.
std::string ChunkPredicate(const Dialect& dialect, const TableSchema& table, const IndexDef& key,
                           const ChunkRange& range);

// The statements that, run in a chunk's load transaction before its rows,
// delete from the destination every row an earlier, possibly committed,
// attempt of the same chunk left there, and no other row: the whole table
// without a key; the key range for a single integer key (numeric order is
// the same on every engine); otherwise the key values `source` returns for
// the range now, in batches (see the argument in chunker.cc). `src_table`
// and `dst_table` are the table on each side (same column names); `key` is
// the chunk key, absent for a table copied as one chunk. Reads through
// `source`, which should be inside the migration's snapshot. Memory: the
// text of the chunk's keys.
Result<std::vector<std::string>> ChunkClearStatements(Session& source, const TableSchema& src_table, const Dialect& dst,
                                                      const TableSchema& dst_table, const std::optional<IndexDef>& key,
                                                      const ChunkRange& range);

// Keys per DELETE statement of ChunkClearStatements.
inline constexpr size_t kKeysPerDelete = kKeysPerCondition;

// Plans the chunks of `table` reading through `session` (which should be
// inside the migration's snapshot). Returns at least one chunk.
Result<std::vector<ChunkRange>> PlanChunks(Session& session, const TableSchema& table, int64_t chunk_rows);

// Splits the integer span [min, max] into at most `pieces` boundaries
// (exclusive upper bounds of all but the last chunk); pure, for tests.
std::vector<std::string> IntegerBoundaries(const std::string& min, const std::string& max, int64_t pieces);

}  // namespace godwit
