// The one event type that travels the change pipeline: capture (a source's
// change stream) -> store (the local change log) -> replay (the Writer).
//
// A transaction arrives as kBegin, its row/DDL events, kCommit, in source
// commit order. Row values are canonical text (model/types.h), the same
// form the full migration copies, so the Writer converts between dialects
// exactly as the bulk copy does.
//
// Positions: every event carries the position from which capture can
// restart so as to see the events after it again; a Writer may consider a
// transaction applied only once its kCommit is applied, and resumes from
// the kCommit position of the last applied transaction.
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/position.h"
#include "model/table_schema.h"

namespace godwit {

enum class ChangeKind : uint8_t {
  kBegin = 0,
  kCommit = 1,
  kInsert = 2,
  kUpdate = 3,
  kDelete = 4,
  kTruncate = 5,
  kDdl = 6,
};

// One column's value in a row image.
struct FieldValue {
  enum class State : uint8_t {
    kNull = 0,
    kValue = 1,
    // Not sent by the source and not changed by this update (PostgreSQL's
    // unchanged TOAST values): the Writer leaves the destination's value.
    kUnchanged = 2,
  };
  State state = State::kNull;
  std::string bytes;  // canonical text when state == kValue

  static FieldValue Null() { return {}; }
  static FieldValue Of(std::string v) { return {State::kValue, std::move(v)}; }
  static FieldValue Unchanged() { return {State::kUnchanged, {}}; }
  bool operator==(const FieldValue&) const = default;
};

using RowImage = std::vector<FieldValue>;

struct ChangeEvent {
  ChangeKind kind = ChangeKind::kBegin;
  // Row events, kTruncate and (when the statement names one) kDdl.
  TableRef table;
  // Row events: the column names the images follow, in order.
  std::vector<std::string> columns;
  // kUpdate/kDelete: the old image — the full row, or only the key columns
  // when the source sends no more (the others are kNull then and
  // `before_is_key_only` is set).
  RowImage before;
  bool before_is_key_only = false;
  // kInsert/kUpdate: the new image.
  RowImage after;
  // kDdl: the statement as the source ran it.
  std::string ddl;
  // kDdl: the default schema the statement ran in (MySQL's current database).
  std::string ddl_schema;

  Position position;           // restart point (see above)
  int64_t commit_time_us = 0;  // source commit time, microseconds since the epoch; 0 when unknown
  std::string transaction_id;  // PostgreSQL xid, MySQL GTID or XID; empty when unknown

  bool operator==(const ChangeEvent&) const = default;
};

}  // namespace godwit
