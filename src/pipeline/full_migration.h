// The full migration: schema, then rows in parallel chunks, then indexes,
// then constraints and views — resumable from the metadata store at any
// point.
//
//   source catalog ──► convert tables ──► create tables (no secondary
//   indexes, FKs, CHECKs) ──► snapshot + log position ──► plan chunks
//   ──► N workers: read chunk ─queue─► bulk load ─commit─► checkpoint
//   ──► build indexes (N in parallel) ──► FKs, CHECKs, after-load ──► views
//
// Each table advances through TablePhase in the metadata store; a table
// that fails stops alone, with its error recorded, and the others go on.
// Running again resumes every unfinished table from its last checkpoint.
//
// Thread-safety: Run() is called once, from one thread; progress() and
// Cancel() may be called from any thread while it runs.
#pragma once

#include <atomic>
#include <memory>
#include <string>

#include "common/status.h"
#include "connector/endpoint.h"
#include "model/value.h"
#include "model/object_mapping.h"
#include "pipeline/progress.h"

namespace godwit {

// The machine's core count, at least 2.
int DefaultConcurrency();

// How much of the migration a run does. The service runs schema migration
// and full migration as separate subtasks over one checkpoint file.
enum class FullMigrationScope {
  kEverything,  // tables, rows, indexes, constraints, views
  kTablesOnly,  // create the tables (primary keys only) and stop: rows come next
  kSchemaOnly,  // every object, no rows: tables, indexes, constraints, views
};

struct FullMigrationOptions {
  Endpoint source;
  Endpoint destination;
  ObjectRules objects;
  // Parallel chunk copies. Each worker keeps two threads busy (reader and
  // writer) plus a backend on each server, so more workers than cores only
  // adds switching when the databases share the machine; measured on 2
  // cores, 2 workers copy MySQL->PostgreSQL ~40% faster than 4.
  int concurrency = DefaultConcurrency();
  int64_t chunk_rows = 100000;
  std::string state_path;  // the metadata store file
  bool restart = false;    // forget saved progress (the destination is not touched)
  // PostgreSQL source: create this logical replication slot and copy inside
  // its exported snapshot, so change capture can take over exactly there.
  std::string replication_slot;
  BatchLimits batch;
  FullMigrationScope scope = FullMigrationScope::kEverything;
  // Incremental synchronization follows this migration: it replays the
  // source's log from the snapshot's position, DDL included. Once the copy
  // has completed (every table the state file knows is), synchronization
  // owns the destination, and a source table the state file does not know
  // was created or renamed on the source since: synchronization carries it
  // (the source's DDL creates it on the destination, then its rows fill
  // it), so a later run records it as synchronized, with a warning, rather
  // than copy it — or refuse it as a destination table holding rows.
  bool incremental = false;
};

class FullMigration {
 public:
  explicit FullMigration(FullMigrationOptions options);
  ~FullMigration();

  // Runs to completion, failure or cancellation. OK only when every table
  // completed; otherwise the error lists the failed tables (each one's
  // error is in progress()).
  Status Run();

  // Stops soon: in-flight chunks roll back and will be copied again on resume.
  void Cancel() { cancel_ = true; }
  const Progress& progress() const { return progress_; }
  // True once the source snapshot was taken and its log position recorded
  // in the state file (change capture may start from it).
  bool SnapshotTaken() const { return snapshot_taken_; }

 private:
  struct Impl;
  FullMigrationOptions options_;
  std::atomic<bool> cancel_{false};
  std::atomic<bool> snapshot_taken_{false};
  Progress progress_;
};

}  // namespace godwit
