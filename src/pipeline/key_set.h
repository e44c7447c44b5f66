// Conditions selecting the rows of a table by a set of key values: the
// chunk copier's retry deletes (chunker.cc), the Checker's re-reads of the
// rows it found different and its corrections (src/verify/).
#pragma once

#include <span>
#include <string>
#include <vector>

#include "model/table_schema.h"
#include "schema/dialect.h"

namespace godwit {

// Canonical text of each key column, in key order.
using KeyValues = std::vector<std::string>;

// Keys per condition.
inline constexpr size_t kKeysPerCondition = 500;

// Conditions (the text after WHERE), each over at most kKeysPerCondition of
// `keys`, that together select exactly the rows of `table` whose `key` is
// one of `keys`: `k IN (...)`, or `(k1 = .. AND k2 = ..) OR ...` for a
// composite key. Where the destination's collation equates values the key
// keeps apart (case, accents, trailing blanks), each value is also matched
// through Dialect::ExactKeyExpr, so no other row is selected; the plain
// comparison stays in front so that the key's index is used.
std::vector<std::string> KeySetPredicates(const Dialect& dialect, const TableSchema& table, const IndexDef& key,
                                          std::span<const KeyValues> keys);

}  // namespace godwit
