#include "orchestrator/state_machine.h"

#include <algorithm>

namespace godwit {
namespace {

struct OperationInfo {
  Operation op;
  std::string_view name;
  std::string_view label;
};
constexpr OperationInfo kOperations[] = {
    {Operation::kStart, "start", "start"},
    {Operation::kPause, "pause", "pause"},
    {Operation::kResume, "resume", "resume"},
    {Operation::kRelease, "release", "release"},
    {Operation::kForceRelease, "force_release", "force release"},
    {Operation::kDelete, "delete", "delete"},
    {Operation::kModifyAlerts, "modify_alerts", "modify alert configuration"},
    {Operation::kModifyParameters, "modify_parameters", "modify parameters"},
    {Operation::kModifyObjects, "modify_objects", "modify objects"},
    {Operation::kViewParameters, "view_parameters", "view parameters"},
    {Operation::kEnterForwardSwitchover, "enter_forward_switchover", "enter forward switchover"},
    {Operation::kStartForwardSwitchover, "start_forward_switchover", "start forward switchover"},
    {Operation::kSkipFullVerification, "skip_full_verification", "skip full verification"},
    {Operation::kSkipDdl, "skip_ddl", "skip the failed DDL"},
};

// PRODUCT.md, "Operations and when they are allowed". Force release goes
// wherever release goes: it is release that does not wait for final steps.
// Viewing parameters is harmless everywhere; the table lists it where the
// product names it.
struct StateRow {
  ProjectState state;
  std::vector<Operation> ops;
};
const std::vector<StateRow>& Table() {
  using O = Operation;
  static const std::vector<StateRow> kTable = {
      {ProjectState::kNotStarted, {O::kStart, O::kDelete, O::kModifyAlerts, O::kModifyParameters, O::kModifyObjects}},
      {ProjectState::kRunning,
       {O::kPause, O::kModifyAlerts, O::kViewParameters, O::kEnterForwardSwitchover, O::kStartForwardSwitchover,
        O::kSkipFullVerification}},
      {ProjectState::kModifying, {}},
      {ProjectState::kIntegrating, {}},
      {ProjectState::kPaused,
       {O::kResume, O::kRelease, O::kForceRelease, O::kModifyAlerts, O::kModifyParameters, O::kSkipFullVerification}},
      {ProjectState::kFailed,
       {O::kResume, O::kRelease, O::kForceRelease, O::kModifyAlerts, O::kModifyParameters, O::kSkipFullVerification,
        O::kSkipDdl}},
      {ProjectState::kCompleted, {O::kRelease, O::kForceRelease}},
      {ProjectState::kReleasing, {}},
      {ProjectState::kReleased, {O::kDelete}},
  };
  return kTable;
}

// The stage an operation additionally needs, or empty when none.
std::string_view StageCondition(Operation op) {
  switch (op) {
    case Operation::kEnterForwardSwitchover: return "full verification completed, with a forward switchover stage";
    case Operation::kStartForwardSwitchover: return "in the forward switchover stage";
    case Operation::kSkipFullVerification: return "in the full verification stage";
    case Operation::kSkipDdl: return "in the incremental synchronization stage";
    default: return {};
  }
}

bool StageAllows(Operation op, const StageContext& ctx) {
  switch (op) {
    case Operation::kEnterForwardSwitchover: return ctx.verification_completed && ctx.has_switchover_stage;
    case Operation::kStartForwardSwitchover: return ctx.in_switchover_stage;
    case Operation::kSkipFullVerification: return ctx.in_verification_stage;
    case Operation::kSkipDdl: return ctx.in_incremental_stage;
    default: return true;
  }
}

}  // namespace

std::string_view OperationName(Operation op) {
  for (const auto& o : kOperations) {
    if (o.op == op) return o.name;
  }
  return "unknown";
}

std::string_view OperationLabel(Operation op) {
  for (const auto& o : kOperations) {
    if (o.op == op) return o.label;
  }
  return "unknown";
}

std::optional<Operation> ParseOperation(std::string_view name) {
  for (const auto& o : kOperations) {
    if (o.name == name) return o.op;
  }
  return std::nullopt;
}

const std::vector<Operation>& BatchOperations() {
  static const std::vector<Operation> kBatch = {
      Operation::kStart,
      Operation::kPause,
      Operation::kResume,
      Operation::kRelease,
      Operation::kDelete,
      Operation::kModifyAlerts,
      Operation::kSkipFullVerification,
      Operation::kEnterForwardSwitchover,
      Operation::kStartForwardSwitchover,
      Operation::kSkipDdl,
  };
  return kBatch;
}

StageContext StageContextOf(const Project& project) {
  StageContext ctx;
  ctx.in_verification_stage =
      project.stage == SubtaskName(SubtaskKind::kVerification) && project.state != ProjectState::kCompleted;
  ctx.verification_completed = project.stage == SubtaskName(SubtaskKind::kVerification) && project.step == "completed";
  ctx.in_switchover_stage = project.stage == SubtaskName(SubtaskKind::kForwardSwitchover);
  const auto kinds = SubtasksFor(project.spec.type);
  ctx.has_switchover_stage = std::find(kinds.begin(), kinds.end(), SubtaskKind::kForwardSwitchover) != kinds.end();
  ctx.in_incremental_stage = project.stage == SubtaskName(SubtaskKind::kIncremental);
  return ctx;
}

const std::vector<Operation>& AllowedOperations(ProjectState state) {
  static const std::vector<Operation> kNone;
  for (const auto& row : Table()) {
    if (row.state == state) return row.ops;
  }
  return kNone;
}

Status CheckOperation(const Project& project, Operation op) {
  const auto& allowed = AllowedOperations(project.state);
  std::string who = "project " + std::to_string(project.id) + " is " + std::string(StateLabel(project.state));
  if (std::find(allowed.begin(), allowed.end(), op) == allowed.end()) {
    std::string list;
    for (Operation a : allowed) {
      list += (list.empty() ? "" : ", ") + std::string(OperationLabel(a));
      if (auto cond = StageCondition(a); !cond.empty()) list += " (" + std::string(cond) + ")";
    }
    return Status(ErrorCode::kInvalidState,
                  who + ": " + std::string(OperationLabel(op)) +
                      " is not allowed; allowed in this state: " + (list.empty() ? "none" : list),
                  project.state == ProjectState::kReleasing
                      ? "Wait until the release has finished."
                      : "Choose an operation the state allows (docs/state-machine.md).");
  }
  if (!StageAllows(op, StageContextOf(project))) {
    return Status(ErrorCode::kInvalidState,
                  who + " at stage '" + (project.stage.empty() ? "none" : project.stage) +
                      "': " + std::string(OperationLabel(op)) + " needs the project " + std::string(StageCondition(op)),
                  "Wait until the project reaches that stage.");
  }
  return Status();
}

std::string StateMachineMarkdown() {
  std::string out =
      "# Project states and operations\n\n"
      "Generated by `godwit state-machine --markdown` from src/orchestrator/state_machine.cc, the one table the\n"
      "API, the CLI and batch operations consult. An operation a state does not allow is refused with HTTP 409\n"
      "(`INVALID_STATE`) and changes nothing.\n\n"
      "| state | API name | operations allowed |\n|---|---|---|\n";
  for (const auto& row : Table()) {
    std::string ops;
    for (Operation op : row.ops) {
      ops += (ops.empty() ? "" : ", ") + std::string(OperationLabel(op));
      if (auto cond = StageCondition(op); !cond.empty()) ops += " (" + std::string(cond) + ")";
    }
    out += "| " + std::string(StateLabel(row.state)) + " | `" + std::string(StateName(row.state)) + "` | " +
           (ops.empty() ? "none" : ops) + " |\n";
  }
  out +=
      "\nTransitions made by the service itself: start and resume → Running; every subtask done → Completed; a\n"
      "subtask error → Failed (with the error, the subtask and the object); release → Releasing → Released;\n"
      "delete removes the project. After a restart of the daemon, Running projects continue from their\n"
      "checkpoints and Releasing ones finish releasing; Paused and Failed ones stay so. A release that cannot\n"
      "free what the project holds (without force) leaves it Failed with the reason; force release frees what it\n"
      "can and lists the rest. Modifying and Integrating belong to changing the objects of a running project,\n"
      "which this version does not offer: no project enters them yet.\n\n"
      "Batch operations: ";
  std::string batch;
  for (Operation op : BatchOperations()) batch += (batch.empty() ? "" : ", ") + std::string(OperationName(op));
  out += batch + ".\n";
  return out;
}

}  // namespace godwit
