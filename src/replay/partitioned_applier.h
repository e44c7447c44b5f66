// Parallel apply by key hash: the Writer's changes spread over several
// destination sessions, each with a ChangeApplier of its own, so that the
// destination works on independent rows at once (one session is bound by
// its round trips and by one backend's share of the CPU).
//
// Routing (PartitionRouter, pure). Every change to one row goes to the
// same partition, so changes to a row keep their source order:
//   keyed table     by a hash of the table and the key's values
//   key change      split: delete of the old key to the old key's
//                   partition, upsert of the whole new row to the new key's
//   by table        tables whose rows are not independent on the
//                   destination — no key, a unique secondary index (two
//                   rows can swap a unique value), foreign keys (tables
//                   linked by them share a partition), or a key compared
//                   through a collation (two spellings, one row)
//   serial          a truncate, a key change that leaves columns
//                   unchanged (the row must move with its stored values),
//                   or a source transaction too large to hold in memory
//                   whole: every partition commits what it has first, then
//                   the transaction (and the rest of the batch) applies
//                   alone on partition 0, in one destination transaction
//
// Checkpoints. Each partition has its own checkpoint row (stream id for
// partition 0, "<stream id>.p<k>" for the others), committed with its rows.
// A partition skips the changes at or below its own checkpoint, so after a
// crash between the partitions' commits each one resumes exactly where it
// stopped. A serially applied transaction moves every partition's row in
// its one transaction, so partitions never disagree about it. At Open the
// rows are made to exist (a missing one would be ambiguous after a crash):
// from a single-session checkpoint of an earlier run they all start at its
// sequence; when the partition count changed, all restart from the lowest
// (changes after it apply again: idempotent for keyed rows).
//
// Visibility. A source transaction routed over several partitions commits
// in several destination transactions at the end of its batch, so for a
// moment the destination may show part of it; a large or serial one
// commits whole. Every batch commit waits for all partitions, and after
// catching up the destination equals the source.
//
// Thread-safety: one caller thread; the partitions' sessions are used by
// their worker threads only, except control_session() while idle.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/mutex.h"
#include "common/status.h"
#include "connector/session.h"
#include "model/change_event.h"
#include "model/table_schema.h"
#include "replay/change_applier.h"
#include "schema/dialect.h"

namespace godwit {

// One event's share for one partition.
struct RoutedChange {
  int partition = 0;
  ChangeEvent event;
};

class PartitionRouter {
 public:
  // `tables`: source table -> destination schema, as the applier takes it.
  PartitionRouter(const std::map<TableRef, TableSchema>& tables, const Dialect& dialect, int partitions);

  // Appends `e`'s parts to `out` (moving from `e`); false when `e` must be
  // applied serially (nothing appended then, `e` untouched).
  bool Route(ChangeEvent& e, std::vector<RoutedChange>& out);
  bool NeedsSerial(const ChangeEvent& e) { return PlanFor(e).serial; }

  // A table's destination schema changed (DDL): routing is recomputed.
  void SetTable(const TableRef& source, std::optional<TableSchema> destination);

  int partitions() const { return partitions_; }

 private:
  struct TableRoute {
    bool by_key = false;
    int partition = 0;                   // when !by_key
    std::vector<std::string> key_names;  // when by_key
    std::vector<std::string> last_columns;
    std::vector<int> key_positions;  // in last_columns
  };
  struct Plan {
    bool serial = true;
    int partition = 0;
    int split_to = -1;  // a key change: the new key's partition
  };
  Plan PlanFor(const ChangeEvent& e);
  void Rebuild();
  const TableRoute* RouteOf(const TableRef& table, const std::vector<std::string>& columns);
  // nullopt: the key is not wholly in `image` (unchanged or missing).
  std::optional<uint64_t> KeyHash(const TableRef& table, const TableRoute& route, const RowImage& image,
                                  const RowImage* fill) const;

  std::map<TableRef, TableSchema> tables_;
  const Dialect& dialect_;
  int partitions_;
  std::map<TableRef, TableRoute> routes_;
};

class PartitionedApplier {
 public:
  using ConnectFn = std::function<Result<std::unique_ptr<Session>>()>;

  // Opens `partitions` sessions with `connect`, one ChangeApplier each
  // (options.stream_id names partition 0; the DML switches are applied
  // here, before routing, since a split key change must not be filtered
  // as a delete and an insert), and brings the checkpoint rows to the
  // layout above. `on_warning` gets what the user should know.
  static Result<std::unique_ptr<PartitionedApplier>> Open(const ConnectFn& connect, const Dialect& dialect,
                                                          const std::map<TableRef, TableSchema>& tables,
                                                          ApplierOptions options, int partitions);
  ~PartitionedApplier();

  // Where reading the change log resumes: the lowest partition checkpoint
  // (nullopt: nothing applied yet).
  std::optional<AppliedCheckpoint> resume_point() const;

  // Row and truncate events of the current source transaction, in order,
  // with their change-log sequences. A transaction is held until
  // EndTransaction (up to a bound; a larger one is routed as it comes), so
  // that one needing serial apply goes to partition 0 whole. Returns at
  // once (the partitions apply in the background); an error shows at the
  // latest at Commit.
  Status Apply(std::vector<ChangeEvent>& events, std::span<const uint64_t> sequences);

  // The current source transaction is complete: its kCommit's position
  // and change-log sequence.
  Status EndTransaction(const Position& position, uint64_t sequence);

  // Commits every partition with the checkpoint of the source transaction
  // ending at `sequence` (the last ended), and waits for all.
  Status Commit(const Position& position, uint64_t sequence, uint64_t transactions);

  // Commits what the partitions hold under the last ended transaction's
  // checkpoint (rows of an unfinished transaction apply again, idempotently,
  // after a crash) and waits: the destination is then idle for DDL.
  Status Settle();

  // Rolls back every open transaction and waits.
  void Abort();

  // Partition 0's session, for DDL between Settle() and the next Apply.
  Session& control_session();
  void SetTable(const TableRef& source, std::optional<TableSchema> destination);

  // Summed over the partitions; read while idle (after Commit/Settle).
  uint64_t statements() const;
  double apply_ms() const;  // time the partitions spent applying
  uint64_t filtered() const { return filtered_; }
  int partitions() const;

 private:
  struct Worker;
  PartitionedApplier(const Dialect& dialect, const std::map<TableRef, TableSchema>& tables, ApplierOptions options,
                     int partitions);
  Status Dispatch(int partition, bool force);
  Status WaitAll();
  Status EnterSerial();
  Status SettleRouted();  // Settle without the held events
  Status RouteHeld();     // hands the held events to the partitions
  Status RouteOne(ChangeEvent& e, uint64_t sequence);

  ApplierOptions options_;
  PartitionRouter router_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::vector<ChangeEvent>> buffers_;  // per partition, not yet handed over
  std::vector<RoutedChange> routed_;               // scratch
  // The current source transaction's events, until it ends or grows past
  // the bound (then `spilled_`: the rest is routed as it comes).
  std::vector<ChangeEvent> held_;
  std::vector<uint64_t> held_seqs_;
  bool spilled_ = false;
  // Until the next Commit everything applies on partition 0 alone.
  bool serial_ = false;
  Position last_ended_position_;  // of the last ended source transaction
  uint64_t last_ended_seq_ = 0;
  Mutex warn_mu_;
  std::set<std::string> warned_ GODWIT_GUARDED_BY(warn_mu_);
  uint64_t filtered_ = 0;
};

// The checkpoint rows of `stream_id`'s partitions and its own; the table
// goes when no other stream has a row (DropCheckpoint).
Result<bool> DropPartitionedCheckpoint(Session& session, const Dialect& dialect, const std::string& stream_id);

// Partition k's checkpoint row name.
std::string PartitionStreamId(const std::string& stream_id, int partition);

}  // namespace godwit
