// The orchestrator: runs many migration projects at once and carries out
// the operations users ask for, consulting the one state table
// (state_machine.h) for every operation, single or batch.
//
// Scheduling: a bounded pool of worker threads takes Running projects from
// a queue; each worker runs one project's pending subtasks in order and
// stops when they are done, the project is paused, or a subtask fails. One
// failing project never stalls the others: its error is recorded and the
// worker takes the next project.
//
// Pause and the race with a worker: pause changes the state in the store
// first (Running -> Paused, conditionally), then cancels the running
// engine. A worker only ever writes a project's final state conditionally
// on it still being Running, so a pause that lands as a subtask finishes
// leaves the project Paused and resume continues with the next subtask.
// A resume that arrives while the paused run is still winding down is
// remembered and the project is queued again as soon as it has stopped.
//
// Crash safety: every state change is committed in the metadata store
// before it takes effect. After a restart (also after SIGKILL) Recover()
// queues every Running project, which continues from its checkpoints, and
// finishes releasing every Releasing one; Paused and Failed ones stay so.
//
// Thread-safety: every public method may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/mutex.h"
#include "common/status.h"
#include "meta/project_store.h"
#include "orchestrator/operation_args.h"
#include "orchestrator/project.h"
#include "orchestrator/state_machine.h"
#include "pipeline/full_migration.h"
#include "verify/recheck.h"
#include "verify/verifier.h"

namespace godwit {

struct SubtaskOutcome;

class RunningEngine;  // orchestrator/subtask_runner.h

struct OrchestratorOptions {
  std::string data_dir;
  int max_running_projects = 4;
  // How often the source's log retention is checked for Paused and Failed
  // projects with incremental synchronization (nothing reads their slot or
  // binlog, so that is when the risk grows); 0 = never.
  int retention_check_seconds = 60;
  // The daemon's allowances for API clients' endpoints: a stored project's
  // endpoints are checked against them again each time it runs (the files
  // and allowances may have changed since it was created). Local: none.
  EndpointPolicy endpoints;
};

struct BatchPreview {
  struct Supported {
    int64_t id;
    std::string name;
    int64_t updated_at;
  };
  struct Unsupported {
    int64_t id;
    std::string name;
    std::string reason;
  };
  std::vector<Supported> supported;
  std::vector<Unsupported> unsupported;
};

struct BatchResult {
  int succeeded = 0;
  std::vector<std::pair<int64_t, std::string>> failed;  // id, reason
};

class Orchestrator {
 public:
  // `store` must outlive the orchestrator.
  Orchestrator(ProjectStore& store, OrchestratorOptions options);
  ~Orchestrator();

  // Starts the workers and resumes what was under way before a restart.
  Status Start();
  // Stops the workers: running engines are cancelled at a checkpoint and
  // their projects stay Running in the store, to continue at the next start.
  void Shutdown();

  Result<Project> Create(const ProjectSpec& spec);
  Result<Project> Clone(int64_t id);
  Result<Project> Get(int64_t id);
  Result<std::pair<std::vector<Project>, int64_t>> List(const ProjectFilter& filter);

  // Performs `op` on one project. `args` carries what the operation needs
  // (operation_args.h: alerts, parameters, objects, force); modify
  // operations given no arguments of their kind are refused (INTERNAL).
  // Returns what the operation has to report (release: what was freed);
  // INVALID_STATE when the state table refuses it, NOT_FOUND for an
  // unknown id.
  Result<nlohmann::json> Apply(Operation op, int64_t id, const OperationArgs& args = NoArgs{});

  BatchPreview Preview(Operation op, const std::vector<int64_t>& ids);
  BatchResult Batch(Operation op, const std::vector<int64_t>& ids, const OperationArgs& args = NoArgs{});

  // Subtasks with live progress for the one running, and the running
  // engine's per-table progress (or the last stored one).
  Result<nlohmann::json> Subtasks(int64_t id);
  Result<nlohmann::json> TableProgress(int64_t id);
  Result<std::vector<EventRow>> Events(int64_t id);

  // Full verification (docs/verification.md): the last result; a re-verify
  // in `mode`; the correction statements of the
  // recorded differences; applying them (then re-checking the rows). Each
  // needs the project's verification to have run and not be running or
  // skipped.
  Result<nlohmann::json> Verification(int64_t id);
  Result<nlohmann::json> Reverify(int64_t id, VerifyMode mode);
  Result<std::string> CorrectionSql(int64_t id, bool delete_destination_only);
  Result<nlohmann::json> Correct(int64_t id, bool delete_destination_only);

  // Blocks until no worker runs project `id` (tests, release, delete).
  void WaitIdle(int64_t id);

  std::string ProjectDir(int64_t id) const;

 private:
  struct Active {
    std::shared_ptr<std::atomic<bool>> cancel = std::make_shared<std::atomic<bool>>(false);
    RunningEngine* engine = nullptr;  // guarded by Orchestrator::mu_
    // Full verification running beside incremental synchronization.
    RunningEngine* verification = nullptr;  // guarded by Orchestrator::mu_
    std::shared_ptr<std::atomic<bool>> skip_verification = std::make_shared<std::atomic<bool>>(false);
    bool rerun = false;  // resumed while winding down
  };

  Result<Project> Load(int64_t id);
  // Reverify once no correction can start.
  Result<nlohmann::json> ReverifyUncorrected(int64_t id, VerifyMode mode) GODWIT_REQUIRES(correction_mu_);
  void Enqueue(int64_t id);
  void WorkerLoop();
  // Checks the stopped projects' retention every retention_check_seconds.
  void RetentionLoop();
  void CheckStoppedRetention();
  void RunProject(int64_t id);
  // The full-verification subtask beside a project's running incremental
  // synchronization (SubtaskRun::start_verification).
  void RunVerificationBeside(int64_t id, std::shared_ptr<CatchUpWaiter> waiter, const std::atomic<bool>* sync_ended);
  // Moves the project from its state to `to`; with `error_json`, its
  // error becomes that in the same write.
  Status Transition(const Project& p, ProjectState to, const std::string& why,
                    const std::optional<std::string>& error_json = std::nullopt);
  void Event(int64_t id, const std::string& kind, const std::string& message);
  // Moves the project from one of `from` to Failed with the error.
  void Fail(const Project& p, const std::string& subtask, const Status& st, const std::string& object,
            std::vector<ProjectState> from = {ProjectState::kRunning});
  // Fails the project (Running or Paused) because its subtask's progress
  // could not be recorded: its stage would no longer say where it stands.
  void FailRecording(const Project& p, const std::string& subtask, const Status& st);
  // Sets the subtask's status, saves its row and names it as the project's
  // stage at that step.
  Status Record(SubtaskRow& st, SubtaskStatus status);
  // The stage (subtask kind, step) a subtask stopped by a pause or a
  // failure leaves the project at.
  std::pair<std::string, std::string> StageAfterStop(int64_t id, const SubtaskRow& st);
  // Records the subtask row failed with the outcome's error and fails the project.
  void FailSubtask(const Project& p, SubtaskRow& st, const SubtaskOutcome& outcome);
  Result<nlohmann::json> Release(const Project& p, bool force);
  Result<nlohmann::json> Operate(Operation op, Project& p, const OperationArgs& args);
  // Saves the project's changed spec (the modify operations) and returns the project.
  Result<nlohmann::json> SaveSpec(const Project& p);

  ProjectStore& store_;
  // Held while corrections are prepared or applied (they rewrite the
  // project's verification store; so would a re-verify starting then).
  Mutex correction_mu_;
  const OrchestratorOptions options_;
  Mutex mu_;
  CondVar cv_;
  CondVar idle_cv_;
  std::deque<int64_t> queue_ GODWIT_GUARDED_BY(mu_);
  std::map<int64_t, Active> active_ GODWIT_GUARDED_BY(mu_);
  bool stopping_ GODWIT_GUARDED_BY(mu_) = false;
  std::vector<std::thread> workers_;
  std::thread retention_thread_;
  CondVar retention_cv_;                             // wakes the retention thread at shutdown
  std::map<int64_t, std::string> retention_alerts_;  // retention thread only: the last alert per project
};

}  // namespace godwit
