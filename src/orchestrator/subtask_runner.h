// Runs one subtask of a project (precheck, schema migration, full
// migration) with the engine underneath, and frees what a project holds
// when it is released.
//
// A subtask is resumable: running it again after a pause, a failure or a
// crash continues from the checkpoints in the project's checkpoint file
// (meta/meta_store.h); nothing finished is redone.
//
// Thread-safety: RunSubtask runs on the calling thread; `cancel` and the
// FullMigration handed to `attach` may be used from other threads while it
// runs (FullMigration::Cancel, FullMigration::progress).
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "model/position.h"
#include "orchestrator/project.h"
#include "orchestrator/resume_state.h"
#include "pipeline/full_migration.h"
#include "verify/recheck.h"
#include "verify/verifier.h"

namespace godwit {

// What the orchestrator sees of a subtask's engine while it runs.
class RunningEngine {
 public:
  virtual ~RunningEngine() = default;
  virtual void Cancel() = 0;
  virtual double Percent() const = 0;
  // Live detail as the API shows it: per-table progress of a copy, or the
  // synchronization's latency, positions and counts.
  virtual nlohmann::json Detail() const = 0;
  // A synchronization's status (nullopt for the other engines), for what
  // waits on it in code rather than reading its display JSON.
  virtual std::optional<SyncStatus> Sync() const { return std::nullopt; }
};

struct SubtaskRun {
  const Project* project = nullptr;
  std::string project_dir;  // DATA_DIR/projects/ID
  const std::atomic<bool>* cancel = nullptr;
  // Called with the engine while it runs and with nullptr once it returned,
  // so that a pause can cancel it and the API can show its live progress.
  std::function<void(RunningEngine*)> attach;
  // Called when a running subtask's status changes without ending
  // (incremental synchronization: Monitoring).
  std::function<void(SubtaskStatus)> set_status;
  // Raises an alert for the user (the project's event history and the log):
  // latency above the alert threshold, the source's log retention at risk.
  std::function<void(const std::string&)> alert;
  // What the subtask's previous runs left (its stored resume state):
  // incremental synchronization carries its Monitoring status, per-table
  // counts and the DDL the user skipped from run to run; a verification
  // the re-run mode the user asked for.
  SyncResumeState sync_resume;
  VerifyResumeState verify_resume;
  // Incremental synchronization with full verification after it: called
  // once, on a thread of the synchronization's, when it first reaches
  // Monitoring, with a waiter over it (orchestrator/sync_catch_up.h); runs the
  // verification subtask beside it and returns when that ends, or soon
  // after `sync_ended` is set (the synchronization stopped).
  std::function<void(std::shared_ptr<CatchUpWaiter>, const std::atomic<bool>* sync_ended)> start_verification;
  // Full verification: waits for the synchronization it runs beside (null:
  // none runs, the destination only changes when someone writes to it).
  std::shared_ptr<CatchUpWaiter> waiter;
  // Full verification: more flags that stop it (skipping the stage while
  // the project goes on; the synchronization it runs beside ending).
  const std::atomic<bool>* cancel_stage = nullptr;
  const std::atomic<bool>* sync_ended = nullptr;
};

struct SubtaskOutcome {
  Status status;                    // OK, CANCELLED (paused), or the error
  std::string object;               // the object the error concerns, when one
  nlohmann::json detail = nullptr;  // precheck items, or per-table progress
  double progress = 0;              // 0..100
  // Incremental synchronization: what its next run continues from.
  std::optional<SyncResumeState> sync_resume;
};

SubtaskOutcome RunSubtask(SubtaskKind kind, const SubtaskRun& run);

// What the project's full verification compares, and where it keeps its
// results (PROJECT_DIR/verify.db).
VerifyOptions ProjectVerifyOptions(const Project& project, const std::string& project_dir);

// Per-table progress of a full-migration run as the API shows it.
nlohmann::json ProgressToJson(const ProgressSnapshot& snapshot);
// Overall percentage of a run: migrated over estimated rows, below 100
// until the run has finished.
double ProgressPercent(const ProgressSnapshot& snapshot);

// Frees what the project holds: on a PostgreSQL source its replication
// slot and publication (named godwit_ID); with incremental synchronization
// its heartbeat row on the source and checkpoint row on the destination;
// locally its change logs and temporary files. Each freed item is added to `freed`; each failure to
// `not_freed` with the reason. Returns the first failure; with `force` the
// caller goes on regardless.
Status ReleaseResources(const Project& project, const std::string& project_dir, std::vector<std::string>& freed,
                        std::vector<std::string>& not_freed);

// The retention alert for a project that is not running: its slot's WAL
// (PostgreSQL) or the age of the binlog its Store needs (MySQL: `needed`
// and `needed_time_us`, the last stored change) against the source's
// limits. Empty when nothing is at risk.
Result<std::string> CheckProjectRetention(const Project& project, const Position& needed, int64_t needed_time_us);

// The name of the replication slot and publication a project owns; also
// its stream id (heartbeat row on the source, checkpoint rows on the
// destination): godwit_<instance>_<id>, unique across daemons sharing a
// server, or godwit_<id> for a project created before instances had ids.
std::string ProjectSlotName(const Project& project);

}  // namespace godwit
