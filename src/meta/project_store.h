// The service's metadata store: projects, their subtasks, their passwords
// (kept apart from the configuration) and their event history, in one
// SQLite file (WAL mode) under the daemon's data directory, with versioned
// schema migrations of its own.
//
// The store knows rows, not the project model: configuration is kept as
// the JSON the orchestrator gives it, plus the columns lists are filtered
// by. Each project's full-migration checkpoints live in a checkpoint file of
// its own (meta_store.h) beside this one, so that fifty projects copying at
// once do not serialise on one SQLite writer lock.
//
// State changes are conditional (`TransitionState` applies only when the
// project is still in one of the expected states), which is what makes an
// operation racing with the orchestrator, or with another request, safe.
//
// Thread-safety: all methods may be called from any thread; one internal
// mutex serialises access to the connection.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/mutex.h"
#include "common/status.h"

struct sqlite3;

namespace godwit {

struct ProjectRow {
  int64_t id = 0;
  std::string name;
  std::string tags_json = "[]";  // JSON array of strings
  std::string migration_type;    // "schema,full"
  std::string spec_json;         // the project document, without passwords
  std::string state;             // orchestrator/project.h StateName
  std::string stage;
  std::string step;
  std::string error_json;  // "" or a JSON object
  std::string created_by;
  int64_t created_at = 0;
  int64_t updated_at = 0;  // the last change of state
  // Names what the project creates on the databases (replication slot,
  // publication, heartbeat and checkpoint rows): godwit_<instance>_<id>,
  // set by Create; "" for projects of an older store (godwit_<id>).
  std::string resource_name;
};

struct ProjectSecrets {
  std::string source_password;
  std::string destination_password;
};

struct SubtaskRow {
  int64_t project_id = 0;
  int64_t seq = 0;  // order in the pipeline
  std::string kind;
  std::string status;   // pending, running, paused, completed, failed, skipped
  double progress = 0;  // 0..100
  int64_t started_at = 0;
  int64_t ended_at = 0;
  std::string error;        // "" or a JSON object
  std::string detail_json;  // "" or kind-specific JSON (precheck items, table progress)
  // "" or what the subtask's next run continues from, in a versioned form
  // the orchestrator owns (orchestrator/resume_state.h), apart from the
  // display JSON above.
  std::string resume_state;
};

struct EventRow {
  int64_t id = 0;
  int64_t project_id = 0;
  int64_t at = 0;
  std::string kind;  // "state", "error", "subtask", "operation"
  std::string message;
};

struct ProjectFilter {
  std::string state;    // state name, or empty
  std::string tag;      // exact tag, or empty
  std::string type;     // one migration type name, or empty
  std::string keyword;  // substring of the name, or the id
  int64_t page = 1;
  int64_t page_size = 50;
};

class ProjectStore {
 public:
  static Result<std::unique_ptr<ProjectStore>> Open(const std::string& path);
  ~ProjectStore();

  // Inserts the project (its id is assigned), its passwords and its
  // subtasks in one transaction; returns the id.
  Result<int64_t> Create(const ProjectRow& row, const ProjectSecrets& secrets, const std::vector<SubtaskRow>& subtasks);
  Result<std::optional<ProjectRow>> Get(int64_t id);
  // One page of the projects matching `filter`, newest first, and the
  // number that match in all.
  Result<std::pair<std::vector<ProjectRow>, int64_t>> List(const ProjectFilter& filter);
  Result<std::vector<int64_t>> IdsInState(const std::string& state);

  // Replaces the configuration columns (name, tags, type, spec, creator) of
  // a project that is still in `expected_state`; false when it is not.
  Result<bool> UpdateSpec(const ProjectRow& row, const std::string& expected_state);
  // Moves a project from one of `from` to `to`, setting updated_at; false
  // when the project was in none of `from` (nothing changed). With
  // `error_json`, the project's error becomes it in the same write, so that
  // no reader sees a Failed project without its error (or a resumed one
  // with the error it resumed from).
  Result<bool> TransitionState(int64_t id, const std::vector<std::string>& from, const std::string& to, int64_t now,
                               const std::optional<std::string>& error_json = std::nullopt);
  Status SetStage(int64_t id, const std::string& stage, const std::string& step);
  // Removes the project and everything it owns here.
  Status Delete(int64_t id);

  Result<ProjectSecrets> LoadSecrets(int64_t id);

  Result<std::vector<SubtaskRow>> LoadSubtasks(int64_t id);
  Status SaveSubtask(const SubtaskRow& row);
  // Puts every subtask back to pending (used when starting a clone).
  Status ReplaceSubtasks(int64_t id, const std::vector<SubtaskRow>& rows);

  Status AddEvent(int64_t project_id, int64_t at, const std::string& kind, const std::string& message);
  // The newest `limit` events, oldest first.
  Result<std::vector<EventRow>> LoadEvents(int64_t project_id, int64_t limit);

  // This store's daemon instance: 8 hex digits made when the store was
  // created, part of every new project's resource_name.
  const std::string& instance_id() const { return instance_id_; }

 private:
  explicit ProjectStore(sqlite3* db) : db_(db) {}
  Result<std::optional<ProjectRow>> GetLocked(int64_t id) GODWIT_REQUIRES(mu_);

  Mutex mu_;
  sqlite3* db_ GODWIT_GUARDED_BY(mu_);
  std::string instance_id_;
};

}  // namespace godwit
