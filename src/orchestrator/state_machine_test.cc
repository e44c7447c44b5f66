#include "orchestrator/state_machine.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

namespace godwit {
namespace {

// PRODUCT.md's table, written out independently of the code's.
std::set<Operation> Expected(ProjectState s) {
  using O = Operation;
  switch (s) {
    case ProjectState::kNotStarted:
      return {O::kStart, O::kDelete, O::kModifyAlerts, O::kModifyParameters, O::kModifyObjects};
    case ProjectState::kRunning:
      return {O::kPause,
              O::kModifyAlerts,
              O::kViewParameters,
              O::kEnterForwardSwitchover,
              O::kStartForwardSwitchover,
              O::kSkipFullVerification};
    case ProjectState::kPaused:
      return {O::kResume,       O::kRelease,          O::kForceRelease,
              O::kModifyAlerts, O::kModifyParameters, O::kSkipFullVerification};
    case ProjectState::kFailed:
      // Skip DDL: the Writer stopped on a DDL statement the destination refused.
      return {O::kResume,       O::kRelease,          O::kForceRelease,
              O::kModifyAlerts, O::kModifyParameters, O::kSkipFullVerification,
              O::kSkipDdl};
    case ProjectState::kCompleted: return {O::kRelease, O::kForceRelease};
    case ProjectState::kReleased: return {O::kDelete};
    default: return {};
  }
}

TEST(StateMachine, TableMatchesTheProduct) {
  for (ProjectState s : kAllStates) {
    const auto& ops = AllowedOperations(s);
    EXPECT_EQ(std::set<Operation>(ops.begin(), ops.end()), Expected(s)) << StateName(s);
  }
}

TEST(StateMachine, RefusalNamesStateAndAllowedOperations) {
  Project p;
  p.id = 7;
  p.state = ProjectState::kPaused;
  Status st = CheckOperation(p, Operation::kStart);
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), ErrorCode::kInvalidState);
  EXPECT_NE(st.message().find("project 7 is Paused"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("resume, release"), std::string::npos) << st.message();
  EXPECT_TRUE(CheckOperation(p, Operation::kResume).ok());
}

TEST(StateMachine, StageConditionsGateSwitchoverAndSkip) {
  Project p;
  p.state = ProjectState::kRunning;
  p.stage = "full_migration";
  EXPECT_FALSE(CheckOperation(p, Operation::kSkipFullVerification).ok());
  EXPECT_FALSE(CheckOperation(p, Operation::kEnterForwardSwitchover).ok());
  EXPECT_FALSE(CheckOperation(p, Operation::kStartForwardSwitchover).ok());
  p.stage = "full_verification";
  p.step = "running";
  EXPECT_TRUE(CheckOperation(p, Operation::kSkipFullVerification).ok());
  EXPECT_FALSE(CheckOperation(p, Operation::kEnterForwardSwitchover).ok());
  p.step = "completed";
  // Verification completed beside synchronization, without a switchover
  // stage (every project this version accepts): not offered, so that the
  // preview never lists what the operation would refuse as UNSUPPORTED.
  p.spec.type.incremental = p.spec.type.verification = true;
  EXPECT_FALSE(CheckOperation(p, Operation::kEnterForwardSwitchover).ok());
  p.spec.type.reverse = true;  // a migration type with a forward switchover
  EXPECT_TRUE(CheckOperation(p, Operation::kEnterForwardSwitchover).ok());
  p.stage = "forward_switchover";
  EXPECT_TRUE(CheckOperation(p, Operation::kStartForwardSwitchover).ok());
  p.state = ProjectState::kFailed;
  p.stage = "full_migration";
  EXPECT_FALSE(CheckOperation(p, Operation::kSkipDdl).ok());
  p.stage = "incremental_sync";
  EXPECT_TRUE(CheckOperation(p, Operation::kSkipDdl).ok());
}

TEST(StateMachine, NamesRoundTrip) {
  for (ProjectState s : kAllStates) EXPECT_EQ(ParseState(StateName(s)), s);
  for (Operation op : BatchOperations()) EXPECT_EQ(ParseOperation(OperationName(op)), op);
  EXPECT_FALSE(ParseOperation("explode").has_value());
}

TEST(StateMachine, MarkdownListsEveryState) {
  std::string md = StateMachineMarkdown();
  for (ProjectState s : kAllStates) EXPECT_NE(md.find(std::string(StateLabel(s))), std::string::npos);
}

}  // namespace
}  // namespace godwit
