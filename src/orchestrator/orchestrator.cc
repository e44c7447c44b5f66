#include "orchestrator/orchestrator.h"

#include <algorithm>
#include <ctime>
#include <filesystem>

#include <spdlog/spdlog.h>

#include "common/error_catalog.h"
#include "orchestrator/resume_state.h"
#include "orchestrator/subtask_runner.h"
#include "orchestrator/sync_catch_up.h"
#include "verify/catch_up.h"
#include "verify/verifier.h"

namespace godwit {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }

std::string Join(const std::vector<std::string>& parts, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) out += (i ? sep : "") + parts[i];
  return out;
}

Status NoSuchProject(int64_t id) {
  return Status(ErrorCode::kNotFound, "no project with id " + std::to_string(id),
                "List the projects (godwit project list) to see their ids.");
}

ProjectRow RowOf(const Project& p) {
  ProjectRow row;
  row.id = p.id;
  row.name = p.spec.name;
  row.tags_json = json(p.spec.tags).dump();
  row.migration_type = Join(MigrationTypeNames(p.spec.type), ",");
  row.spec_json = SpecToJson(p.spec).dump();
  row.state = std::string(StateName(p.state));
  row.stage = p.stage;
  row.step = p.step;
  row.created_by = p.spec.created_by;
  row.created_at = p.created_at;
  row.updated_at = p.updated_at;
  row.resource_name = p.resource_name;
  return row;
}

// A stored project's endpoints were checked when it was created, but a
// SQLite path is opened by name on each run, and the operator may have
// narrowed the allowances since: checked again against the daemon's policy
// before anything connects (a no-op for the command line's Local policy).
Status CheckStoredEndpoints(const Project& p, const EndpointPolicy& policy) {
  for (const auto* ep : {&p.spec.source, &p.spec.destination}) {
    Status st = CheckEndpoint(ep->endpoint, policy);
    if (!st.ok()) {
      return Status(st.code(),
                    std::string(ep == &p.spec.source ? "source" : "destination") +
                        " endpoint is no longer allowed by this daemon: " + st.message(),
                    st.hint().empty() ? "Create a new project with an allowed endpoint." : st.hint());
    }
  }
  return Status();
}

Result<Project> ProjectOf(const ProjectRow& row, const ProjectSecrets& secrets) {
  Project p;
  p.id = row.id;
  json doc = json::parse(row.spec_json, nullptr, false);
  if (doc.is_discarded()) {
    return Status(ErrorCode::kMetadata, "project " + std::to_string(row.id) + " has an unreadable configuration");
  }
  auto spec = ParseProjectSpec(doc, EndpointPolicy::Stored());
  if (!spec.ok()) return spec.status().WithContext("stored project " + std::to_string(row.id));
  p.spec = std::move(*spec);
  p.spec.source.endpoint.password = secrets.source_password;
  p.spec.destination.endpoint.password = secrets.destination_password;
  auto state = ParseState(row.state);
  if (!state)
    return Status(ErrorCode::kMetadata, "project " + std::to_string(row.id) + " has unknown state " + row.state);
  p.state = *state;
  p.stage = row.stage;
  p.step = row.step;
  p.created_at = row.created_at;
  p.updated_at = row.updated_at;
  p.resource_name = row.resource_name;
  if (!row.error_json.empty()) {
    json e = json::parse(row.error_json, nullptr, false);
    if (e.is_object()) {
      p.error = ProjectError{e.value("code", ""),    e.value("message", ""), e.value("hint", ""),
                             e.value("subtask", ""), e.value("object", ""),  e.value("at", int64_t{0})};
    }
  }
  return p;
}

std::vector<SubtaskRow> FreshSubtasks(const MigrationType& type) {
  std::vector<SubtaskRow> rows;
  int64_t seq = 0;
  for (SubtaskKind kind : SubtasksFor(type)) {
    SubtaskRow r;
    r.seq = seq++;
    r.kind = std::string(SubtaskName(kind));
    r.status = SubtaskStatusName(SubtaskStatus::kPending);
    rows.push_back(r);
  }
  return rows;
}

SubtaskStatus StatusOf(const SubtaskRow& r) {
  // A name this version does not know runs again, as pending would.
  return ParseSubtaskStatus(r.status).value_or(SubtaskStatus::kPending);
}

bool Is(const SubtaskRow& r, SubtaskStatus status) { return StatusOf(r) == status; }

// What the subtask's next run continues from, read from its typed state.
Status LoadResumeState(const SubtaskRow& st, SubtaskKind kind, SubtaskRun& run) {
  if (kind == SubtaskKind::kIncremental) {
    ASSIGN_OR_RETURN(run.sync_resume, SyncResumeOf(st));
  } else if (kind == SubtaskKind::kVerification) {
    ASSIGN_OR_RETURN(run.verify_resume, VerifyResumeOf(st));
  }
  return Status();
}

// Keeps what a run reported: its display detail and progress, and what its
// next run continues from (a re-verify asked for is consumed by the run).
void KeepOutcome(SubtaskRow& st, const SubtaskOutcome& outcome) {
  if (!outcome.detail.is_null()) st.detail_json = outcome.detail.dump();
  st.progress = outcome.progress;
  if (outcome.sync_resume) {
    SetSyncResume(st, *outcome.sync_resume);
  } else if (st.kind == SubtaskName(SubtaskKind::kVerification)) {
    SetVerifyResume(st, VerifyResumeState{});
  }
}

Result<SubtaskRow> VerificationRow(ProjectStore& store, int64_t id) {
  ASSIGN_OR_RETURN(auto rows, store.LoadSubtasks(id));
  for (auto& r : rows) {
    if (r.kind == SubtaskName(SubtaskKind::kVerification)) return r;
  }
  return Status(ErrorCode::kNotFound, "project " + std::to_string(id) + " has no full verification",
                "Create the project with 'verification' in its migration_type.");
}

json SubtaskToJson(const SubtaskRow& r) {
  int64_t end = r.ended_at ? r.ended_at : (r.started_at ? Now() : 0);
  json error = r.error.empty() ? json(nullptr) : json::parse(r.error, nullptr, false);
  json detail = r.detail_json.empty() ? json(nullptr) : json::parse(r.detail_json, nullptr, false);
  return json{{"kind", r.kind},
              {"status", r.status},
              {"progress", r.progress},
              {"started_at", r.started_at},
              {"ended_at", r.ended_at},
              {"duration_seconds", r.started_at ? end - r.started_at : 0},
              {"error", error.is_discarded() ? json(nullptr) : error},
              {"detail", detail.is_discarded() ? json(nullptr) : detail}};
}

}  // namespace

Orchestrator::Orchestrator(ProjectStore& store, OrchestratorOptions options)
    : store_(store), options_(std::move(options)) {}

Orchestrator::~Orchestrator() { Shutdown(); }

std::string Orchestrator::ProjectDir(int64_t id) const {
  return (fs::path(options_.data_dir) / "projects" / std::to_string(id)).string();
}

Status Orchestrator::Start() {
  ASSIGN_OR_RETURN(auto releasing, store_.IdsInState(std::string(StateName(ProjectState::kReleasing))));
  for (int64_t id : releasing) {
    // Interrupted by a crash: finish it. A failure leaves the project
    // Failed with the reason, from where (force) release can be retried.
    auto p = Load(id);
    if (p.ok()) {
      Release(*p, /*force=*/false)
          .status()
          .IgnoreBecause("a release that fails leaves the project Failed with the reason, to release again");
    }
  }
  int n = std::max(1, options_.max_running_projects);
  for (int i = 0; i < n; ++i) workers_.emplace_back([this] { WorkerLoop(); });
  if (options_.retention_check_seconds > 0) retention_thread_ = std::thread([this] { RetentionLoop(); });
  ASSIGN_OR_RETURN(auto running, store_.IdsInState(std::string(StateName(ProjectState::kRunning))));
  for (int64_t id : running) {
    Event(id, "state", "daemon restarted: continuing from the checkpoints");
    Enqueue(id);
  }
  return Status();
}

void Orchestrator::Shutdown() {
  {
    MutexLock lock(mu_);
    if (stopping_ && workers_.empty()) return;
    stopping_ = true;
    for (auto& [id, a] : active_) {
      *a.cancel = true;
      if (a.engine) a.engine->Cancel();
    }
  }
  cv_.NotifyAll();
  retention_cv_.NotifyAll();
  for (auto& t : workers_) t.join();
  workers_.clear();
  if (retention_thread_.joinable()) retention_thread_.join();
}

Result<Project> Orchestrator::Load(int64_t id) {
  ASSIGN_OR_RETURN(auto row, store_.Get(id));
  if (!row) return NoSuchProject(id);
  ASSIGN_OR_RETURN(auto secrets, store_.LoadSecrets(id));
  ASSIGN_OR_RETURN(Project p, ProjectOf(*row, secrets));
  if (options_.endpoints.trust == EndpointPolicy::Trust::kRemote) {
    // Projects stored before these options were forced get them too.
    ForceRemotePgOptions(p.spec.source.endpoint);
    ForceRemotePgOptions(p.spec.destination.endpoint);
  }
  return p;
}

Result<Project> Orchestrator::Get(int64_t id) { return Load(id); }

Result<std::pair<std::vector<Project>, int64_t>> Orchestrator::List(const ProjectFilter& filter) {
  ASSIGN_OR_RETURN(auto page, store_.List(filter));
  std::vector<Project> out;
  for (const auto& row : page.first) {
    // Listing never needs passwords.
    ASSIGN_OR_RETURN(Project p, ProjectOf(row, ProjectSecrets{}));
    out.push_back(std::move(p));
  }
  return std::make_pair(std::move(out), page.second);
}

Result<Project> Orchestrator::Create(const ProjectSpec& spec) {
  Project p;
  p.spec = spec;
  p.state = ProjectState::kNotStarted;
  p.created_at = p.updated_at = Now();
  ProjectSecrets secrets{spec.source.endpoint.password, spec.destination.endpoint.password};
  ASSIGN_OR_RETURN(p.id, store_.Create(RowOf(p), secrets, FreshSubtasks(spec.type)));
  Event(p.id, "state", "created (Not Started)");
  return p;
}

Result<Project> Orchestrator::Clone(int64_t id) {
  ASSIGN_OR_RETURN(Project p, Load(id));
  ProjectSpec spec = p.spec;
  spec.name = p.spec.name + " (clone of " + std::to_string(id) + ")";
  if (spec.name.size() > 200) spec.name = spec.name.substr(spec.name.size() - 200);
  ASSIGN_OR_RETURN(Project copy, Create(spec));
  Event(copy.id, "operation", "cloned from project " + std::to_string(id));
  return copy;
}

void Orchestrator::Event(int64_t id, const std::string& kind, const std::string& message) {
  // History is informative; a failure to record it must not fail the operation.
  store_.AddEvent(id, Now(), kind, message).IgnoreBecause("the event history is informative");
  // Messages come from Status texts, which never hold a password.
  if (kind == "error" || kind == "alert") {
    spdlog::warn("project {}: {}", id, message);
  } else {
    spdlog::info("project {}: {}", id, message);
  }
}

Status Orchestrator::Transition(const Project& p, ProjectState to, const std::string& why,
                                const std::optional<std::string>& error_json) {
  ASSIGN_OR_RETURN(bool moved, store_.TransitionState(p.id, {std::string(StateName(p.state))},
                                                      std::string(StateName(to)), Now(), error_json));
  if (!moved) {
    auto now = Load(p.id);
    std::string current = now.ok() ? std::string(StateLabel(now->state)) : "unknown";
    return Status(ErrorCode::kInvalidState,
                  "project " + std::to_string(p.id) + " changed state meanwhile (now " + current + ")",
                  "Look at the project again and retry the operation if the new state allows it.");
  }
  Event(p.id, "state", std::string(StateLabel(p.state)) + " -> " + std::string(StateLabel(to)) + ": " + why);
  return Status();
}

void Orchestrator::Fail(const Project& p, const std::string& subtask, const Status& st, const std::string& object,
                        std::vector<ProjectState> from) {
  ProjectError e{std::string(LookupError(st.code()).name), st.message(), st.hint(), subtask, object, Now()};
  std::vector<std::string> from_names;
  for (ProjectState s : from) from_names.emplace_back(StateName(s));
  auto moved = store_.TransitionState(p.id, from_names, std::string(StateName(ProjectState::kFailed)), Now(),
                                      ErrorToJson(e).dump());
  if (!moved.ok()) {
    // The store refuses writes: nothing more can be recorded; the log keeps both.
    spdlog::error("project {}: cannot record its failure ({}): {}", p.id, moved.status().ToString(), st.ToString());
    return;
  }
  if (*moved) {
    Event(p.id, "error", subtask + (object.empty() ? "" : " (" + object + ")") + ": " + st.ToString());
  }
}

void Orchestrator::FailRecording(const Project& p, const std::string& subtask, const Status& st) {
  // A Paused project fails too: its stored stage no longer says where it stands.
  Fail(p, subtask,
       Status(ErrorCode::kMetadata, "could not record the progress of " + subtask + ": " + st.message(),
              "Check that the daemon's data directory is writable and has free space, then resume the project: "
              "it continues from its checkpoints."),
       "", {ProjectState::kRunning, ProjectState::kPaused});
}

Status Orchestrator::Record(SubtaskRow& st, SubtaskStatus status) {
  st.status = SubtaskStatusName(status);
  RETURN_IF_ERROR(store_.SaveSubtask(st));
  return store_.SetStage(st.project_id, st.kind, st.status);
}

void Orchestrator::FailSubtask(const Project& p, SubtaskRow& st, const SubtaskOutcome& outcome) {
  st.ended_at = Now();
  ProjectError e{std::string(LookupError(outcome.status.code()).name),
                 outcome.status.message(),
                 outcome.status.hint(),
                 st.kind,
                 outcome.object,
                 Now()};
  st.error = ErrorToJson(e).dump();
  Record(st, SubtaskStatus::kFailed).IgnoreBecause("the project is failed next with the subtask's error either way");
  Fail(p, st.kind, outcome.status, outcome.object);
}

std::pair<std::string, std::string> Orchestrator::StageAfterStop(int64_t id, const SubtaskRow& st) {
  std::pair<std::string, std::string> own{st.kind, std::string(SubtaskStatusName(SubtaskStatus::kPaused))};
  if (st.kind != SubtaskName(SubtaskKind::kIncremental)) return own;
  // A full verification beside the synchronization names the stage once it
  // has started (RunVerificationBeside); paused or failed, it still does:
  // the project's error and what it does next are about the verification.
  auto project = store_.Get(id);
  if (!project.ok() || !*project || (*project)->stage != SubtaskName(SubtaskKind::kVerification)) return own;
  auto row = VerificationRow(store_, id);
  if (!row.ok() || SubtaskDone(StatusOf(*row))) return own;
  return {row->kind, std::string(SubtaskStatusName(Is(*row, SubtaskStatus::kFailed) ? SubtaskStatus::kFailed
                                                                                    : SubtaskStatus::kPaused))};
}

void Orchestrator::Enqueue(int64_t id) {
  {
    MutexLock lock(mu_);
    if (stopping_) return;
    if (auto it = active_.find(id); it != active_.end()) {
      it->second.rerun = true;
      return;
    }
    if (std::find(queue_.begin(), queue_.end(), id) != queue_.end()) return;
    queue_.push_back(id);
  }
  cv_.NotifyOne();
}

void Orchestrator::WorkerLoop() {
  while (true) {
    int64_t id = 0;
    {
      MutexLock lock(mu_);
      while (!stopping_ && queue_.empty()) cv_.Wait(mu_);
      if (stopping_) return;
      id = queue_.front();
      queue_.pop_front();
      if (auto it = active_.find(id); it != active_.end()) {
        it->second.rerun = true;
        continue;
      }
      active_.emplace(id, Active{});
    }
    RunProject(id);
    MutexLock lock(mu_);
    bool rerun = active_[id].rerun;
    active_.erase(id);
    idle_cv_.NotifyAll();
    if (rerun && !stopping_) {
      queue_.push_back(id);
      cv_.NotifyOne();
    }
  }
}

void Orchestrator::WaitIdle(int64_t id) {
  MutexLock lock(mu_);
  while (active_.count(id) != 0) idle_cv_.Wait(mu_);
}

void Orchestrator::RunProject(int64_t id) {
  std::shared_ptr<std::atomic<bool>> cancel;
  {
    MutexLock lock(mu_);
    cancel = active_[id].cancel;
  }
  while (!cancel->load()) {
    auto loaded = Load(id);
    if (!loaded.ok()) return;  // deleted meanwhile, or the store failed: nothing to run
    Project p = std::move(*loaded);
    if (p.state != ProjectState::kRunning) return;
    auto subtasks = store_.LoadSubtasks(id);
    if (!subtasks.ok()) {
      Fail(p, "orchestrator", subtasks.status(), "");
      return;
    }
    auto next =
        std::find_if(subtasks->begin(), subtasks->end(), [](const SubtaskRow& s) { return !SubtaskDone(StatusOf(s)); });
    if (next == subtasks->end()) {
      // The stage first: a project is never Completed at a stage that says
      // otherwise (paused meanwhile, it is Paused with every subtask done).
      Status staged = store_.SetStage(id, subtasks->empty() ? "" : subtasks->back().kind, "completed");
      auto moved = staged.ok() ? store_.TransitionState(id, {std::string(StateName(ProjectState::kRunning))},
                                                        std::string(StateName(ProjectState::kCompleted)), Now())
                               : Result<bool>(staged);
      if (!moved.ok()) {
        FailRecording(p, "orchestrator", moved.status());
      } else if (*moved) {
        Event(id, "state", "Running -> Completed: every subtask finished");
      }
      return;
    }
    SubtaskRow st = *next;
    auto kind = ParseSubtask(st.kind);
    if (!kind) {
      Fail(p, st.kind, Status(ErrorCode::kMetadata, "unknown subtask " + st.kind), "");
      return;
    }
    if (Status s = CheckStoredEndpoints(p, options_.endpoints); !s.ok()) {
      FailSubtask(p, st, SubtaskOutcome{s});
      return;
    }
    if (st.started_at == 0) st.started_at = Now();
    st.ended_at = 0;
    st.error.clear();
    if (Status s = Record(st, SubtaskStatus::kRunning); !s.ok()) {
      Fail(p, st.kind, s, "");
      return;
    }
    Event(id, "subtask", st.kind + " started");

    SubtaskRun run;
    run.project = &p;
    run.project_dir = ProjectDir(id);
    run.cancel = cancel.get();
    run.attach = [this, id](RunningEngine* engine) {
      MutexLock lock(mu_);
      active_[id].engine = engine;
    };
    run.set_status = [this, p, st, cancel](SubtaskStatus status) {
      SubtaskRow row = st;
      if (Status s = Record(row, status); !s.ok()) {
        FailRecording(p, st.kind, s);
        cancel->store(true);  // Failed: the run stops
        return;
      }
      Event(p.id, "subtask", st.kind + " " + row.status);
    };
    run.alert = [this, id](const std::string& message) { Event(id, "alert", message); };
    if (Status s = LoadResumeState(st, *kind, run); !s.ok()) {
      FailSubtask(p, st, SubtaskOutcome{s});
      return;
    }
    std::shared_ptr<std::atomic<bool>> skip;
    {
      MutexLock lock(mu_);
      skip = active_[id].skip_verification;
    }
    if (*kind == SubtaskKind::kIncremental && p.spec.type.verification) {
      run.start_verification = [this, id](std::shared_ptr<CatchUpWaiter> waiter, const std::atomic<bool>* ended) {
        RunVerificationBeside(id, std::move(waiter), ended);
      };
    }
    if (*kind == SubtaskKind::kVerification) run.cancel_stage = skip.get();
    SubtaskOutcome outcome = RunSubtask(*kind, run);
    if (*kind == SubtaskKind::kVerification && skip->load()) {
      // Skipped while it ran (Operate recorded it): the project goes on.
      skip->store(false);
      continue;
    }

    KeepOutcome(st, outcome);
    if (outcome.status.ok()) {
      st.progress = 100;
      st.ended_at = Now();
      if (Status s = Record(st, SubtaskStatus::kCompleted); !s.ok()) {
        FailRecording(p, st.kind, s);
        return;
      }
      Event(id, "subtask", st.kind + " completed");
      continue;
    }
    bool stopping;
    {
      MutexLock lock(mu_);
      stopping = stopping_;
    }
    if (cancel->load() || outcome.status.code() == ErrorCode::kCancelled) {
      // Paused (or the daemon is stopping): the subtask resumes from its
      // checkpoints.
      st.status = SubtaskStatusName(stopping ? SubtaskStatus::kPending : SubtaskStatus::kPaused);
      if (stopping) {
        store_.SaveSubtask(st).IgnoreBecause(
            "the daemon is stopping: the project stays Running and its next start runs the subtask again from its "
            "checkpoints");
        return;
      }
      const auto [stage, step] = StageAfterStop(id, st);
      Status s = store_.SaveSubtask(st);
      if (s.ok()) s = store_.SetStage(id, stage, step);
      if (!s.ok()) FailRecording(p, st.kind, s);
      return;
    }
    FailSubtask(p, st, outcome);
    return;
  }
}

void Orchestrator::RetentionLoop() {
  while (true) {
    {
      MutexLock lock(mu_);
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(options_.retention_check_seconds);
      while (!stopping_ && retention_cv_.WaitUntil(mu_, deadline)) {
      }
      if (stopping_) return;
    }
    CheckStoppedRetention();
  }
}

void Orchestrator::CheckStoppedRetention() {
  std::vector<int64_t> ids;
  for (ProjectState state : {ProjectState::kPaused, ProjectState::kFailed}) {
    auto found = store_.IdsInState(std::string(StateName(state)));
    if (found.ok()) ids.insert(ids.end(), found->begin(), found->end());
  }
  for (int64_t id : ids) {
    auto p = Load(id);
    if (!p.ok() || !p->spec.type.incremental) continue;
    if (!CheckStoredEndpoints(*p, options_.endpoints).ok()) continue;  // not connected to any more
    {
      MutexLock lock(mu_);
      if (stopping_) return;
      if (active_.count(id)) continue;  // still winding down: its own watch covers it
    }
    // Where the Store continues from: its last stored change (the stored
    // subtask detail), else the copy's snapshot position.
    Position needed;
    int64_t needed_time_us = 0;
    if (auto rows = store_.LoadSubtasks(id); rows.ok()) {
      for (const auto& r : *rows) {
        if (r.kind != SubtaskName(SubtaskKind::kIncremental)) continue;
        auto resume = SyncResumeOf(r);
        if (!resume.ok() || !resume->captured_position) continue;
        needed = *resume->captured_position;
        needed_time_us = resume->captured_source_time_us;
      }
    }
    auto alert = CheckProjectRetention(*p, needed, needed_time_us);
    if (!alert.ok()) continue;  // the source is down or refuses: the next check tries again
    std::string& last = retention_alerts_[id];
    if (*alert != last && !alert->empty())
      Event(id, "alert", "while " + std::string(StateLabel(p->state)) + ": " + *alert);
    last = *alert;
  }
}

Result<json> Orchestrator::Release(const Project& p, bool force) {
  if (p.state != ProjectState::kReleasing) {
    RETURN_IF_ERROR(Transition(p, ProjectState::kReleasing, force ? "force release" : "release"));
  }
  // A paused run may still be winding down; it must let go of the databases first.
  WaitIdle(p.id);
  std::vector<std::string> freed, not_freed;
  Status st = ReleaseResources(p, ProjectDir(p.id), freed, not_freed);
  Project releasing = p;
  releasing.state = ProjectState::kReleasing;
  if (!st.ok() && !force) {
    ProjectError e{std::string(LookupError(st.code()).name),
                   "release failed: " + st.message(),
                   "Fix what the message names and release again, or force release to free what can be freed and "
                   "list the rest.",
                   "release",
                   "",
                   Now()};
    auto moved = store_.TransitionState(p.id, {std::string(StateName(ProjectState::kReleasing))},
                                        std::string(StateName(ProjectState::kFailed)), Now(), ErrorToJson(e).dump());
    if (moved.ok() && *moved) {
      Event(p.id, "error", e.message);
    }
    return Status(st.code(), "project " + std::to_string(p.id) + ": " + e.message, e.hint, st.native_code());
  }
  RETURN_IF_ERROR(
      Transition(releasing, ProjectState::kReleased,
                 not_freed.empty() ? "resources freed" : "force release; not freed: " + Join(not_freed, "; ")));
  store_.SetStage(p.id, p.stage, "released")
      .IgnoreBecause("the project is Released, which is what its state says; only the step is stale");
  return json{{"id", p.id}, {"state", StateName(ProjectState::kReleased)}, {"freed", freed}, {"not_freed", not_freed}};
}

Result<json> Orchestrator::Apply(Operation op, int64_t id, const OperationArgs& args) {
  ASSIGN_OR_RETURN(Project p, Load(id));
  return Operate(op, p, args);
}

namespace {

// The arguments of the kind `op` needs; a caller that passes another kind
// has not parsed them (ParseOperationArgs), which is a bug.
template <typename T>
Result<const T*> ArgsOf(Operation op, const OperationArgs& args) {
  if (const T* typed = std::get_if<T>(&args)) return typed;
  return Status(ErrorCode::kInternal, std::string(OperationName(op)) + " was given no arguments of its kind");
}

}  // namespace

Result<json> Orchestrator::SaveSpec(const Project& p) {
  ASSIGN_OR_RETURN(bool ok, store_.UpdateSpec(RowOf(p), std::string(StateName(p.state))));
  if (!ok) {
    return Status(ErrorCode::kInvalidState, "project " + std::to_string(p.id) + " changed state meanwhile",
                  "Look at the project again and retry if its new state allows the change.");
  }
  return ProjectToJson(p);
}

Result<json> Orchestrator::Operate(Operation op, Project& p, const OperationArgs& args) {
  RETURN_IF_ERROR(CheckOperation(p, op));
  switch (op) {
    case Operation::kStart:
      RETURN_IF_ERROR(Transition(p, ProjectState::kRunning, "started"));
      Enqueue(p.id);
      break;
    case Operation::kResume:
      // Its error goes with the move: a Running project never shows the
      // error it resumed from.
      RETURN_IF_ERROR(Transition(p, ProjectState::kRunning, "resumed", ""));
      Enqueue(p.id);
      break;
    case Operation::kPause: {
      RETURN_IF_ERROR(Transition(p, ProjectState::kPaused, "paused by the user"));
      MutexLock lock(mu_);
      if (auto it = active_.find(p.id); it != active_.end()) {
        *it->second.cancel = true;
        it->second.rerun = false;
        if (it->second.engine) it->second.engine->Cancel();
      }
      break;
    }
    case Operation::kRelease:
    case Operation::kForceRelease: {
      const auto* release = std::get_if<ReleaseArgs>(&args);
      return Release(p, op == Operation::kForceRelease || (release && release->force));
    }
    case Operation::kDelete: {
      WaitIdle(p.id);
      RETURN_IF_ERROR(store_.Delete(p.id));
      std::error_code ec;
      fs::remove_all(ProjectDir(p.id), ec);  // local data; the project is gone from the list either way
      return json{{"deleted", p.id}};
    }
    case Operation::kModifyAlerts: {
      ASSIGN_OR_RETURN(const auto* modify, ArgsOf<ModifyAlertsArgs>(op, args));
      p.spec.alerts = modify->alerts;
      Event(p.id, "operation", "alert configuration changed to " + std::string(AlertLevelName(p.spec.alerts.level)));
      return SaveSpec(p);
    }
    case Operation::kModifyParameters: {
      ASSIGN_OR_RETURN(const auto* modify, ArgsOf<ModifyParametersArgs>(op, args));
      ApplyParameterUpdate(modify->update, p.spec.params);
      Event(p.id, "operation", "parameters changed: " + ParameterUpdateToJson(modify->update).dump());
      return SaveSpec(p);
    }
    case Operation::kModifyObjects: {
      ASSIGN_OR_RETURN(const auto* modify, ArgsOf<ModifyObjectsArgs>(op, args));
      p.spec.objects = modify->objects;
      Event(p.id, "operation", "migration objects changed");
      return SaveSpec(p);
    }
    case Operation::kViewParameters: return SpecToJson(p.spec);
    case Operation::kSkipDdl: {
      ASSIGN_OR_RETURN(auto rows, store_.LoadSubtasks(p.id));
      auto row = std::find_if(rows.begin(), rows.end(),
                              [](const SubtaskRow& r) { return r.kind == SubtaskName(SubtaskKind::kIncremental); });
      std::optional<SyncResumeState> resume;
      if (row != rows.end()) {
        ASSIGN_OR_RETURN(resume, SyncResumeOf(*row));
      }
      if (!resume || !resume->failed_ddl) {
        return Status(ErrorCode::kInvalidState,
                      "project " + std::to_string(p.id) + " did not stop on a DDL statement: there is nothing to skip",
                      "Look at the project's error; resume it if the cause is fixed.");
      }
      DdlRecord skipped = *resume->failed_ddl;
      skipped.skipped_at = Now();
      resume->skipped_ddl.push_back(skipped);
      resume->failed_ddl.reset();
      SetSyncResume(*row, *resume);
      RETURN_IF_ERROR(store_.SaveSubtask(*row));
      Event(p.id, "operation", "DDL at change " + std::to_string(skipped.sequence) + " skipped: " + skipped.statement);
      RETURN_IF_ERROR(Transition(p, ProjectState::kRunning, "resumed after skipping a DDL statement", ""));
      Enqueue(p.id);
      break;
    }
    case Operation::kSkipFullVerification: {
      ASSIGN_OR_RETURN(auto rows, store_.LoadSubtasks(p.id));
      auto row = std::find_if(rows.begin(), rows.end(),
                              [](const SubtaskRow& r) { return r.kind == SubtaskName(SubtaskKind::kVerification); });
      if (row == rows.end() || SubtaskDone(StatusOf(*row))) {
        return Status(ErrorCode::kInvalidState,
                      "full verification of project " + std::to_string(p.id) + " is " +
                          (row == rows.end() ? std::string("not part of the project") : "already " + row->status),
                      "Nothing to skip.");
      }
      SetVerifyResume(*row, VerifyResumeState{});  // a re-verify asked for is dropped with the stage
      json detail = json::parse(row->detail_json, nullptr, false);
      detail["skipped_at"] = Now();
      row->detail_json = detail.dump();
      row->ended_at = Now();
      RETURN_IF_ERROR(Record(*row, SubtaskStatus::kSkipped));
      {
        MutexLock lock(mu_);
        if (auto it = active_.find(p.id); it != active_.end()) it->second.skip_verification->store(true);
      }
      Event(p.id, "operation", "full verification skipped (irreversible: clone the project to verify again)");
      break;
    }
    case Operation::kEnterForwardSwitchover:
    case Operation::kStartForwardSwitchover:
      // The state table only lets these through at stages this version
      // never reaches (it refuses the migration types that have them).
      return Status(ErrorCode::kUnsupported,
                    std::string(OperationLabel(op)) + " is not available in this version of Godwit");
  }
  ASSIGN_OR_RETURN(Project now, Load(p.id));
  return ProjectToJson(now);
}

BatchPreview Orchestrator::Preview(Operation op, const std::vector<int64_t>& ids) {
  BatchPreview out;
  std::optional<std::pair<std::string, std::string>> switchover_group;  // migration type, step
  for (int64_t id : ids) {
    auto p = Load(id);
    if (!p.ok()) {
      out.unsupported.push_back(
          {id, "", p.status().code() == ErrorCode::kNotFound ? "no such project" : p.status().ToString()});
      continue;
    }
    if (Status st = CheckOperation(*p, op); !st.ok()) {
      out.unsupported.push_back({id, p->spec.name, st.message()});
      continue;
    }
    if (op == Operation::kStartForwardSwitchover) {
      // PRODUCT.md: a batch switchover takes projects of one migration type
      // standing at the same switchover step.
      std::pair<std::string, std::string> group{Join(MigrationTypeNames(p->spec.type), ","), p->step};
      if (!switchover_group) switchover_group = group;
      if (*switchover_group != group) {
        out.unsupported.push_back(
            {id, p->spec.name, "a different migration type or switchover step than the first selected project"});
        continue;
      }
    }
    out.supported.push_back({id, p->spec.name, p->updated_at});
  }
  return out;
}

BatchResult Orchestrator::Batch(Operation op, const std::vector<int64_t>& ids, const OperationArgs& args) {
  BatchResult out;
  BatchPreview preview = Preview(op, ids);
  for (const auto& u : preview.unsupported) out.failed.emplace_back(u.id, u.reason);
  for (const auto& s : preview.supported) {
    auto r = Apply(op, s.id, args);
    if (r.ok()) {
      ++out.succeeded;
    } else {
      out.failed.emplace_back(s.id, r.status().message());
    }
  }
  return out;
}

Result<json> Orchestrator::Subtasks(int64_t id) {
  ASSIGN_OR_RETURN(auto rows, store_.LoadSubtasks(id));
  if (rows.empty()) {
    ASSIGN_OR_RETURN(auto row, store_.Get(id));
    if (!row) return NoSuchProject(id);
  }
  json out = json::array();
  MutexLock lock(mu_);
  auto it = active_.find(id);
  for (auto& r : rows) {
    if ((Is(r, SubtaskStatus::kRunning) || Is(r, SubtaskStatus::kMonitoring)) && it != active_.end()) {
      const bool verification = r.kind == SubtaskName(SubtaskKind::kVerification);
      RunningEngine* e = verification && it->second.verification ? it->second.verification : it->second.engine;
      if (e) {
        r.progress = e->Percent();
        if (r.kind == SubtaskName(SubtaskKind::kIncremental) || verification) r.detail_json = e->Detail().dump();
      }
    }
    out.push_back(SubtaskToJson(r));
  }
  return out;
}

Result<json> Orchestrator::TableProgress(int64_t id) {
  {
    MutexLock lock(mu_);
    if (auto it = active_.find(id); it != active_.end() && it->second.engine) {
      json live = it->second.engine->Detail();
      if (live.contains("phase"))
        return live;  // a copy running; a synchronization shows the copy's last table progress
    }
  }
  ASSIGN_OR_RETURN(auto rows, store_.LoadSubtasks(id));
  for (auto r = rows.rbegin(); r != rows.rend(); ++r) {
    if ((r->kind == SubtaskName(SubtaskKind::kFull) || r->kind == SubtaskName(SubtaskKind::kSchema)) &&
        !r->detail_json.empty()) {
      json detail = json::parse(r->detail_json, nullptr, false);
      if (!detail.is_discarded()) return detail;
    }
  }
  return json(nullptr);
}

Result<std::vector<EventRow>> Orchestrator::Events(int64_t id) { return store_.LoadEvents(id, 200); }

void Orchestrator::RunVerificationBeside(int64_t id, std::shared_ptr<CatchUpWaiter> waiter,
                                         const std::atomic<bool>* sync_ended) {
  auto loaded = Load(id);
  if (!loaded.ok()) return;
  Project p = std::move(*loaded);
  auto rows = store_.LoadSubtasks(id);
  if (!rows.ok()) return;
  auto found = std::find_if(rows->begin(), rows->end(),
                            [](const SubtaskRow& r) { return r.kind == SubtaskName(SubtaskKind::kVerification); });
  if (found == rows->end()) return;
  SubtaskRow st = *found;
  std::shared_ptr<std::atomic<bool>> cancel, skip;
  {
    MutexLock lock(mu_);
    auto it = active_.find(id);
    if (it == active_.end()) return;
    cancel = it->second.cancel;
    skip = it->second.skip_verification;
  }
  if (SubtaskDone(StatusOf(st))) {
    // Verified already: the project stands in the verification stage.
    if (Status s = store_.SetStage(id, st.kind, st.status); !s.ok()) {
      FailRecording(p, st.kind, s);
      cancel->store(true);  // the project is Failed: its synchronization stops too
    }
    return;
  }
  if (Status s = CheckStoredEndpoints(p, options_.endpoints); !s.ok()) {
    FailSubtask(p, st, SubtaskOutcome{s});
    cancel->store(true);  // the project is Failed: its synchronization stops too
    return;
  }
  if (st.started_at == 0) st.started_at = Now();
  st.ended_at = 0;
  st.error.clear();
  if (Status s = Record(st, SubtaskStatus::kRunning); !s.ok()) {
    FailRecording(p, st.kind, s);
    cancel->store(true);  // the project is Failed: its synchronization stops too
    return;
  }
  Event(id, "subtask", st.kind + " started beside incremental synchronization");

  SubtaskRun run;
  run.project = &p;
  run.project_dir = ProjectDir(id);
  run.cancel = cancel.get();
  run.cancel_stage = skip.get();
  run.sync_ended = sync_ended;
  run.waiter = std::move(waiter);
  run.attach = [this, id](RunningEngine* engine) {
    MutexLock lock(mu_);
    if (auto it = active_.find(id); it != active_.end()) it->second.verification = engine;
  };
  if (Status s = LoadResumeState(st, SubtaskKind::kVerification, run); !s.ok()) {
    FailSubtask(p, st, SubtaskOutcome{s});
    cancel->store(true);  // the project is Failed: its synchronization stops too
    return;
  }
  SubtaskOutcome outcome = RunSubtask(SubtaskKind::kVerification, run);
  if (skip->load()) return;  // Operate recorded the skip
  KeepOutcome(st, outcome);
  if (outcome.status.ok()) {
    st.progress = 100;
    st.ended_at = Now();
    if (Status s = Record(st, SubtaskStatus::kCompleted); !s.ok()) {
      FailRecording(p, st.kind, s);
      cancel->store(true);  // the project is Failed: its synchronization stops too
      return;
    }
    const json& sum = outcome.detail.value("summary", json::object());
    Event(id, "subtask",
          st.kind + " completed: " + std::to_string(sum.value("consistent", 0)) + " tables consistent, " +
              std::to_string(sum.value("inconsistent", 0)) + " inconsistent");
    return;
  }
  if (cancel->load() || outcome.status.code() == ErrorCode::kCancelled) {
    // Paused, or the synchronization stopped: resumes with it. The stage
    // stays the verification's (StageAfterStop), unless the
    // synchronization's own failure names it next.
    if (Status s = Record(st, SubtaskStatus::kPaused); !s.ok()) FailRecording(p, st.kind, s);
    return;
  }
  FailSubtask(p, st, outcome);
  cancel->store(true);  // the project is Failed: its synchronization stops too
}

namespace {

// A correction or its statements need the verification's results and its
// state file to itself.
Status CheckVerificationSettled(const SubtaskRow& row, int64_t id) {
  if (Is(row, SubtaskStatus::kCompleted) || Is(row, SubtaskStatus::kFailed) || Is(row, SubtaskStatus::kPaused)) {
    return Status();
  }
  return Status(ErrorCode::kInvalidState, "full verification of project " + std::to_string(id) + " is " + row.status,
                Is(row, SubtaskStatus::kSkipped) ? "It was skipped, irreversibly: clone the project to verify again."
                                                 : "Wait until it has completed.");
}

}  // namespace

Result<json> Orchestrator::Verification(int64_t id) {
  ASSIGN_OR_RETURN(Project p, Load(id));
  ASSIGN_OR_RETURN(SubtaskRow row, VerificationRow(store_, id));
  json detail = row.detail_json.empty() ? json(nullptr) : json::parse(row.detail_json, nullptr, false);
  {
    MutexLock lock(mu_);
    if (auto it = active_.find(id); it != active_.end()) {
      RunningEngine* e = it->second.verification;
      if (!e && p.stage == row.kind && Is(row, SubtaskStatus::kRunning)) e = it->second.engine;
      if (e) detail = e->Detail();
    }
  }
  return json{{"status", row.status}, {"started_at", row.started_at}, {"ended_at", row.ended_at}, {"result", detail}};
}

Result<json> Orchestrator::Reverify(int64_t id, VerifyMode verify_mode) {
  if (!correction_mu_.TryLock()) {
    return Status(ErrorCode::kInvalidState, "a correction is being applied or prepared",
                  "Re-verify once it has finished.");
  }
  Result<json> result = ReverifyUncorrected(id, verify_mode);
  correction_mu_.Unlock();
  return result;
}

Result<json> Orchestrator::ReverifyUncorrected(int64_t id, VerifyMode verify_mode) {
  const std::string mode(VerifyModeName(verify_mode));
  ASSIGN_OR_RETURN(Project p, Load(id));
  ASSIGN_OR_RETURN(SubtaskRow row, VerificationRow(store_, id));
  RETURN_IF_ERROR(CheckVerificationSettled(row, id));
  if (p.state != ProjectState::kRunning && p.state != ProjectState::kPaused && p.state != ProjectState::kFailed &&
      p.state != ProjectState::kCompleted) {
    return Status(ErrorCode::kInvalidState, "project " + std::to_string(id) + " is " +
                                                std::string(StateLabel(p.state)) +
                                                ": it can re-verify when Running, Paused, Failed or Completed");
  }
  SetVerifyResume(row, VerifyResumeState{verify_mode});
  row.status = SubtaskStatusName(SubtaskStatus::kPending);
  row.progress = 0;
  row.ended_at = 0;
  RETURN_IF_ERROR(store_.SaveSubtask(row));
  Event(id, "operation", "re-verify (" + mode + ") requested");
  if (p.state == ProjectState::kCompleted) {
    RETURN_IF_ERROR(Transition(p, ProjectState::kRunning, "re-verify (" + mode + ")"));
    Enqueue(id);
  } else if (p.state == ProjectState::kRunning) {
    // Beside incremental synchronization: its run starts the verification
    // once it is monitoring, so start that run again (it resumes from its
    // checkpoint within seconds).
    {
      MutexLock lock(mu_);
      if (auto it = active_.find(id); it != active_.end()) it->second.cancel->store(true);
    }
    Enqueue(id);
  }
  ASSIGN_OR_RETURN(Project now, Load(id));
  return ProjectToJson(now);
}

namespace {

// Corrections for the project's recorded differences: the verifier re-reads
// those rows first (records mode), so statements are built from rows still
// different now.
Result<std::unique_ptr<Verifier>> RecheckForCorrection(const Project& p, const std::string& dir,
                                                       std::shared_ptr<CatchUpWaiter> waiter) {
  VerifyOptions opt = ProjectVerifyOptions(p, dir);
  opt.mode = VerifyMode::kInconsistentRecords;
  opt.restart = true;
  opt.waiter = std::move(waiter);
  auto verifier = std::make_unique<Verifier>(opt);
  RETURN_IF_ERROR(verifier->Run());
  return verifier;
}

}  // namespace

Result<std::string> Orchestrator::CorrectionSql(int64_t id, bool delete_destination_only) {
  // One correction at a time: each re-reads and rewrites the project's
  // verification store.
  MutexLock correcting(correction_mu_);
  ASSIGN_OR_RETURN(Project p, Load(id));
  RETURN_IF_ERROR(CheckStoredEndpoints(p, options_.endpoints));
  ASSIGN_OR_RETURN(SubtaskRow row, VerificationRow(store_, id));
  RETURN_IF_ERROR(CheckVerificationSettled(row, id));
  ASSIGN_OR_RETURN(auto verifier, RecheckForCorrection(p, ProjectDir(id), nullptr));
  CorrectionOptions copt;
  copt.delete_destination_only = delete_destination_only;
  ASSIGN_OR_RETURN(auto tables, verifier->Corrections(copt));
  return CorrectionsSql(p.spec.source.endpoint.Redacted(), p.spec.destination.endpoint.Redacted(),
                        p.spec.destination.endpoint.engine, tables);
}

Result<json> Orchestrator::Correct(int64_t id, bool delete_destination_only) {
  MutexLock correcting(correction_mu_);
  ASSIGN_OR_RETURN(Project p, Load(id));
  RETURN_IF_ERROR(CheckStoredEndpoints(p, options_.endpoints));
  ASSIGN_OR_RETURN(SubtaskRow row, VerificationRow(store_, id));
  RETURN_IF_ERROR(CheckVerificationSettled(row, id));
  // While the project synchronizes, a re-check waits for the Writer to
  // pass the moment the source row was read (orchestrator/sync_catch_up.h).
  std::shared_ptr<CatchUpWaiter> waiter;
  if (p.state == ProjectState::kRunning && p.spec.type.incremental) {
    waiter = std::make_shared<SyncCatchUp>([this, id] {
      MutexLock lock(mu_);
      auto it = active_.find(id);
      if (it == active_.end() || !it->second.engine) return SyncStatus{};
      return it->second.engine->Sync().value_or(SyncStatus{});
    });
  }
  ASSIGN_OR_RETURN(auto verifier, RecheckForCorrection(p, ProjectDir(id), waiter));
  CorrectionOptions copt;
  copt.delete_destination_only = delete_destination_only;
  RETURN_IF_ERROR(verifier->Correct(copt));
  const json result = ToJson(verifier->Snapshot());
  json detail = row.detail_json.empty() ? json::object() : json::parse(row.detail_json, nullptr, false);
  if (!detail.is_object()) detail = json::object();
  // The tables' results after the correction replace the stored ones.
  detail["tables"] = result["tables"];
  detail["summary"] = result["summary"];
  detail["corrected_at"] = Now();
  row.detail_json = detail.dump();
  RETURN_IF_ERROR(store_.SaveSubtask(row));
  Event(id, "operation",
        "differences corrected: " + std::to_string(result["summary"].value("inconsistent", 0)) +
            " tables still inconsistent");
  return result;
}

}  // namespace godwit
