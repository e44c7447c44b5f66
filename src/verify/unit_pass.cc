#include "verify/unit_pass.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "common/text.h"
#include "model/row_collector.h"
#include "schema/dialect.h"

namespace godwit {
namespace {

Status Cancelled() { return Status(ErrorCode::kCancelled, "verification stopped"); }

const TableSchema& TableOf(const TablePair& pair, Side side) {
  return side == Side::kSource ? pair.source : pair.destination;
}
const std::vector<int>& ColumnsOf(const TablePair& pair, Side side) {
  return side == Side::kSource ? pair.source_columns : pair.destination_columns;
}

// Folds every row of the batches it receives into its bucket's digest.
class DigestConsumer : public BatchConsumer {
 public:
  DigestConsumer(RowHasher hasher, size_t buckets, const std::atomic<bool>& cancel)
      : hasher_(std::move(hasher)), cancel_(cancel), keyed_(buckets > 1) {
    digest_.buckets.resize(std::max<size_t>(buckets, 1));
  }
  Status Consume(RowBatch& batch) override {
    if (cancel_) return Cancelled();
    const size_t n = batch.rows();
    for (size_t i = 0; i < n; ++i) {
      auto row = batch.row(i);
      size_t b = 0;
      if (keyed_) b = hasher_.Key(row, key_) % digest_.buckets.size();
      digest_.buckets[b].Add(hasher_.Row(row));
    }
    digest_.rows += static_cast<int64_t>(n);
    digest_.bytes += static_cast<int64_t>(batch.payload_bytes());
    return Status();
  }
  UnitDigest Take() { return std::move(digest_); }

 private:
  RowHasher hasher_;
  const std::atomic<bool>& cancel_;
  const bool keyed_;
  std::string key_;
  UnitDigest digest_;
};

// A row's key values as read; for a table without a key, every value (NULL
// as empty: these are shown, never used to find the row).
KeyValues KeyOf(const TablePair& pair, std::span<const Value> row) {
  KeyValues k;
  if (pair.key_positions.empty()) {
    for (const Value& v : row) k.push_back(v.is_null() ? std::string() : std::string(v.bytes()));
  } else {
    for (int p : pair.key_positions) k.emplace_back(row[p].bytes());
  }
  return k;
}

// Pass 2's view of one row: its whole hash, its column hashes and its key's
// canonical values.
struct HeldRow {
  XXH128_hash_t row;
  std::vector<uint64_t> columns;
  KeyValues key;
  int64_t count = 1;  // tables without a key: copies of this row
};

bool SameHash(const XXH128_hash_t& a, const XXH128_hash_t& b) { return a.low64 == b.low64 && a.high64 == b.high64; }

std::string RowHashKey(const XXH128_hash_t& h) { return std::string(reinterpret_cast<const char*>(&h), sizeof h); }

// Decides which rows of a scan take part in this round of pass 2.
struct RowFilter {
  size_t buckets = 1;
  const std::vector<uint32_t>* selected = nullptr;  // sorted; null or empty: all
  uint64_t rounds = 1;
  uint64_t round = 0;

  bool Takes(uint64_t key_hash) const {
    if (buckets > 1 && selected && !selected->empty() &&
        !std::binary_search(selected->begin(), selected->end(), static_cast<uint32_t>(key_hash % buckets))) {
      return false;
    }
    return rounds <= 1 || (key_hash >> 32) % rounds == round;
  }
};

// What both sides of a pass-2 round share: each row hashed, its key (the
// held map's key: the key's normal form, or for a table without a key the
// whole row's hash), and whether this round takes it.
class RoundConsumer : public BatchConsumer {
 public:
  RoundConsumer(const TablePair& pair, RowHasher hasher, RowFilter filter, const std::atomic<bool>& cancel,
                std::unordered_map<std::string, HeldRow>& held)
      : pair_(pair),
        hasher_(std::move(hasher)),
        filter_(filter),
        cancel_(cancel),
        held_(held),
        keyed_(!pair.key_positions.empty()) {}

  Status Consume(RowBatch& batch) override {
    if (cancel_) return Cancelled();
    for (size_t i = 0; i < batch.rows(); ++i) {
      auto row = batch.row(i);
      ++rows;
      const XXH128_hash_t h = hasher_.Row(row);
      const uint64_t key_hash = keyed_ ? hasher_.Key(row, key_) : h.low64;
      if (!filter_.Takes(key_hash)) continue;
      if (!keyed_) key_ = RowHashKey(h);
      Take(row, h);
    }
    bytes += static_cast<int64_t>(batch.payload_bytes());
    return Status();
  }

  int64_t rows = 0;
  int64_t bytes = 0;

 protected:
  // A row the round takes; key_ holds its map key.
  virtual void Take(std::span<const Value> row, const XXH128_hash_t& hash) = 0;

  const TablePair& pair_;
  RowHasher hasher_;
  RowFilter filter_;
  const std::atomic<bool>& cancel_;
  std::unordered_map<std::string, HeldRow>& held_;
  const bool keyed_;
  std::string key_;
};

// Reads one side's rows of the round into the map by key (or, without a
// key, by whole-row hash with a count).
class HoldConsumer : public RoundConsumer {
 public:
  HoldConsumer(const TablePair& pair, RowHasher hasher, RowFilter filter, const std::atomic<bool>& cancel,
               std::unordered_map<std::string, HeldRow>& held, std::vector<RowDifference>& duplicates)
      : RoundConsumer(pair, std::move(hasher), filter, cancel, held), duplicates_(duplicates) {}

 private:
  void Take(std::span<const Value> row, const XXH128_hash_t& hash) override {
    auto [it, inserted] = held_.try_emplace(key_);
    if (!inserted) {
      if (keyed_) {
        // Two rows with one key where the key is unique on the source:
        // the destination lacks the constraint; the second is extra.
        duplicates_.push_back({DiffKind::kOnlyInDestination, KeyOf(pair_, row), {}});
      } else {
        ++it->second.count;
      }
      return;
    }
    it->second.row = hash;
    it->second.columns.resize(hasher_.columns());
    hasher_.Columns(row, it->second.columns);
    it->second.key = KeyOf(pair_, row);
  }

  std::vector<RowDifference>& duplicates_;
};

// Streams the other side's rows of the round against the held map.
class MatchConsumer : public RoundConsumer {
 public:
  MatchConsumer(const TablePair& pair, RowHasher hasher, RowFilter filter, const std::atomic<bool>& cancel,
                std::unordered_map<std::string, HeldRow>& held, std::vector<RowDifference>& out)
      : RoundConsumer(pair, std::move(hasher), filter, cancel, held), out_(out) {
    columns_.resize(hasher_.columns());
  }

 private:
  void Take(std::span<const Value> row, const XXH128_hash_t& hash) override {
    auto it = held_.find(key_);
    if (it == held_.end()) {
      out_.push_back({DiffKind::kOnlyInSource, KeyOf(pair_, row), {}});
      return;
    }
    if (!keyed_) {
      if (--it->second.count == 0) held_.erase(it);
      return;
    }
    if (!SameHash(it->second.row, hash)) {
      hasher_.Columns(row, columns_);
      RowDifference d{DiffKind::kDiffering, KeyOf(pair_, row), {}};
      for (size_t c = 0; c < columns_.size(); ++c) {
        if (columns_[c] != it->second.columns[c]) d.columns.push_back(pair_.names[c]);
      }
      out_.push_back(std::move(d));
    }
    held_.erase(it);
  }

  std::vector<RowDifference>& out_;
  std::vector<uint64_t> columns_;
};

}  // namespace

std::string SideSelectSql(const TablePair& pair, Side side, std::string_view predicate) {
  const TableSchema& t = TableOf(pair, side);
  const Dialect& d = DialectFor(side == Side::kSource ? pair.source_engine : pair.destination_engine);
  std::string sql = "SELECT ";
  bool first = true;
  for (int i : ColumnsOf(pair, side)) {
    if (!first) sql += ", ";
    first = false;
    sql += d.SelectExpr(t.columns[i]);
  }
  sql += " FROM " + d.FromTable(t);
  if (!predicate.empty()) sql += " WHERE " + std::string(predicate);
  return sql;
}

std::vector<ColumnType> SideTypes(const TablePair& pair, Side side) {
  std::vector<ColumnType> types;
  for (int i : ColumnsOf(pair, side)) types.push_back(TableOf(pair, side).columns[i].type);
  return types;
}

std::string SidePredicate(const TablePair& pair, Side side, const ChunkRange& range) {
  if (!pair.key || (!range.lower && !range.upper)) return "";
  if (side == Side::kSource) return ChunkPredicate(DialectFor(pair.source_engine), pair.source, *pair.key, range);
  return ChunkPredicate(DialectFor(pair.destination_engine), pair.destination, *pair.destination_key, range);
}

RowHasher MakeHasher(const TablePair& pair) { return RowHasher(pair.compare_types, pair.key_positions); }

Result<UnitDigest> DigestSide(Session& session, const std::string& sql, const std::vector<ColumnType>& types,
                              RowHasher hasher, size_t buckets, const BatchLimits& limits,
                              const std::atomic<bool>& cancel) {
  DigestConsumer consumer(std::move(hasher), buckets, cancel);
  RETURN_IF_ERROR(session.Query(sql, types, consumer, limits));
  return consumer.Take();
}

Result<ChecksumText> ChecksumSide(Session& session, const std::string& sql) {
  ASSIGN_OR_RETURN(auto row, QueryFirstRow(session, sql, 2));
  ChecksumText out;
  out.count = row[0];
  out.sum = row[1];
  out.rows = std::strtoll(row[0].c_str(), nullptr, 10);
  return out;
}

Result<UnitDiff> DiffUnit(Session& source, Session& destination, const TablePair& pair, const std::string& source_sql,
                          const std::string& destination_sql, size_t buckets, const std::vector<uint32_t>& selected,
                          int64_t expected_rows, size_t memory_bytes, const BatchLimits& limits,
                          const std::atomic<bool>& cancel) {
  // What one held row costs: the map node and key, the column hashes and
  // the key's values; a generous estimate, as the rounds only need to be
  // enough.
  const size_t per_row = 160 + 8 * pair.names.size() + 32 * std::max<size_t>(pair.key_positions.size(), 1);
  size_t share = static_cast<size_t>(std::max<int64_t>(expected_rows, 1));
  if (buckets > 1 && !selected.empty()) share = share * selected.size() / buckets + 1;
  const uint64_t rounds =
      std::max<uint64_t>(1, (share * per_row + memory_bytes - 1) / std::max<size_t>(memory_bytes, 1));

  const auto src_types = SideTypes(pair, Side::kSource);
  const auto dst_types = SideTypes(pair, Side::kDestination);
  UnitDiff out;
  for (uint64_t round = 0; round < rounds; ++round) {
    RowFilter filter{buckets, &selected, rounds, round};
    std::unordered_map<std::string, HeldRow> held;
    std::vector<RowDifference> found;
    HoldConsumer hold(pair, MakeHasher(pair), filter, cancel, held, found);
    RETURN_IF_ERROR(destination.Query(destination_sql, dst_types, hold, limits));
    MatchConsumer match(pair, MakeHasher(pair), filter, cancel, held, found);
    RETURN_IF_ERROR(source.Query(source_sql, src_types, match, limits));
    for (auto& [k, row] : held) {
      for (int64_t i = 0; i < row.count; ++i) found.push_back({DiffKind::kOnlyInDestination, row.key, {}});
    }
    if (round == 0) {
      out.rows_source = match.rows;
      out.rows_destination = hold.rows;
      out.bytes_source = match.bytes;
      out.bytes_destination = hold.bytes;
    }
    for (auto& d : found) out.differences.push_back(std::move(d));
  }
  return out;
}

namespace {

bool ValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

}  // namespace

std::string EncodeKeyJson(const std::vector<ColumnType>& types, const KeyValues& key) {
  nlohmann::json arr = nlohmann::json::array();
  for (size_t i = 0; i < key.size(); ++i) {
    const bool binary = i < types.size() && types[i].IsBinary();
    // Text as it is, unless JSON cannot hold it (not UTF-8) or it would read
    // as the hex form itself: those, and binary values, as "\x" + hex.
    if (!binary && ValidUtf8(key[i]) && key[i].rfind("\\x", 0) != 0) {
      arr.push_back(key[i]);
      continue;
    }
    std::string hex = "\\x";
    AppendHexLower(key[i], hex);
    arr.push_back(std::move(hex));
  }
  return arr.dump();
}

Result<KeyValues> DecodeKeyJson(const std::vector<ColumnType>& types, const std::string& json) {
  (void)types;  // the "\\x" form says itself that it is hex
  KeyValues out;
  try {
    auto arr = nlohmann::json::parse(json);
    for (size_t i = 0; i < arr.size(); ++i) {
      std::string v = arr[i].get<std::string>();
      if (v.rfind("\\x", 0) == 0) {
        std::string bytes;
        for (size_t j = 2; j + 1 < v.size(); j += 2) {
          bytes.push_back(static_cast<char>(std::stoi(v.substr(j, 2), nullptr, 16)));
        }
        v = std::move(bytes);
      }
      out.push_back(std::move(v));
    }
  } catch (const std::exception& e) {
    return Status(ErrorCode::kMetadata, std::string("a recorded difference's key is not valid: ") + e.what());
  }
  return out;
}

}  // namespace godwit
