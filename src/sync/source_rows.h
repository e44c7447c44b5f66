// The Writer's read of a source row by key (replay/change_applier.h,
// SourceRowLookup): a row change that leaves values out (PostgreSQL's
// unchanged TOASTed values), replayed where the destination has no row to
// keep them from, takes them from the source's current row.
//
// The row is read as the full copy reads rows — the column's SelectExpr
// and the source catalog's ColumnType through Session::Query — so its
// values are canonical text exactly as the copy and the change stream
// produce them.
//
// Thread-safety: the returned lookup may be called from several threads
// (partitioned apply); calls take turns on its one connection.
#pragma once

#include "connector/endpoint.h"
#include "replay/change_applier.h"

namespace godwit {

// A lookup reading from `source` over a connection of its own, opened at
// the first read (most synchronizations never need one) and again after
// a lost connection (the error is returned, retryable, and the Writer
// retries). A table's columns are read from the source catalog once, and
// again when a wanted column is missing (DDL since). Errors: the table or a
// wanted column no longer on the source (kNotFound: the values cannot be
// known), the source refusing the read.
SourceRowLookup SourceRowLookupFor(const Endpoint& source);

}  // namespace godwit
