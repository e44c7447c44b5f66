// A migration project as the service keeps it: its configuration (the
// ProjectSpec, what the user asked for) and its life (state, stage, error).
//
// The spec's JSON form is the API's project document (docs/api.md) and the
// same keys as the `godwit migrate` project file. Passwords live in the
// endpoints' `password` field in memory only: SpecToJson never writes them,
// and the store keeps them apart from the configuration.
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "common/status.h"
#include "connector/endpoint.h"
#include "model/object_rules.h"

namespace godwit {

enum class ProjectState {
  kNotStarted,
  kRunning,
  kModifying,
  kIntegrating,
  kPaused,
  kFailed,
  kCompleted,
  kReleasing,
  kReleased,
};
inline constexpr ProjectState kAllStates[] = {
    ProjectState::kNotStarted,  ProjectState::kRunning,   ProjectState::kModifying,
    ProjectState::kIntegrating, ProjectState::kPaused,    ProjectState::kFailed,
    ProjectState::kCompleted,   ProjectState::kReleasing, ProjectState::kReleased,
};
// "not_started", "running"... (API and store).
std::string_view StateName(ProjectState state);
// "Not Started", "Running"... (people).
std::string_view StateLabel(ProjectState state);
std::optional<ProjectState> ParseState(std::string_view name);

// The stages a project runs, in order, as subtasks.
enum class SubtaskKind { kPrecheck, kSchema, kFull, kIncremental, kVerification, kForwardSwitchover, kReverse };
std::string_view SubtaskName(SubtaskKind kind);  // "precheck", "schema_migration", "full_migration"...
std::optional<SubtaskKind> ParseSubtask(std::string_view name);

// Where one subtask stands. Monitoring: incremental synchronization keeps
// the destination within the latency threshold (and runs on).
enum class SubtaskStatus { kPending, kRunning, kMonitoring, kPaused, kCompleted, kFailed, kSkipped };
// "pending", "running", "monitoring"... (API and store).
std::string_view SubtaskStatusName(SubtaskStatus status);
std::optional<SubtaskStatus> ParseSubtaskStatus(std::string_view name);
// Completed or skipped: the project's run goes past it.
bool SubtaskDone(SubtaskStatus status);

struct MigrationType {
  bool schema = true;
  bool full = true;
  bool incremental = false;
  bool verification = false;
  bool reverse = false;
};
// ["schema", "full", ...] in pipeline order.
std::vector<std::string> MigrationTypeNames(const MigrationType& type);
// The subtasks a project of this type runs, precheck first.
std::vector<SubtaskKind> SubtasksFor(const MigrationType& type);

enum class AlertLevel { kNone, kLow, kMedium, kHigh };
std::string_view AlertLevelName(AlertLevel level);

struct AlertConfig {
  AlertLevel level = AlertLevel::kLow;
  // Replication latency above which an alert is raised; 0 with level none.
  int latency_threshold_seconds = 300;
};
// The threshold a level implies when none is given: low 300 s, medium 60 s,
// high 10 s.
int DefaultLatencyThreshold(AlertLevel level);

struct ProjectParameters {
  int concurrency = 0;         // full-migration workers; 0 = the core count
  int verify_concurrency = 0;  // verification workers; 0 = the core count
  int64_t chunk_rows = 100000;
  std::string zero_date = "error";  // MySQL zero dates: "error" or "null"
  // Row changes incremental synchronization applies ("sync_dml": a list of
  // insert, update, delete); a kind switched off is skipped.
  bool sync_insert = true;
  bool sync_update = true;
  bool sync_delete = true;
  // MySQL/MariaDB source: the server_id the binlog stream registers with;
  // 0 = derived from the project's resource name (connector/change_capture.h).
  uint32_t replica_server_id = 0;
};
std::vector<std::string> SyncDmlNames(const ProjectParameters& params);

// An endpoint with the way its password was given, so an export can name
// the reference instead of the secret.
struct EndpointSpec {
  Endpoint endpoint;  // endpoint.password: the secret, in memory only
  std::string password_env;
  std::string password_file;
};

struct ProjectSpec {
  std::string name;
  std::vector<std::string> tags;
  EndpointSpec source;
  EndpointSpec destination;
  ObjectRules objects;
  MigrationType type;
  ProjectParameters params;
  AlertConfig alerts;
  std::string created_by;
};

// Parses and validates a project document; every unknown key, wrong type or
// bad value is an INVALID_ARGUMENT naming the field. The policy says whose
// document it is (connector/endpoint.h): an API client's (kRemote: its
// endpoints checked, password_env/password_file read only as the operator
// allows, and not at all when the request carries the password), the
// user's own (kLocal), or one read back from the store (kStored: references
// kept as names only, the password comes from the store).
Result<ProjectSpec> ParseProjectSpec(const nlohmann::json& doc, const EndpointPolicy& policy);
// The project document without passwords. `objects_only`: just {"objects"}.
nlohmann::json SpecToJson(const ProjectSpec& spec, bool objects_only = false);

// A partial update of the parameters (modify_parameters): only what was
// given is set. sync_dml is the validated list as given.
struct ParameterUpdate {
  std::optional<int> concurrency;
  std::optional<int> verify_concurrency;
  std::optional<int64_t> chunk_rows;
  std::optional<std::string> zero_date;  // "error" or "null"
  std::optional<std::vector<std::string>> sync_dml;
  std::optional<uint32_t> replica_server_id;
};
void ApplyParameterUpdate(const ParameterUpdate& update, ProjectParameters& params);
// The update as its JSON document (the keys given, in key order).
nlohmann::json ParameterUpdateToJson(const ParameterUpdate& update);

// Partial updates, validated the same way (unknown keys refused).
Result<ParameterUpdate> ParseParameterUpdate(const nlohmann::json& doc);
// ParseParameterUpdate, then ApplyParameterUpdate; `params` is unchanged
// on error.
Status ApplyParameters(const nlohmann::json& doc, ProjectParameters& params);
Result<AlertConfig> ParseAlertConfig(const nlohmann::json& doc);
Result<ObjectRules> ParseObjectRules(const nlohmann::json& doc);

struct ProjectError {
  std::string code;  // catalog name, e.g. "AUTH_FAILED"
  std::string message;
  std::string hint;
  std::string subtask;  // where it happened
  std::string object;   // the table, when one
  int64_t at = 0;
};

struct Project {
  int64_t id = 0;
  ProjectSpec spec;
  ProjectState state = ProjectState::kNotStarted;
  std::string stage;  // current or last subtask name
  std::string step;
  int64_t created_at = 0;
  int64_t updated_at = 0;  // the last change of state
  std::optional<ProjectError> error;
  // Names its slot, publication, heartbeat and checkpoint rows (see
  // ProjectSlotName); set by the store when the project is created.
  std::string resource_name;
};

// The project as the API shows it: SpecToJson plus id, state, stage...
nlohmann::json ProjectToJson(const Project& project);
nlohmann::json ErrorToJson(const std::optional<ProjectError>& error);

}  // namespace godwit
