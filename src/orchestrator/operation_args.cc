#include "orchestrator/operation_args.h"

#include <nlohmann/json.hpp>

namespace godwit {
namespace {

using nlohmann::json;

// Refuses every key of `args` but `allowed` (at most one: no operation
// takes more at the top level).
Status OnlyKey(Operation op, const json& args, std::string_view allowed) {
  for (const auto& [key, _] : args.items()) {
    if (key != allowed) {
      return Status(ErrorCode::kInvalidArgument, "'" + key + "' is not a field of " + std::string(OperationName(op)),
                    "See docs/api.md.");
    }
  }
  return Status();
}

Result<OperationArgs> ParseRelease(Operation op, const json& args) {
  RETURN_IF_ERROR(OnlyKey(op, args, "force"));
  ReleaseArgs out;
  if (args.contains("force")) {
    if (!args["force"].is_boolean()) return Status(ErrorCode::kInvalidArgument, "'force' must be true or false");
    out.force = args["force"].get<bool>();
  }
  if (op == Operation::kForceRelease) out.force = true;
  return OperationArgs{out};
}

}  // namespace

Result<OperationArgs> ParseOperationArgs(Operation op, const json& args) {
  const json empty = json::object();
  const json& a = args.is_null() ? empty : args;
  if (!a.is_object()) {
    return Status(ErrorCode::kInvalidArgument,
                  "the arguments of " + std::string(OperationName(op)) + " must be a JSON object");
  }
  switch (op) {
    case Operation::kRelease:
    case Operation::kForceRelease: return ParseRelease(op, a);
    case Operation::kModifyAlerts: {
      // The API's PUT takes the alert configuration itself; a batch wraps it in "alerts".
      ASSIGN_OR_RETURN(AlertConfig alerts, ParseAlertConfig(a.contains("alerts") ? a["alerts"] : a));
      return OperationArgs{ModifyAlertsArgs{alerts}};
    }
    case Operation::kModifyParameters: {
      ASSIGN_OR_RETURN(ParameterUpdate update, ParseParameterUpdate(a));
      return OperationArgs{ModifyParametersArgs{std::move(update)}};
    }
    case Operation::kModifyObjects: {
      ASSIGN_OR_RETURN(ObjectRules objects, ParseObjectRules(a));
      return OperationArgs{ModifyObjectsArgs{std::move(objects)}};
    }
    case Operation::kStart:
    case Operation::kPause:
    case Operation::kResume:
    case Operation::kDelete:
    case Operation::kViewParameters:
    case Operation::kEnterForwardSwitchover:
    case Operation::kStartForwardSwitchover:
    case Operation::kSkipFullVerification:
    case Operation::kSkipDdl: break;
  }
  RETURN_IF_ERROR(OnlyKey(op, a, ""));
  return OperationArgs{NoArgs{}};
}

}  // namespace godwit
