// Incremental synchronization of one project and direction: the Store
// (store/capture.h: the source's change stream into the local change log)
// and the Writer (sync/writer.h over replay/: the log into the destination),
// each on a thread of its own, with Godwit's heartbeat on the source
// (sync/heartbeat.h) and a watch on the source's log retention.
//
//   source ──stream──► Store ──append+fsync──► change log ──► Writer ──► destination
//     ▲ heartbeat row, 1/s        (confirm durable only)        (rows + checkpoint, one txn)
//
// Positions. Nothing a restart needs is kept in memory. The Store resumes
// from the log's own end (or from `start`, the position the full migration
// recorded with its snapshot, while the log is empty) and confirms to the
// source only what the log has made durable. The Writer resumes after the
// change-log sequence in the destination's checkpoint row, which commits
// with the rows it covers. A SIGKILL at any moment and a restart therefore
// neither lose nor re-apply a change; what the log already holds but the
// destination has not applied is applied idempotently (replay/change_applier.h).
//
// Writer batching. Consecutive source transactions share one destination
// transaction until `batch_events` events, `batch_interval`, or the end of
// what the log holds; a source transaction larger than that is applied a
// piece at a time inside one destination transaction (the log is the
// spill), so memory stays bounded whatever the transaction's size.
// Transactions apply in source commit order.
//
// Failures. A lost connection on either side is retried with backoff
// (1, 2, 4, 8, 10, 10... s) from the durable positions; after
// `max_reconnects` attempts without progress, Run fails with the last
// error. A dropped slot, a purged binlog or a change that cannot be applied
// fails at once, saying what happened and what to do.
//
// Thread-safety: Run() on one thread; status(), RequestStopWhenCaughtUp()
// and the cancel flag from any.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/status.h"
#include "connector/change_capture.h"
#include "connector/endpoint.h"
#include "model/object_rules.h"
#include "model/position.h"

namespace godwit {

struct SyncTableStats {
  std::string source;
  std::string destination;
  uint64_t inserts = 0, updates = 0, deletes = 0;
};

struct SyncOptions {
  Endpoint source;
  Endpoint destination;
  ObjectRules objects;
  std::string log_dir;  // this project's and direction's change log
  // Names the destination checkpoint row, the heartbeat row and the DDL
  // log's rows: capture.row_id, which names the same rows.
  std::string stream_id;
  // Where capture starts while the log is empty: the position the full
  // migration recorded (a PgLsnPos with its slot, or a MysqlBinlogPos).
  Position start;
  // The capture's names on the source: the PostgreSQL slot and
  // publication, the MySQL replica server_id (connector/change_capture.h).
  CaptureNames capture;
  bool apply_insert = true;
  bool apply_update = true;
  bool apply_delete = true;
  // Write the heartbeat row every `heartbeat_interval` (on by default; runs
  // without it, with a warning, when the user may not create the table).
  bool heartbeat = true;
  std::chrono::milliseconds heartbeat_interval{1000};
  // Latency at or under which the synchronization counts as Monitoring.
  double monitoring_threshold_seconds = 300;
  // Apply the DDL captured on the migrated tables (sync/schema_sync.h).
  // Off: DDL is reported as a warning and not applied.
  bool ddl_sync = true;
  // Change-log sequences of DDL the user chose to skip after it failed.
  std::set<uint64_t> skip_ddl_sequences;
  // Per-table counts of earlier runs, which this run adds to (matched by
  // source table name).
  std::vector<SyncTableStats> carried_tables;
  // Destination sessions the Writer applies on, rows spread by key hash
  // (replay/partitioned_applier.h); 1 on SQLite.
  int apply_parallelism = 4;
  size_t batch_events = 10000;
  // Under steady load the log never runs dry at a transaction boundary, so
  // this bounds how long applied changes wait for their commit (latency).
  std::chrono::milliseconds batch_interval{200};
  int max_reconnects = 12;
  std::chrono::milliseconds retention_check_interval{30000};
};

// A captured DDL the destination refused: the project stops here until
// the user fixes the destination or skips the statement.
struct FailedDdl {
  uint64_t sequence = 0;  // in the change log; what a skip names
  std::string statement;
  std::string error;
};

struct SyncStatus {
  bool running = false;
  bool heartbeat = false;   // the heartbeat row is being written
  bool monitoring = false;  // latency has been at or under the threshold
  bool caught_up = false;   // a requested stop-when-caught-up was reached
  // Latency of the last applied transaction (apply time minus its source
  // time); nullopt until one was applied in this run.
  std::optional<double> latency_seconds;
  double latency_updated_seconds_ago = 0;
  Position applied_position;
  int64_t applied_source_time_us = 0;
  // When (Godwit's clock, as the heartbeat row carries it) the newest
  // heartbeat the Writer has committed was written on the source: every
  // change the source committed before that moment is on the destination
  // (the Checker's wait before it confirms a difference). 0: none yet.
  int64_t applied_beat_written_us = 0;
  uint64_t applied_seq = 0;
  Position captured_position;
  int64_t captured_source_time_us = 0;  // commit time of the last stored change
  uint64_t captured_seq = 0;
  uint64_t transactions = 0;  // applied by this run
  uint64_t rows = 0;
  uint64_t bytes = 0;
  double rows_per_second = 0;  // over the last few seconds
  double bytes_per_second = 0;
  double avg_statement_ms = 0;
  double avg_commit_ms = 0;
  int store_reconnects = 0;
  int writer_reconnects = 0;
  std::vector<SyncTableStats> tables;
  std::vector<std::string> warnings;
  std::string retention_alert;  // empty when the source's log retention is not at risk
  std::optional<FailedDdl> failed_ddl;
  std::vector<std::string> applied_ddl;  // statements run on the destination by this run
};

// "0.4 seconds (updated 0.2 seconds ago)", or "unknown (nothing applied yet)".
std::string FormatLatency(const SyncStatus& status);
nlohmann::json SyncStatusToJson(const SyncStatus& status);

// Where synchronization starts: the position the full migration recorded
// with its snapshot in its state file. nullopt until the copy has taken
// its snapshot; SERVER_CONFIG when the source gave no position (binary
// logging off).
Result<std::optional<Position>> RecordedStartPosition(const std::string& state_path);

class Synchronizer {
 public:
  explicit Synchronizer(SyncOptions options);
  ~Synchronizer();

  // Runs until `cancel` is set (CANCELLED, after stopping Store and Writer
  // at durable positions), until caught up after RequestStopWhenCaughtUp()
  // (OK), or an error that retrying does not cure.
  Status Run(const std::atomic<bool>& cancel);

  // The Store alone (with the heartbeat and the retention watch), until
  // `stop`: runs while the full migration copies, so that the source's log
  // is read as it is written instead of piling up (PostgreSQL WAL held by
  // the slot) or expiring (MySQL binlog) during a long copy. Run() later
  // continues from the change log's end. OK when stopped.
  Status RunCapture(const std::atomic<bool>& stop);

  // Asks Run to return OK once the destination has applied everything the
  // source committed before this call: a heartbeat written now marks the
  // point. Needs the heartbeat (Run fails with UNSUPPORTED without it).
  void RequestStopWhenCaughtUp();

  SyncStatus status() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Runs Synchronizer::RunCapture on a thread of its own while a full
// migration copies: waits until `ready()` (the copy has taken its snapshot
// and recorded the position), builds the options with `options()`, and
// captures until Stop(). A capture failure is handed to `on_error` and is
// not fatal: synchronization after the copy resumes from the log's end.
class CaptureDuringCopy {
 public:
  using OptionsFn = std::function<Result<std::optional<SyncOptions>>()>;
  CaptureDuringCopy(std::function<bool()> ready, OptionsFn options, std::function<void(const Status&)> on_error);
  ~CaptureDuringCopy();
  void Stop();

 private:
  void Run();
  std::function<bool()> ready_;
  OptionsFn options_;
  std::function<void(const Status&)> on_error_;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace godwit
