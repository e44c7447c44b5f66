// DDL during synchronization: what to run on the destination so that one
// table has the shape its source table has now.
//
// Rather than translating each source statement between dialects, the
// Writer re-reads the changed table from the source catalog, converts it as
// the full migration does (schema/table_conversion.h), and compares it with
// the destination's catalog: columns added, dropped, renamed or redefined,
// indexes created or dropped, the table created or dropped. Converting the
// result instead of the statement means every DDL form the source accepts
// (MySQL's CHANGE, MODIFY, ALGORITHM=..., several actions in one ALTER)
// comes out as the destination's own statements, and applying the same
// change twice (a restart after the DDL ran but before its checkpoint)
// finds nothing left to do.
//
// Thread-safety: pure functions.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "model/table_schema.h"
#include "schema/dialect.h"

namespace godwit {

struct TableChangeOptions {
  // A column dropped and another added at the same position is a rename
  // (PostgreSQL keeps a renamed column's position; MySQL's CHANGE and
  // RENAME COLUMN too). Off when the statement renames nothing, so that a
  // genuine drop and add are never mistaken for a rename.
  bool detect_renames = false;
  // Column definitions (type, nullability, default) are compared only for
  // the columns this returns true for (those the statement names); null =
  // none. Reading a catalog back can differ in details that are not a
  // change, and a needless type change rewrites the whole table.
  std::function<bool(const std::string&)> redefines;
};

struct TableChange {
  std::vector<std::string> statements;  // in order
  std::vector<std::string> warnings;    // what could not be carried, for the user
};

// `wanted`: the source table converted for the destination (nullopt: the
// source table is gone); `current`: the destination's table as its catalog
// reads it (nullopt: none).
Result<TableChange> PlanTableChange(const std::optional<TableSchema>& wanted, const std::optional<TableSchema>& current,
                                    const Dialect& dialect, const TableChangeOptions& options);

// The table as of a change in the stream whose rows carry `columns` (in
// order), when the source catalog (`now`, converted for the destination)
// may already be ahead of that change — several DDL statements can run
// before the Writer reaches the first of them. Each column's definition is
// taken from the destination table when it has the column already, else
// from `now` by name, else from `now` at the same position when that
// column is not itself among `columns` (renamed since); indexes and the
// key keep only what the columns allow. kNotFound when a column cannot be
// placed at all. Columns `redefined` returns true for (those a recorded
// ALTER statement changes the type of) take `now`'s definition instead: the
// destination's is the one being replaced.
Result<TableSchema> ShapeAsOfChange(const TableSchema& now, const std::optional<TableSchema>& current,
                                    const std::vector<std::string>& columns,
                                    const std::function<bool(const std::string&)>& redefined = nullptr);

}  // namespace godwit
