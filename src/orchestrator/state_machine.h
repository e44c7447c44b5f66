// The project state machine: which operations each state allows. This one
// table is what the API, the CLI and the batch operations all consult, and
// docs/state-machine.md is generated from it (`godwit state-machine
// --markdown`).
//
// Thread-safety: pure functions over constant data.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "orchestrator/project.h"

namespace godwit {

enum class Operation {
  kStart,
  kPause,
  kResume,
  kRelease,
  kForceRelease,
  kDelete,
  kModifyAlerts,
  kModifyParameters,
  kModifyObjects,
  kViewParameters,
  kEnterForwardSwitchover,
  kStartForwardSwitchover,
  kSkipFullVerification,
  kSkipDdl,  // skip the captured DDL the destination refused, and resume
};

std::string_view OperationName(Operation op);   // "start", "modify_alerts"...
std::string_view OperationLabel(Operation op);  // "start", "modify alert configuration"...
std::optional<Operation> ParseOperation(std::string_view name);
// The operations that exist as batch operations.
const std::vector<Operation>& BatchOperations();

// Where a project stands in its pipeline, for the operations that depend on
// the stage as well as the state.
struct StageContext {
  bool in_verification_stage = false;  // the full-verification subtask is current
  bool verification_completed = false;
  // The migration type has a forward-switchover subtask (ParseProjectSpec
  // refuses such types until the stage is built, so no project has one yet:
  // entering the switchover is never offered for an operation that would
  // fail).
  bool has_switchover_stage = false;
  bool in_switchover_stage = false;   // the forward-switchover subtask is current
  bool in_incremental_stage = false;  // the incremental-synchronization subtask is current
};
StageContext StageContextOf(const Project& project);

// The operations a state allows, before stage conditions.
const std::vector<Operation>& AllowedOperations(ProjectState state);

// OK when `op` is allowed for `project`; otherwise INVALID_STATE (HTTP 409)
// with a message naming the state and what it allows.
Status CheckOperation(const Project& project, Operation op);

// The state table as Markdown (docs/state-machine.md).
std::string StateMachineMarkdown();

}  // namespace godwit
