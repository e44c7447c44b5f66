// Re-checking the rows pass 2 found different, by key, so that a row that
// was changing while it was compared is not reported as a difference.
//
// Under incremental synchronization the destination is always a little
// behind the source: a row updated on the source just before a unit was
// read may not be on the destination yet. Pass 2's differences are only
// suspects. For each round:
//   1. read the suspects' source rows by key            -> S
//   2. wait until the destination has everything the source committed
//      before now (CatchUpWaiter; T is taken after S on purpose)
//   3. read the same keys on the destination             -> D
//   4. read the source again                             -> S2
// A key whose D equals S is consistent (it was in flight). A key whose D
// differs while S2 equals S is a confirmed difference: the row did not
// change between the reads of S and S2, an interval that holds T and the
// read of D, and every commit before T was on the destination by then. A
// key whose source moved (S2 != S) goes to the next round; after three it
// is reported as unsettled (a hot row) with what the last round saw.
#pragma once

#include <chrono>
#include <functional>
#include <span>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "connector/session.h"
#include "verify/unit_pass.h"

namespace godwit {

// Waits until the destination holds everything the source committed before
// a moment.
class CatchUpWaiter {
 public:
  virtual ~CatchUpWaiter() = default;
  // Returns once every change the source committed before `before` has
  // been applied on the destination; kCancelled/kReadFailed style errors,
  // or a timeout error when `timeout` passes first.
  virtual Status WaitPast(std::chrono::system_clock::time_point before, std::chrono::seconds timeout) = 0;
};

// No synchronization runs: the destination changes only when someone writes
// to it, so there is nothing to wait for.
class NoCatchUp : public CatchUpWaiter {
 public:
  Status WaitPast(std::chrono::system_clock::time_point, std::chrono::seconds) override { return Status(); }
};

// One side's row at a key, hashed (the key in normal form is the map key).
struct KeyedRow {
  XXH128_hash_t row{};
  std::vector<uint64_t> columns;
  KeyValues key;      // canonical values as that side returned them
  int64_t count = 1;  // rows at this key (more than one: a duplicate the destination lacks a constraint against)
};
using KeyedRows = std::unordered_map<std::string, KeyedRow>;

// Calls `each` with every row of `side` whose key is one of `keys`
// (canonical text, from either side), in batches of kKeysPerCondition keys.
// Rows a collation equates with a key but that are not it may come too:
// callers match by normal form.
Status ForEachRowByKey(Session& session, const TablePair& pair, Side side, std::span<const KeyValues> keys,
                       const BatchLimits& limits, const std::function<void(std::span<const Value>)>& each);

// The rows of `side` at `keys`, hashed, by key normal form.
Result<KeyedRows> ReadRowsByKey(Session& session, const TablePair& pair, Side side, std::span<const KeyValues> keys,
                                const BatchLimits& limits);

// A key's normal form (RowHasher::Key over the key's values).
std::string KeyNormalForm(const TablePair& pair, const KeyValues& key);

struct RecheckResult {
  std::vector<RowDifference> confirmed;  // differences, unsettled ones included
  int64_t in_flight = 0;                 // suspects found consistent
  int64_t unsettled = 0;                 // still moving after every round
};

// Re-checks `suspects` of a table with a key (see above). `timeout` bounds
// each wait for the destination.
Result<RecheckResult> Recheck(Session& source, Session& destination, const TablePair& pair,
                              const std::vector<RowDifference>& suspects, CatchUpWaiter& waiter,
                              std::chrono::seconds timeout, const BatchLimits& limits);

// Compares a source and a destination row at one key (either absent):
// nullopt when consistent.
std::optional<RowDifference> Classify(const TablePair& pair, const KeyedRow* source, const KeyedRow* destination);

}  // namespace godwit
