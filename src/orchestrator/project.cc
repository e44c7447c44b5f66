#include "orchestrator/project.h"

#include <nlohmann/json.hpp>
#include <algorithm>
#include <set>

#include "connector/change_capture.h"
#include "model/object_mapping.h"

namespace godwit {
namespace {

using nlohmann::json;

struct StateNames {
  ProjectState state;
  std::string_view name;
  std::string_view label;
};
constexpr StateNames kStateNames[] = {
    {ProjectState::kNotStarted, "not_started", "Not Started"},
    {ProjectState::kRunning, "running", "Running"},
    {ProjectState::kModifying, "modifying", "Modifying"},
    {ProjectState::kIntegrating, "integrating", "Integrating"},
    {ProjectState::kPaused, "paused", "Paused"},
    {ProjectState::kFailed, "failed", "Failed"},
    {ProjectState::kCompleted, "completed", "Completed"},
    {ProjectState::kReleasing, "releasing", "Releasing"},
    {ProjectState::kReleased, "released", "Released"},
};

struct SubtaskNames {
  SubtaskKind kind;
  std::string_view name;
};
constexpr SubtaskNames kSubtaskNames[] = {
    {SubtaskKind::kPrecheck, "precheck"},
    {SubtaskKind::kSchema, "schema_migration"},
    {SubtaskKind::kFull, "full_migration"},
    {SubtaskKind::kIncremental, "incremental_sync"},
    {SubtaskKind::kVerification, "full_verification"},
    {SubtaskKind::kForwardSwitchover, "forward_switchover"},
    {SubtaskKind::kReverse, "reverse_incremental"},
};

Status Invalid(const std::string& field, const std::string& what) {
  return Status(ErrorCode::kInvalidArgument, "'" + field + "' " + what,
                "See docs/api.md for the project document's fields and their forms.");
}

// Refuses keys outside `known`, so that a misspelt key never passes silently.
Status OnlyKnownKeys(const json& doc, const std::string& where, std::initializer_list<std::string_view> known) {
  if (!doc.is_object()) return Invalid(where.empty() ? "the document" : where, "must be an object");
  for (const auto& [key, _] : doc.items()) {
    bool found = false;
    for (auto k : known) found = found || k == key;
    if (!found) return Invalid((where.empty() ? "" : where + ".") + key, "is not a known field");
  }
  return Status();
}

Result<std::string> GetString(const json& doc, const std::string& key, const std::string& field) {
  const json& v = doc.at(key);
  if (!v.is_string()) return Invalid(field, "must be a string");
  return v.get<std::string>();
}

Result<int64_t> GetInt(const json& doc, const std::string& key, const std::string& field, int64_t min, int64_t max) {
  const json& v = doc.at(key);
  if (!v.is_number_integer()) return Invalid(field, "must be an integer");
  int64_t n = v.get<int64_t>();
  if (n < min || n > max) {
    return Invalid(field, "must be between " + std::to_string(min) + " and " + std::to_string(max));
  }
  return n;
}

Result<std::vector<std::string>> GetStringList(const json& doc, const std::string& key, const std::string& field) {
  const json& v = doc.at(key);
  std::vector<std::string> out;
  if (v.is_string()) {
    out.push_back(v.get<std::string>());
    return out;
  }
  if (!v.is_array()) return Invalid(field, "must be a list of strings");
  for (const auto& item : v) {
    if (!item.is_string()) return Invalid(field, "must be a list of strings");
    out.push_back(item.get<std::string>());
  }
  return out;
}

Result<std::map<std::string, std::string>> GetStringMap(const json& doc, const std::string& key,
                                                        const std::string& field) {
  const json& v = doc.at(key);
  if (!v.is_object()) return Invalid(field, "must be a mapping of names");
  std::map<std::string, std::string> out;
  for (const auto& [k, val] : v.items()) {
    if (!val.is_string()) return Invalid(field + "." + k, "must be a string");
    out[k] = val.get<std::string>();
  }
  return out;
}

Result<EndpointSpec> ParseEndpointSpec(const json& doc, const std::string& field, const EndpointPolicy& policy) {
  EndpointSpec spec;
  std::string uri;
  std::string password;
  bool has_password = false;
  if (doc.is_string()) {
    uri = doc.get<std::string>();
  } else if (doc.is_object()) {
    RETURN_IF_ERROR(OnlyKnownKeys(doc, field, {"uri", "password", "password_env", "password_file"}));
    if (!doc.contains("uri")) return Invalid(field + ".uri", "is missing");
    ASSIGN_OR_RETURN(uri, GetString(doc, "uri", field + ".uri"));
    if (doc.contains("password")) {
      ASSIGN_OR_RETURN(password, GetString(doc, "password", field + ".password"));
      has_password = true;
    }
    if (doc.contains("password_env")) {
      ASSIGN_OR_RETURN(spec.password_env, GetString(doc, "password_env", field + ".password_env"));
    }
    if (doc.contains("password_file")) {
      ASSIGN_OR_RETURN(spec.password_file, GetString(doc, "password_file", field + ".password_file"));
    }
    if (!spec.password_env.empty() && !spec.password_file.empty()) {
      return Invalid(field, "may name password_env or password_file, not both");
    }
  } else {
    return Invalid(field, "must be a URI or an object with 'uri'");
  }
  auto ep = ParseEndpointUri(uri, policy);
  if (!ep.ok()) return ep.status().WithContext(field);
  spec.endpoint = std::move(*ep);
  if (has_password) {
    // Sent with the request (the CLI resolves references on its side): the
    // references are names to show and export, not read here.
    spec.endpoint.password = password;
  } else if (policy.trust == EndpointPolicy::Trust::kStored) {
    // A stored project: the password comes from the store.
  } else if (!spec.password_env.empty()) {
    auto v = ReadPasswordEnv(spec.password_env, policy);
    if (!v.ok()) return v.status().WithContext(field);
    spec.endpoint.password = std::move(*v);
  } else if (!spec.password_file.empty()) {
    auto v = ReadPasswordFile(spec.password_file, policy);
    if (!v.ok()) return v.status().WithContext(field);
    spec.endpoint.password = std::move(*v);
  }
  return spec;
}

json EndpointToJson(const EndpointSpec& spec) {
  json out = {{"uri", spec.endpoint.UriWithoutPassword()}};
  if (!spec.password_env.empty()) out["password_env"] = spec.password_env;
  if (!spec.password_file.empty()) out["password_file"] = spec.password_file;
  return out;
}

Result<MigrationType> ParseMigrationType(const json& doc) {
  ASSIGN_OR_RETURN(auto names, GetStringList(doc, "migration_type", "migration_type"));
  if (names.empty()) return Invalid("migration_type", "must name at least one stage");
  MigrationType type{false, false, false, false, false};
  for (const auto& n : names) {
    if (n == "schema") {
      type.schema = true;
    } else if (n == "full") {
      type.full = true;
    } else if (n == "incremental") {
      type.incremental = true;
    } else if (n == "verification") {
      type.verification = true;
    } else if (n == "reverse") {
      return Status(ErrorCode::kUnsupported, "migration type '" + n + "' is not available in this version of Godwit",
                    "Create the project with migration_type [schema, full, incremental, verification] (or some "
                    "of them); reverse incremental migration comes with a later version.");
    } else {
      return Invalid("migration_type",
                     "has an unknown stage '" + n + "' (known: schema, full, incremental, verification)");
    }
  }
  if (type.incremental && !type.full) {
    return Invalid("migration_type",
                   "has 'incremental' without 'full': synchronization starts from the position the full migration "
                   "records with its snapshot, so add 'full'");
  }
  return type;
}

}  // namespace

std::string_view StateName(ProjectState state) {
  for (const auto& s : kStateNames) {
    if (s.state == state) return s.name;
  }
  return "unknown";
}

std::string_view StateLabel(ProjectState state) {
  for (const auto& s : kStateNames) {
    if (s.state == state) return s.label;
  }
  return "Unknown";
}

std::optional<ProjectState> ParseState(std::string_view name) {
  for (const auto& s : kStateNames) {
    if (s.name == name) return s.state;
  }
  return std::nullopt;
}

std::string_view SubtaskName(SubtaskKind kind) {
  for (const auto& s : kSubtaskNames) {
    if (s.kind == kind) return s.name;
  }
  return "unknown";
}

std::optional<SubtaskKind> ParseSubtask(std::string_view name) {
  for (const auto& s : kSubtaskNames) {
    if (s.name == name) return s.kind;
  }
  return std::nullopt;
}

namespace {
struct SubtaskStatusNames {
  SubtaskStatus status;
  std::string_view name;
};
constexpr SubtaskStatusNames kSubtaskStatusNames[] = {
    {SubtaskStatus::kPending, "pending"},       {SubtaskStatus::kRunning, "running"},
    {SubtaskStatus::kMonitoring, "monitoring"}, {SubtaskStatus::kPaused, "paused"},
    {SubtaskStatus::kCompleted, "completed"},   {SubtaskStatus::kFailed, "failed"},
    {SubtaskStatus::kSkipped, "skipped"},
};
}  // namespace

std::string_view SubtaskStatusName(SubtaskStatus status) {
  for (const auto& s : kSubtaskStatusNames) {
    if (s.status == status) return s.name;
  }
  return "unknown";
}

std::optional<SubtaskStatus> ParseSubtaskStatus(std::string_view name) {
  for (const auto& s : kSubtaskStatusNames) {
    if (s.name == name) return s.status;
  }
  return std::nullopt;
}

bool SubtaskDone(SubtaskStatus status) {
  return status == SubtaskStatus::kCompleted || status == SubtaskStatus::kSkipped;
}

std::vector<std::string> MigrationTypeNames(const MigrationType& type) {
  std::vector<std::string> out;
  if (type.schema) out.push_back("schema");
  if (type.full) out.push_back("full");
  if (type.incremental) out.push_back("incremental");
  if (type.verification) out.push_back("verification");
  if (type.reverse) out.push_back("reverse");
  return out;
}

std::vector<SubtaskKind> SubtasksFor(const MigrationType& type) {
  std::vector<SubtaskKind> out = {SubtaskKind::kPrecheck};
  if (type.schema) out.push_back(SubtaskKind::kSchema);
  if (type.full) out.push_back(SubtaskKind::kFull);
  if (type.incremental) out.push_back(SubtaskKind::kIncremental);
  if (type.verification) out.push_back(SubtaskKind::kVerification);
  if (type.reverse) {
    out.push_back(SubtaskKind::kForwardSwitchover);
    out.push_back(SubtaskKind::kReverse);
  }
  return out;
}

std::string_view AlertLevelName(AlertLevel level) {
  switch (level) {
    case AlertLevel::kNone: return "none";
    case AlertLevel::kLow: return "low";
    case AlertLevel::kMedium: return "medium";
    case AlertLevel::kHigh: return "high";
  }
  return "low";
}

int DefaultLatencyThreshold(AlertLevel level) {
  switch (level) {
    case AlertLevel::kNone: return 0;
    case AlertLevel::kLow: return 300;
    case AlertLevel::kMedium: return 60;
    case AlertLevel::kHigh: return 10;
  }
  return 300;
}

std::vector<std::string> SyncDmlNames(const ProjectParameters& params) {
  std::vector<std::string> out;
  if (params.sync_insert) out.push_back("insert");
  if (params.sync_update) out.push_back("update");
  if (params.sync_delete) out.push_back("delete");
  return out;
}

Result<ParameterUpdate> ParseParameterUpdate(const json& doc) {
  RETURN_IF_ERROR(OnlyKnownKeys(
      doc, "", {"concurrency", "verify_concurrency", "chunk_rows", "zero_date", "sync_dml", "replica_server_id"}));
  ParameterUpdate u;
  if (doc.contains("concurrency")) {
    ASSIGN_OR_RETURN(int64_t n, GetInt(doc, "concurrency", "concurrency", 0, 64));
    u.concurrency = static_cast<int>(n);
  }
  if (doc.contains("verify_concurrency")) {
    ASSIGN_OR_RETURN(int64_t n, GetInt(doc, "verify_concurrency", "verify_concurrency", 0, 64));
    u.verify_concurrency = static_cast<int>(n);
  }
  if (doc.contains("chunk_rows")) {
    ASSIGN_OR_RETURN(u.chunk_rows, GetInt(doc, "chunk_rows", "chunk_rows", 1, 100000000));
  }
  if (doc.contains("replica_server_id")) {
    ASSIGN_OR_RETURN(int64_t id, GetInt(doc, "replica_server_id", "replica_server_id", 0, 4294967295));
    u.replica_server_id = static_cast<uint32_t>(id);
  }
  if (doc.contains("zero_date")) {
    if (doc["zero_date"].is_null()) {
      u.zero_date = "null";
    } else {
      ASSIGN_OR_RETURN(u.zero_date, GetString(doc, "zero_date", "zero_date"));
      if (u.zero_date != "error" && u.zero_date != "null") return Invalid("zero_date", "must be 'error' or 'null'");
    }
  }
  if (doc.contains("sync_dml")) {
    ASSIGN_OR_RETURN(u.sync_dml, GetStringList(doc, "sync_dml", "sync_dml"));
    for (const auto& k : *u.sync_dml) {
      if (k != "insert" && k != "update" && k != "delete") {
        return Invalid("sync_dml", "has an unknown kind '" + k + "' (known: insert, update, delete)");
      }
    }
  }
  return u;
}

void ApplyParameterUpdate(const ParameterUpdate& update, ProjectParameters& params) {
  if (update.concurrency) params.concurrency = *update.concurrency;
  if (update.verify_concurrency) params.verify_concurrency = *update.verify_concurrency;
  if (update.chunk_rows) params.chunk_rows = *update.chunk_rows;
  if (update.replica_server_id) params.replica_server_id = *update.replica_server_id;
  if (update.zero_date) params.zero_date = *update.zero_date;
  if (update.sync_dml) {
    const auto& kinds = *update.sync_dml;
    auto has = [&](const char* kind) { return std::find(kinds.begin(), kinds.end(), kind) != kinds.end(); };
    params.sync_insert = has("insert");
    params.sync_update = has("update");
    params.sync_delete = has("delete");
  }
}

json ParameterUpdateToJson(const ParameterUpdate& update) {
  json out = json::object();
  if (update.concurrency) out["concurrency"] = *update.concurrency;
  if (update.verify_concurrency) out["verify_concurrency"] = *update.verify_concurrency;
  if (update.chunk_rows) out["chunk_rows"] = *update.chunk_rows;
  if (update.replica_server_id) out["replica_server_id"] = *update.replica_server_id;
  if (update.zero_date) out["zero_date"] = *update.zero_date;
  if (update.sync_dml) out["sync_dml"] = *update.sync_dml;
  return out;
}

Status ApplyParameters(const json& doc, ProjectParameters& params) {
  ASSIGN_OR_RETURN(ParameterUpdate update, ParseParameterUpdate(doc));
  ApplyParameterUpdate(update, params);
  return Status();
}

Result<AlertConfig> ParseAlertConfig(const json& doc) {
  RETURN_IF_ERROR(OnlyKnownKeys(doc, "alerts", {"level", "latency_threshold_seconds"}));
  AlertConfig alerts;
  if (doc.contains("level")) {
    ASSIGN_OR_RETURN(std::string level, GetString(doc, "level", "alerts.level"));
    bool found = false;
    for (AlertLevel l : {AlertLevel::kNone, AlertLevel::kLow, AlertLevel::kMedium, AlertLevel::kHigh}) {
      if (AlertLevelName(l) == level) {
        alerts.level = l;
        found = true;
      }
    }
    if (!found) return Invalid("alerts.level", "must be one of none, low, medium, high");
  }
  alerts.latency_threshold_seconds = DefaultLatencyThreshold(alerts.level);
  if (doc.contains("latency_threshold_seconds")) {
    ASSIGN_OR_RETURN(int64_t n,
                     GetInt(doc, "latency_threshold_seconds", "alerts.latency_threshold_seconds", 1, 7 * 24 * 3600));
    if (alerts.level == AlertLevel::kNone) {
      return Invalid("alerts.latency_threshold_seconds", "has no meaning with level 'none'");
    }
    alerts.latency_threshold_seconds = static_cast<int>(n);
  }
  return alerts;
}

Result<ObjectRules> ParseObjectRules(const json& doc) {
  RETURN_IF_ERROR(OnlyKnownKeys(doc, "objects", {"include", "exclude", "rename"}));
  ObjectRules rules;
  if (doc.contains("include")) {
    ASSIGN_OR_RETURN(rules.include, GetStringList(doc, "include", "objects.include"));
  }
  if (doc.contains("exclude")) {
    ASSIGN_OR_RETURN(rules.exclude, GetStringList(doc, "exclude", "objects.exclude"));
  }
  if (doc.contains("rename")) {
    const json& rename = doc["rename"];
    RETURN_IF_ERROR(OnlyKnownKeys(rename, "objects.rename", {"schemas", "tables"}));
    if (rename.contains("schemas")) {
      ASSIGN_OR_RETURN(rules.schema_renames, GetStringMap(rename, "schemas", "objects.rename.schemas"));
    }
    if (rename.contains("tables")) {
      ASSIGN_OR_RETURN(rules.table_renames, GetStringMap(rename, "tables", "objects.rename.tables"));
    }
  }
  RETURN_IF_ERROR(ObjectMapping::Validate(rules));
  return rules;
}

Result<ProjectSpec> ParseProjectSpec(const json& doc, const EndpointPolicy& policy) {
  if (doc.is_object() && doc.contains("replication_slot")) {
    return Status(ErrorCode::kInvalidArgument,
                  "'replication_slot' is chosen by the service: a project's slot is named godwit_ID",
                  "Remove the key; it applies to `godwit migrate` only.");
  }
  RETURN_IF_ERROR(OnlyKnownKeys(
      doc, "",
      {"name", "tags", "source", "destination", "objects", "migration_type", "concurrency", "verify_concurrency",
       "chunk_rows", "zero_date", "sync_dml", "replica_server_id", "alerts", "created_by"}));
  ProjectSpec spec;
  for (const char* required : {"source", "destination"}) {
    if (!doc.contains(required)) return Invalid(required, "is missing");
  }
  ASSIGN_OR_RETURN(spec.source, ParseEndpointSpec(doc["source"], "source", policy));
  ASSIGN_OR_RETURN(spec.destination, ParseEndpointSpec(doc["destination"], "destination", policy));
  if (doc.contains("name")) {
    ASSIGN_OR_RETURN(spec.name, GetString(doc, "name", "name"));
  }
  if (spec.name.size() > 200) return Invalid("name", "must be at most 200 characters");
  if (spec.name.empty()) {
    spec.name = spec.source.endpoint.Redacted() + " -> " + spec.destination.endpoint.Redacted();
  }
  if (doc.contains("tags")) {
    ASSIGN_OR_RETURN(spec.tags, GetStringList(doc, "tags", "tags"));
    std::set<std::string> unique;
    for (const auto& t : spec.tags) {
      if (t.empty() || t.size() > 64) return Invalid("tags", "must be non-empty strings of at most 64 characters");
      unique.insert(t);
    }
    spec.tags.assign(unique.begin(), unique.end());
  }
  if (doc.contains("objects")) {
    ASSIGN_OR_RETURN(spec.objects, ParseObjectRules(doc["objects"]));
  }
  if (doc.contains("migration_type")) {
    ASSIGN_OR_RETURN(spec.type, ParseMigrationType(doc));
  }
  json params = json::object();
  for (const char* key :
       {"concurrency", "verify_concurrency", "chunk_rows", "zero_date", "sync_dml", "replica_server_id"}) {
    if (doc.contains(key)) params[key] = doc[key];
  }
  RETURN_IF_ERROR(ApplyParameters(params, spec.params));
  if (doc.contains("alerts")) {
    ASSIGN_OR_RETURN(spec.alerts, ParseAlertConfig(doc["alerts"]));
  }
  if (doc.contains("created_by")) {
    ASSIGN_OR_RETURN(spec.created_by, GetString(doc, "created_by", "created_by"));
  }
  const CaptureTraits capture = CaptureTraitsFor(spec.source.endpoint.engine);
  if (spec.type.incremental && !capture.supported) {
    return Status(ErrorCode::kUnsupported,
                  "incremental synchronization needs a MySQL/MariaDB or PostgreSQL source: SQLite keeps no change log "
                  "to read",
                  "Create the project with migration_type [schema, full].");
  }
  if (spec.params.zero_date == "null" && !HasZeroDates(spec.source.endpoint.engine)) {
    return Invalid("zero_date", "applies to a MySQL/MariaDB source only");
  }
  if (spec.params.replica_server_id != 0 && !capture.replica_server_id) {
    return Invalid("replica_server_id", "applies to a MySQL/MariaDB source only");
  }
  return spec;
}

json SpecToJson(const ProjectSpec& spec, bool objects_only) {
  json objects = json::object();
  if (!spec.objects.include.empty()) objects["include"] = spec.objects.include;
  if (!spec.objects.exclude.empty()) objects["exclude"] = spec.objects.exclude;
  if (!spec.objects.schema_renames.empty()) objects["rename"]["schemas"] = spec.objects.schema_renames;
  if (!spec.objects.table_renames.empty()) objects["rename"]["tables"] = spec.objects.table_renames;
  if (objects_only) return json{{"objects", objects}};
  json out = {
      {"name", spec.name},
      {"tags", spec.tags},
      {"source", EndpointToJson(spec.source)},
      {"destination", EndpointToJson(spec.destination)},
      {"objects", objects},
      {"migration_type", MigrationTypeNames(spec.type)},
      {"concurrency", spec.params.concurrency},
      {"verify_concurrency", spec.params.verify_concurrency},
      {"chunk_rows", spec.params.chunk_rows},
      {"zero_date", spec.params.zero_date},
      {"sync_dml", SyncDmlNames(spec.params)},
      {"replica_server_id", spec.params.replica_server_id},
      {"alerts", {{"level", AlertLevelName(spec.alerts.level)}}},
      {"created_by", spec.created_by},
  };
  if (spec.alerts.level != AlertLevel::kNone) {
    out["alerts"]["latency_threshold_seconds"] = spec.alerts.latency_threshold_seconds;
  }
  return out;
}

json ErrorToJson(const std::optional<ProjectError>& error) {
  if (!error) return nullptr;
  return json{{"code", error->code},       {"message", error->message}, {"hint", error->hint},
              {"subtask", error->subtask}, {"object", error->object},   {"at", error->at}};
}

json ProjectToJson(const Project& project) {
  json out = SpecToJson(project.spec);
  out["id"] = project.id;
  out["state"] = StateName(project.state);
  out["state_label"] = StateLabel(project.state);
  out["stage"] = project.stage;
  out["step"] = project.step;
  out["created_at"] = project.created_at;
  out["updated_at"] = project.updated_at;
  out["error"] = ErrorToJson(project.error);
  // What the project's slot, publication, heartbeat and checkpoint rows
  // are called on the databases.
  out["resource_name"] = project.resource_name.empty() ? "godwit_" + std::to_string(project.id) : project.resource_name;
  return out;
}

}  // namespace godwit
