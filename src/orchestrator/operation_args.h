// The typed arguments of the project operations (state_machine.h), and the
// one parser from their JSON form (the API's request bodies, docs/api.md).
//
// JSON stays at the edges: the API server parses a request's arguments
// with ParseOperationArgs and hands the orchestrator an OperationArgs;
// the orchestrator never reads JSON arguments itself.
//
// Thread-safety: plain values and a pure function.
#pragma once

#include <variant>

#include <nlohmann/json_fwd.hpp>

#include "common/status.h"
#include "model/object_rules.h"
#include "orchestrator/project.h"
#include "orchestrator/state_machine.h"

namespace godwit {

// The operations that take no arguments (start, pause, resume, delete,
// view_parameters, the skips and the switchover steps).
struct NoArgs {};

// release; force_release is a release with force set whatever is given.
struct ReleaseArgs {
  bool force = false;
};

struct ModifyAlertsArgs {
  AlertConfig alerts;
};

struct ModifyParametersArgs {
  ParameterUpdate update;  // only the parameters given change
};

struct ModifyObjectsArgs {
  ObjectRules objects;  // replaces the project's rules
};

using OperationArgs = std::variant<NoArgs, ReleaseArgs, ModifyAlertsArgs, ModifyParametersArgs, ModifyObjectsArgs>;

// The arguments of `op` from `args`, a JSON object (null reads as {}):
//   release, force_release   {"force": bool}
//   modify_alerts            {"level", "latency_threshold_seconds"}, or those inside {"alerts": {...}}
//   modify_parameters        the parameters to change (ProjectParameters' keys)
//   modify_objects           {"include", "exclude", "rename"}
//   any other operation      {}
// A key the operation does not take, a wrong type or a bad value is an
// INVALID_ARGUMENT naming the field.
Result<OperationArgs> ParseOperationArgs(Operation op, const nlohmann::json& args);

}  // namespace godwit
