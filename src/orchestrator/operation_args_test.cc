#include "orchestrator/operation_args.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace godwit {
namespace {

using nlohmann::json;

// The argument error's message, or "" when `args` parse.
std::string ErrorOf(Operation op, const json& args) {
  auto parsed = ParseOperationArgs(op, args);
  if (parsed.ok()) return "";
  EXPECT_EQ(parsed.status().code(), ErrorCode::kInvalidArgument) << parsed.status().ToString();
  return parsed.status().message();
}

TEST(OperationArgs, OperationsWithoutArgumentsTakeNothing) {
  for (Operation op : {Operation::kStart, Operation::kPause, Operation::kResume, Operation::kDelete,
                       Operation::kViewParameters, Operation::kSkipDdl, Operation::kSkipFullVerification}) {
    auto parsed = ParseOperationArgs(op, json::object());
    ASSERT_TRUE(parsed.ok()) << OperationName(op) << ": " << parsed.status().ToString();
    EXPECT_TRUE(std::holds_alternative<NoArgs>(*parsed)) << OperationName(op);
    EXPECT_TRUE(ParseOperationArgs(op, json(nullptr)).ok()) << "null reads as {}";
  }
  EXPECT_EQ(ErrorOf(Operation::kStart, json{{"force", true}}), "'force' is not a field of start");
  EXPECT_EQ(ErrorOf(Operation::kSkipDdl, json{{"sequence", 7}}), "'sequence' is not a field of skip_ddl");
  EXPECT_EQ(ErrorOf(Operation::kPause, json::array()), "the arguments of pause must be a JSON object");
}

TEST(OperationArgs, ReleaseForce) {
  auto plain = ParseOperationArgs(Operation::kRelease, json::object());
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE(std::get<ReleaseArgs>(*plain).force);
  auto forced = ParseOperationArgs(Operation::kRelease, json{{"force", true}});
  ASSERT_TRUE(forced.ok());
  EXPECT_TRUE(std::get<ReleaseArgs>(*forced).force);
  auto force_release = ParseOperationArgs(Operation::kForceRelease, json::object());
  ASSERT_TRUE(force_release.ok());
  EXPECT_TRUE(std::get<ReleaseArgs>(*force_release).force) << "force_release always forces";

  EXPECT_EQ(ErrorOf(Operation::kRelease, json{{"force", "yes"}}), "'force' must be true or false");
  EXPECT_EQ(ErrorOf(Operation::kRelease, json{{"now", true}}), "'now' is not a field of release");
}

TEST(OperationArgs, ModifyAlertsBareOrWrapped) {
  for (const json& args : {json{{"level", "medium"}}, json{{"alerts", {{"level", "medium"}}}}}) {
    auto parsed = ParseOperationArgs(Operation::kModifyAlerts, args);
    ASSERT_TRUE(parsed.ok()) << args.dump() << ": " << parsed.status().ToString();
    const AlertConfig& alerts = std::get<ModifyAlertsArgs>(*parsed).alerts;
    EXPECT_EQ(alerts.level, AlertLevel::kMedium);
    EXPECT_EQ(alerts.latency_threshold_seconds, 60);
  }
  EXPECT_EQ(ErrorOf(Operation::kModifyAlerts, json{{"level", "panic"}}),
            "'alerts.level' must be one of none, low, medium, high");
  EXPECT_EQ(ErrorOf(Operation::kModifyAlerts, json{{"alerts", {{"level", "none"}, {"latency_threshold_seconds", 5}}}}),
            "'alerts.latency_threshold_seconds' has no meaning with level 'none'");
  EXPECT_EQ(ErrorOf(Operation::kModifyAlerts, json{{"loud", true}}), "'alerts.loud' is not a known field");
}

TEST(OperationArgs, ModifyParametersIsAPartialUpdate) {
  auto parsed = ParseOperationArgs(Operation::kModifyParameters,
                                   json{{"chunk_rows", 150}, {"sync_dml", {"insert"}}, {"zero_date", nullptr}});
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const ParameterUpdate& update = std::get<ModifyParametersArgs>(*parsed).update;
  EXPECT_FALSE(update.concurrency.has_value());

  ProjectParameters params;
  params.concurrency = 5;
  ApplyParameterUpdate(update, params);
  EXPECT_EQ(params.concurrency, 5) << "what was not given stays";
  EXPECT_EQ(params.chunk_rows, 150);
  EXPECT_EQ(params.zero_date, "null");
  EXPECT_TRUE(params.sync_insert);
  EXPECT_FALSE(params.sync_update);
  EXPECT_FALSE(params.sync_delete);
  EXPECT_EQ(ParameterUpdateToJson(update),
            (json{{"chunk_rows", 150}, {"sync_dml", {"insert"}}, {"zero_date", "null"}}));

  EXPECT_EQ(ErrorOf(Operation::kModifyParameters, json{{"chunk_rows", -5}}),
            "'chunk_rows' must be between 1 and 100000000");
  EXPECT_EQ(ErrorOf(Operation::kModifyParameters, json{{"sync_dml", {"truncate"}}}),
            "'sync_dml' has an unknown kind 'truncate' (known: insert, update, delete)");
  EXPECT_EQ(ErrorOf(Operation::kModifyParameters, json{{"zero_date", "zero"}}),
            "'zero_date' must be 'error' or 'null'");
  EXPECT_EQ(ErrorOf(Operation::kModifyParameters, json{{"workers", 2}}), "'workers' is not a known field");
}

TEST(OperationArgs, ModifyObjects) {
  auto parsed = ParseOperationArgs(Operation::kModifyObjects,
                                   json{{"include", {"shop.orders"}}, {"rename", {{"schemas", {{"shop", "store"}}}}}});
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const ObjectRules& rules = std::get<ModifyObjectsArgs>(*parsed).objects;
  EXPECT_EQ(rules.include, std::vector<std::string>{"shop.orders"});
  EXPECT_EQ(rules.schema_renames.at("shop"), "store");

  EXPECT_EQ(ErrorOf(Operation::kModifyObjects, json{{"include", 3}}), "'objects.include' must be a list of strings");
  EXPECT_EQ(ErrorOf(Operation::kModifyObjects, json{{"rename", {{"columns", json::object()}}}}),
            "'objects.rename.columns' is not a known field");
}

}  // namespace
}  // namespace godwit
