#include "pipeline/chunker.h"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

#include "model/row_collector.h"
#include "pipeline/key_set.h"

namespace godwit {
namespace {

bool ParseInt128(const std::string& s, __int128& out) {
  if (s.empty()) return false;
  bool neg = s[0] == '-';
  __int128 v = 0;
  for (size_t i = neg ? 1 : 0; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  out = neg ? -v : v;
  return true;
}

std::string Int128ToString(__int128 v) {
  if (v == 0) return "0";
  bool neg = v < 0;
  unsigned __int128 u = neg ? -static_cast<unsigned __int128>(v) : static_cast<unsigned __int128>(v);
  std::string s;
  while (u > 0) {
    s.push_back(static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  }
  if (neg) s.push_back('-');
  std::reverse(s.begin(), s.end());
  return s;
}

std::string KeyList(const Dialect& d, const IndexDef& key) {
  std::string out;
  for (size_t i = 0; i < key.columns.size(); ++i) {
    if (i) out += ", ";
    out += d.QuoteIdent(key.columns[i].name);
  }
  return out;
}

std::vector<ColumnType> KeyTypes(const TableSchema& table, const IndexDef& key) {
  std::vector<ColumnType> types;
  for (const auto& c : key.columns) types.push_back(table.FindColumn(c.name)->type);
  return types;
}

}  // namespace

std::string KeyBoundToJson(const std::optional<KeyValues>& bound) {
  if (!bound) return "null";
  return nlohmann::json(*bound).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<std::optional<KeyValues>> KeyBoundFromJson(const std::string& json) {
  try {
    auto j = nlohmann::json::parse(json);
    if (j.is_null()) return std::optional<KeyValues>();
    return std::optional<KeyValues>(j.get<KeyValues>());
  } catch (const std::exception& e) {
    return Status(ErrorCode::kMetadata, std::string("a saved chunk bound is not valid: ") + e.what());
  }
}

std::string ChunkPredicate(const Dialect& d, const TableSchema& table, const IndexDef& key, const ChunkRange& range) {
  auto side = [&](const KeyValues& values, const char* op) {
    if (key.columns.size() == 1) {
      const Column* c = table.FindColumn(key.columns[0].name);
      return d.QuoteIdent(c->name) + " " + op + " " + d.Literal(c->type, values[0]);
    }
    std::string lits;
    for (size_t i = 0; i < key.columns.size(); ++i) {
      if (i) lits += ", ";
      lits += d.Literal(table.FindColumn(key.columns[i].name)->type, values[i]);
    }
    return "(" + KeyList(d, key) + ") " + op + " (" + lits + ")";
  };
  std::string out;
  if (range.lower) out = side(*range.lower, ">=");
  if (range.upper) {
    if (!out.empty()) out += " AND ";
    out += side(*range.upper, "<");
  }
  return out;
}

// Why a retried chunk is cleared by key values, not by its key range
// ------------------------------------------------------------------
// A chunk is the rows whose key lies in [lower, upper) in the *source's*
// order, which is what PlanChunks sampled and what the copy selects. The
// destination orders the same values its own way, so the same range there
// selects other rows. Worked example: a MySQL source key VARCHAR in
// utf8mb4_unicode_ci (case-insensitive) holding apple, Banana, cherry, Date
// sorts them apple < Banana < cherry < Date; split at 'cherry', the chunks
// are C1 = [-, 'cherry') = {apple, Banana} and C2 = ['cherry', -) =
// {cherry, Date}. PostgreSQL (C collation, bytewise) sorts Banana < Date <
// apple < cherry, so on the destination
//   key >= 'cherry'  selects {cherry}: a retry of C2 keeps Date and fails
//                    forever on its duplicate key;
//   key < 'cherry'   selects {Banana, Date, apple}: a retry of C1 deletes
//                    Date, which the finished C2 wrote and nobody copies
//                    again — a lost row.
// MariaDB's UUID order (time-based UUIDs by timestamp) against PostgreSQL's
// bytewise uuid order breaks ranges the same way.
//
// So for any key but a single integer, the retry reads the chunk's keys
// from the source, with the source's own predicate, and deletes exactly
// those values on the destination: C2's retry runs
//   DELETE ... WHERE key IN ('cherry', 'Date')
// Why this deletes every row an earlier attempt of the chunk committed, and
// no other:
//  - Every row: in the same snapshot the source returns the same rows, so
//    the keys read now are the keys the earlier attempt wrote. When the
//    earlier attempt read an older snapshot (a previous run; a reconnected
//    session), a row deleted or re-keyed on the source since then keeps its
//    old key on the destination — but the new attempt does not insert that
//    key, so it causes no duplicate; it is a change like any other after
//    the snapshot, which change capture from the saved position replays.
//  - No other: each source key value lies in exactly one chunk (the ranges
//    are disjoint in the source's order, and the key is unique), so a
//    value of this chunk can only have been written by this chunk. The
//    comparison is exact (Dialect::ExactKeyExpr), so a destination whose
//    collation equates 'Date' and 'date' does not take another chunk's
//    'date' for ours: the load then stops on the duplicate key, as a first
//    copy of two keys the destination cannot tell apart would.
// Integer keys keep the range delete: numeric order is the same on every
// engine, so the range selects the same rows on both sides.
namespace {

// Builds DELETE statements of up to kKeysPerDelete keys from the key rows
// it is fed.
// Collects the key values a source read returns.
class KeyCollector : public BatchConsumer {
 public:
  Status Consume(RowBatch& batch) override {
    for (size_t r = 0; r < batch.rows(); ++r) {
      KeyValues k;
      // Key columns are NOT NULL.
      for (const Value& v : batch.row(r)) k.emplace_back(v.bytes());
      keys.push_back(std::move(k));
    }
    return Status();
  }
  std::vector<KeyValues> keys;
};

}  // namespace

Result<std::vector<std::string>> ChunkClearStatements(Session& source, const TableSchema& src_table, const Dialect& dst,
                                                      const TableSchema& dst_table, const std::optional<IndexDef>& key,
                                                      const ChunkRange& range) {
  std::string del = "DELETE FROM " + dst.QualifiedName(dst_table.ref);
  if (!key) return std::vector<std::string>{del};
  std::vector<ColumnType> types = KeyTypes(src_table, *key);
  if (key->columns.size() == 1 && types[0].IsInteger()) {
    std::string pred = ChunkPredicate(dst, dst_table, *key, range);
    return std::vector<std::string>{pred.empty() ? del : del + " WHERE " + pred};
  }
  const Dialect& sd = DialectFor(source.engine());
  std::string cols;
  for (const auto& k : key->columns) cols += (cols.empty() ? "" : ", ") + sd.SelectExpr(*src_table.FindColumn(k.name));
  std::string pred = ChunkPredicate(sd, src_table, *key, range);
  KeyCollector collect;
  RETURN_IF_ERROR(source.Query(
      "SELECT " + cols + " FROM " + sd.FromTable(src_table) + (pred.empty() ? "" : " WHERE " + pred), types,
      collect, BatchLimits{}));
  std::vector<std::string> statements;
  for (auto& cond : KeySetPredicates(dst, dst_table, *key, collect.keys)) statements.push_back(del + " WHERE " + cond);
  return statements;
}

std::vector<std::string> IntegerBoundaries(const std::string& min, const std::string& max, int64_t pieces) {
  __int128 lo, hi;
  std::vector<std::string> out;
  if (!ParseInt128(min, lo) || !ParseInt128(max, hi) || hi <= lo || pieces <= 1) return out;
  __int128 span = hi - lo + 1;
  if (pieces > span) pieces = static_cast<int64_t>(span);
  for (int64_t i = 1; i < pieces; ++i) {
    __int128 b = lo + span * i / pieces;
    std::string s = Int128ToString(b);
    if (out.empty() || out.back() != s) out.push_back(std::move(s));
  }
  return out;
}

Result<std::vector<ChunkRange>> PlanChunks(Session& session, const TableSchema& table, int64_t chunk_rows) {
  const Dialect& d = DialectFor(session.engine());
  std::optional<IndexDef> key = table.ChunkKey();
  std::vector<ChunkRange> chunks;
  if (!key || chunk_rows <= 0) {
    chunks.push_back({});
    return chunks;
  }
  std::string from = d.FromTable(table);
  std::vector<ColumnType> types = KeyTypes(table, *key);
  std::vector<KeyValues> bounds;

  if (key->columns.size() == 1 && types[0].IsInteger()) {
    std::vector<ColumnType> two = {types[0], types[0]};
    std::string col = d.QuoteIdent(key->columns[0].name);
    RowCollector minmax;
    RETURN_IF_ERROR(
        session.Query("SELECT MIN(" + col + "), MAX(" + col + ") FROM " + from, two, minmax, BatchLimits{}));
    if (minmax.rows.empty() || !minmax.rows[0][0] || !minmax.rows[0][1]) {
      chunks.push_back({});  // empty table
      return chunks;
    }
    __int128 lo = 0, hi = 0;
    ParseInt128(*minmax.rows[0][0], lo);
    ParseInt128(*minmax.rows[0][1], hi);
    __int128 span = hi - lo + 1;
    // The estimate may be missing (PostgreSQL before ANALYZE: 0 or -1) or
    // stale. Missing: the key span, exact for dense keys. One that fits in
    // a chunk while the span does not may be stale: count.
    __int128 rows = table.estimated_rows > 0 ? std::min<__int128>(table.estimated_rows, span) : span;
    if (table.estimated_rows > 0 && table.estimated_rows <= chunk_rows && span > chunk_rows) {
      ColumnType count_type;
      count_type.kind = TypeKind::kInt64;
      RowCollector count;
      RETURN_IF_ERROR(session.Query("SELECT COUNT(*) FROM " + from, std::span<const ColumnType>(&count_type, 1), count,
                                    BatchLimits{}));
      __int128 n = 0;
      if (!count.rows.empty() && count.rows[0][0] && ParseInt128(*count.rows[0][0], n)) rows = std::min(n, span);
    }
    int64_t pieces = static_cast<int64_t>(std::min<__int128>((rows + chunk_rows - 1) / chunk_rows, 100000));
    for (auto& b : IntegerBoundaries(*minmax.rows[0][0], *minmax.rows[0][1], pieces)) bounds.push_back({b});
  } else {
    // Sampled whatever the estimate says: PostgreSQL estimates 0 (or -1)
    // for a table never ANALYZEd, and a stale estimate can be far below the
    // real count, which would make one huge chunk. A table that really
    // holds no more than chunk_rows rows yields no boundary, at the cost of
    // one pass over its keys.
    std::string keys = KeyList(d, *key);
    std::string sql = "SELECT " + keys + " FROM (SELECT " + keys + ", ROW_NUMBER() OVER (ORDER BY " + keys +
                      ") AS godwit_rn FROM " + from + ") godwit_s WHERE godwit_rn % " + std::to_string(chunk_rows) +
                      " = 0 ORDER BY " + keys;
    RowCollector sample;
    RETURN_IF_ERROR(session.Query(sql, types, sample, BatchLimits{}));
    for (auto& row : sample.rows) {
      KeyValues kv;
      for (auto& v : row) kv.push_back(v.value_or(""));
      bounds.push_back(std::move(kv));
    }
  }

  std::optional<KeyValues> prev;
  for (auto& b : bounds) {
    chunks.push_back({prev, b});
    prev = b;
  }
  chunks.push_back({prev, std::nullopt});
  return chunks;
}

}  // namespace godwit
