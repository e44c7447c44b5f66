#include "verify/recheck.h"

#include "pipeline/key_set.h"
#include "schema/dialect.h"

namespace godwit {
namespace {

constexpr int kRounds = 3;

bool SameRow(const KeyedRow* a, const KeyedRow* b) {
  if (!a || !b) return a == b;
  return a->row.low64 == b->row.low64 && a->row.high64 == b->row.high64;
}

const KeyedRow* Find(const KeyedRows& rows, const std::string& key) {
  auto it = rows.find(key);
  return it == rows.end() ? nullptr : &it->second;
}

}  // namespace

Status ForEachRowByKey(Session& session, const TablePair& pair, Side side, std::span<const KeyValues> keys,
                       const BatchLimits& limits, const std::function<void(std::span<const Value>)>& each) {
  const bool src = side == Side::kSource;
  const Dialect& d = DialectFor(src ? pair.source_engine : pair.destination_engine);
  const TableSchema& table = src ? pair.source : pair.destination;
  const IndexDef& key = src ? *pair.key : *pair.destination_key;
  struct Each : BatchConsumer {
    const std::function<void(std::span<const Value>)>& f;
    explicit Each(const std::function<void(std::span<const Value>)>& fn) : f(fn) {}
    Status Consume(RowBatch& batch) override {
      for (size_t i = 0; i < batch.rows(); ++i) f(batch.row(i));
      return Status();
    }
  } consumer(each);
  const auto types = SideTypes(pair, side);
  for (const std::string& cond : KeySetPredicates(d, table, key, keys)) {
    RETURN_IF_ERROR(session.Query(SideSelectSql(pair, side, cond), types, consumer, limits));
  }
  return Status();
}

Result<KeyedRows> ReadRowsByKey(Session& session, const TablePair& pair, Side side, std::span<const KeyValues> keys,
                                const BatchLimits& limits) {
  KeyedRows rows;
  RowHasher hasher = MakeHasher(pair);
  std::string key;
  RETURN_IF_ERROR(ForEachRowByKey(session, pair, side, keys, limits, [&](std::span<const Value> row) {
    hasher.Key(row, key);
    auto [it, inserted] = rows.try_emplace(key);
    KeyedRow& r = it->second;
    if (!inserted) {
      ++r.count;
      return;
    }
    r.row = hasher.Row(row);
    r.columns.resize(hasher.columns());
    hasher.Columns(row, r.columns);
    r.key.clear();
    for (int p : pair.key_positions) r.key.emplace_back(row[p].bytes());
  }));
  return rows;
}

std::string KeyNormalForm(const TablePair& pair, const KeyValues& key) {
  std::vector<Value> row(pair.names.size());
  for (size_t i = 0; i < pair.key_positions.size() && i < key.size(); ++i)
    row[pair.key_positions[i]] = Value::Of(key[i]);
  std::string out;
  MakeHasher(pair).Key(row, out);
  return out;
}

std::optional<RowDifference> Classify(const TablePair& pair, const KeyedRow* s, const KeyedRow* d) {
  if (SameRow(s, d)) return std::nullopt;
  if (s && !d) return RowDifference{DiffKind::kOnlyInSource, s->key, {}};
  if (!s && d) return RowDifference{DiffKind::kOnlyInDestination, d->key, {}};
  RowDifference diff{DiffKind::kDiffering, s->key, {}};
  for (size_t c = 0; c < s->columns.size() && c < d->columns.size(); ++c) {
    if (s->columns[c] != d->columns[c]) diff.columns.push_back(pair.names[c]);
  }
  return diff;
}

Result<RecheckResult> Recheck(Session& source, Session& destination, const TablePair& pair,
                              const std::vector<RowDifference>& suspects, CatchUpWaiter& waiter,
                              std::chrono::seconds timeout, const BatchLimits& limits) {
  RecheckResult out;
  if (pair.key_positions.empty()) {
    // Without a key a row cannot be found again: the multiset comparison
    // stands.
    out.confirmed = suspects;
    return out;
  }
  // One entry per key, whichever side named it.
  std::vector<KeyValues> pending;
  std::unordered_map<std::string, bool> seen;
  for (const auto& s : suspects) {
    if (seen.emplace(KeyNormalForm(pair, s.key), true).second) pending.push_back(s.key);
  }
  for (int round = 0; round < kRounds && !pending.empty(); ++round) {
    ASSIGN_OR_RETURN(KeyedRows s1, ReadRowsByKey(source, pair, Side::kSource, pending, limits));
    RETURN_IF_ERROR(waiter.WaitPast(std::chrono::system_clock::now(), timeout));
    ASSIGN_OR_RETURN(KeyedRows d, ReadRowsByKey(destination, pair, Side::kDestination, pending, limits));
    ASSIGN_OR_RETURN(KeyedRows s2, ReadRowsByKey(source, pair, Side::kSource, pending, limits));
    std::vector<KeyValues> moved;
    for (const KeyValues& key : pending) {
      const std::string nf = KeyNormalForm(pair, key);
      const KeyedRow* a = Find(s1, nf);
      const KeyedRow* b = Find(d, nf);
      if (b && b->count > 1) {
        // The destination holds the key more than once (no constraint
        // there): the copies beyond one are extra, whatever the first says.
        for (int64_t i = 1; i < b->count; ++i) out.confirmed.push_back({DiffKind::kOnlyInDestination, b->key, {}});
      }
      auto diff = Classify(pair, a, b);
      if (!diff) {
        ++out.in_flight;
        continue;
      }
      if (SameRow(a, Find(s2, nf)) || round + 1 == kRounds) {
        if (round + 1 == kRounds && !SameRow(a, Find(s2, nf))) ++out.unsettled;
        out.confirmed.push_back(std::move(*diff));
        continue;
      }
      moved.push_back(key);
    }
    pending = std::move(moved);
  }
  return out;
}

}  // namespace godwit
