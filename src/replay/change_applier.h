// The core of the Writer: applies the row changes of source transactions
// (model/change_event.h) to a destination through a Session, idempotently,
// and records the applied position in the same destination transaction.
//
// Idempotence. The change log overlaps the rows the full copy already saw,
// and a restart may replay part of a transaction whose commit was lost, so
// every row change is written so that applying it to a destination that
// already holds its effect (or lacks the row it expects) ends in the
// source's state:
//   insert            upsert: an existing key is updated to the new image
//   update            upsert of the after-image (a missing row is inserted);
//                     a key change deletes the old key, then upserts
//   delete            by key; a missing row is a no-op
//   kUnchanged value  the source's current row supplies it
//                     (ApplierOptions::source_row); without that, the column
//                     is left out of the statement, so the destination
//                     keeps its value, and a missing row is an error
//   key-only before   matched by the key columns, as any keyed row
//   truncate          empties the table in the transaction
// A table without a primary key or unique NOT NULL index is matched by
// its full before-image (NULL-safe equality), touching exactly one row;
// such tables cannot be made idempotent (an insert the copy already saw
// duplicates the row), so the caller gets one warning per table.
//
// Checkpoint. Each ApplyTransaction/ApplyBatch commits the data and one
// row of `godwit_checkpoint` (stream id -> change-log sequence, Position
// JSON) in a single destination transaction. After a crash at any moment
// the destination holds either both or neither, so resuming after the
// sequence LoadCheckpoint() returns neither loses nor re-applies a
// transaction; a transaction at or below that sequence is skipped.
//
// Source commit order is kept: transactions apply one after another, and
// changes within one in their order. Parallel apply by key hash (changes to
// the same row keep their order, independent rows go to several sessions)
// is replay/partitioned_applier.h, one ChangeApplier per session.
//
// DDL events are not applied here (kUnsupported): the DDL step handles them.
//
// Thread-safety: one thread at a time, like the Session it uses.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "connector/session.h"
#include "model/change_event.h"
#include "model/position.h"
#include "model/table_schema.h"
#include "schema/dialect.h"

namespace godwit {

// A source row asked for by key: what fills in the values a row change
// leaves out (kUnchanged — PostgreSQL does not resend an unchanged TOASTed
// value) when the destination has no row to keep them from.
struct SourceRowRequest {
  TableRef table;                        // the source table
  std::vector<std::string> key_columns;  // source column names
  RowImage key_values;                   // kValue or kNull, canonical text
  std::vector<std::string> columns;      // the values wanted, in this order
};

// Reads the row of `table` whose key is `key_values` as the source holds it
// now, and returns the wanted columns' values in order, canonical as the
// change stream carries them; nullopt when the source has no such row. An
// error is returned to the applier's caller (a retryable one retries the
// transaction). sync/source_rows.h reads it over a source Session.
using SourceRowLookup = std::function<Result<std::optional<RowImage>>(const SourceRowRequest&)>;

struct ApplierOptions {
  // Names this stream's row in the checkpoint table (one per migration, or
  // per partition once apply is parallel). Required.
  std::string stream_id;
  // Where the checkpoint table lives; empty schema = the session's default.
  TableRef checkpoint_table{"", "godwit_checkpoint"};
  // DML kinds the user switched off are skipped (not an error).
  bool apply_insert = true;
  bool apply_update = true;
  bool apply_delete = true;
  // Upper bound on the rows one multi-row INSERT/DELETE carries.
  size_t max_rows_per_statement = 256;
  // Apply each Apply() call's events by their net effect per key: every
  // key's last change only, the deletes of a table before its upserts,
  // tables in order of first appearance — so that many changes become a
  // few multi-row statements. The destination ends in the same state (the
  // whole transaction commits at once), but the intermediate order differs,
  // which a unique secondary key or a foreign key can object to: the piece
  // is then rolled back to a savepoint and applied in source order.
  bool compact = true;
  // Called with a human-readable warning (a table without a key, once).
  std::function<void(const std::string&)> on_warning;
  // Reads a row's current values from the source for every change that
  // leaves values unchanged: replayed over a newer copy, the destination's
  // row at that key may be another row, or missing (see
  // ChangeApplier::FillFromSource). Without it the destination's row keeps
  // them — right only when the destination holds exactly the state before
  // the change — and a missing row is an error rather than the column's
  // default.
  SourceRowLookup source_row;
};

// What the destination has applied of one stream.
struct AppliedCheckpoint {
  Position position;      // the kCommit position of the last applied transaction
  uint64_t sequence = 0;  // its change-log sequence
  bool operator==(const AppliedCheckpoint&) const = default;
};

// One source transaction as ApplyBatch takes it: its row/truncate events
// (kBegin/kCommit may be included; they are ignored), the position of its
// kCommit and its change-log sequence.
struct SourceTransaction {
  std::span<const ChangeEvent> events;
  Position commit_position;
  uint64_t sequence = 0;
};

struct ApplyStats {
  uint64_t transactions = 0;          // applied (committed) source transactions
  uint64_t skipped_transactions = 0;  // at or below the checkpoint
  uint64_t inserts = 0, updates = 0, deletes = 0, truncates = 0;
  uint64_t filtered = 0;  // row events of a kind switched off
  uint64_t statements = 0;
  uint64_t compaction_fallbacks = 0;  // pieces applied in source order after the compacted form failed
  uint64_t source_reads = 0;          // rows read from the source for values a change left unchanged
};

// Deletes stream `stream_id`'s checkpoint row, and the checkpoint table
// when no other stream has one (a released migration leaves nothing).
Status DropCheckpoint(Session& session, const Dialect& dialect, const std::string& stream_id,
                      TableRef checkpoint_table = {"", "godwit_checkpoint"});

class ChangeApplier {
 public:
  // `session` (not owned) must outlive the applier and be used by nothing
  // else meanwhile. `tables` maps each source table to its destination
  // schema (ObjectMapping + ConvertTable, as the full migration computes
  // it); events are matched to destination columns by name. Creates the
  // checkpoint table when missing and reads this stream's checkpoint.
  static Result<std::unique_ptr<ChangeApplier>> Open(Session& session, const Dialect& dialect,
                                                     std::map<TableRef, TableSchema> tables, ApplierOptions options);

  // The last applied position and sequence, read from the destination; nullopt
  // when nothing was applied yet.
  Result<std::optional<AppliedCheckpoint>> LoadCheckpoint();

  // Applies one source transaction and its checkpoint in one destination
  // transaction. A sequence at or below the checkpoint is skipped (OK). On
  // error the destination transaction is rolled back: neither rows nor
  // checkpoint stay; the status keeps the database's native code and
  // names the table and statement.
  Status ApplyTransaction(std::span<const ChangeEvent> events, const Position& commit_position, uint64_t sequence);

  // Several source transactions, in the given (source commit) order, in
  // one destination transaction with one checkpoint write (the last one's).
  Status ApplyBatch(std::span<const SourceTransaction> transactions);

  // The streaming form, for transactions too large to hold in memory (the
  // Writer reads them from the change log a piece at a time):
  //   Begin(); Apply(events)...; Commit(position, sequence, transactions)
  // all in one destination transaction. Apply does not skip by sequence:
  // the caller starts after the checkpoint. An error from Apply or Commit
  // has already rolled back (rows, checkpoint and stats); Abort() rolls
  // back an open transaction on the caller's behalf (cancellation).
  // `also_streams`: further checkpoint rows written with the same position
  // in the same transaction (partitioned apply: a transaction applied
  // serially moves every partition's checkpoint at once).
  Status Begin();
  Status Apply(std::span<const ChangeEvent> events);
  Status Commit(const Position& commit_position, uint64_t sequence, uint64_t transactions = 1,
                std::span<const std::string> also_streams = {});
  void Abort();
  bool in_transaction() const { return in_transaction_; }

  // A table's destination schema changed (DDL during synchronization):
  // later events of `source` use `destination`; nullopt drops the table
  // from this applier (its later events are an error). Outside a
  // transaction only.
  void SetTable(const TableRef& source, std::optional<TableSchema> destination);

  // The checkpoint as of the last commit (or as loaded at Open).
  const std::optional<AppliedCheckpoint>& applied() const { return applied_; }

  const ApplyStats& stats() const { return stats_; }

  ~ChangeApplier();

 private:
  struct TableState;
  struct Pending;
  ChangeApplier(Session& session, const Dialect& dialect, std::map<TableRef, TableSchema> tables,
                ApplierOptions options);

  Status EnsureCheckpointTable();
  Status ApplyEvent(const ChangeEvent& event);
  Status ApplyCompacted(std::span<const ChangeEvent> events);
  Status ApplyRowEvent(const ChangeEvent& event, TableState& table);
  Status ApplyKeylessEvent(const ChangeEvent& event, TableState& table);
  Status ApplyKeyChange(const ChangeEvent& event, TableState& table);
  Result<bool> FillFromSource(const ChangeEvent& event, TableState& table, RowImage& image);
  Status WriteCheckpoint(const std::string& stream_id, const Position& position, uint64_t sequence);
  Status Flush();
  Status Run(const std::string& sql, const std::string& table);
  Result<bool> RowExists(TableState& table, const std::string& predicate);
  Result<TableState*> Table(const TableRef& source);

  Session& session_;
  const Dialect& dialect_;
  std::map<TableRef, TableSchema> schemas_;
  std::map<TableRef, std::unique_ptr<TableState>> tables_;
  ApplierOptions options_;
  TableRef checkpoint_ref_;
  std::optional<AppliedCheckpoint> applied_;
  std::unique_ptr<Pending> pending_;
  ApplyStats stats_;
  ApplyStats before_;  // stats at Begin, restored by Abort
  bool in_transaction_ = false;
};

}  // namespace godwit
