#include "orchestrator/project.h"
#include "orchestrator/subtask_runner.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

namespace godwit {
namespace {

using nlohmann::json;

json Minimal() {
  return json{{"source", "mysql://app:s3cret@127.0.0.1:3306/shop"},
              {"destination", {{"uri", "postgresql://postgres@127.0.0.1:5432/shop"}, {"password", "pw2"}}}};
}

TEST(ProjectSpec, ParsesMinimalWithDefaults) {
  auto spec = ParseProjectSpec(Minimal(), EndpointPolicy::Local());
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_TRUE(spec->type.schema);
  EXPECT_TRUE(spec->type.full);
  EXPECT_EQ(spec->alerts.level, AlertLevel::kLow);
  EXPECT_EQ(spec->alerts.latency_threshold_seconds, 300);
  EXPECT_EQ(spec->source.endpoint.password, "s3cret");
  EXPECT_EQ(spec->destination.endpoint.password, "pw2");
  EXPECT_FALSE(spec->name.empty());
}

TEST(ProjectSpec, JsonNeverCarriesPasswords) {
  auto spec = ParseProjectSpec(Minimal(), EndpointPolicy::Local());
  ASSERT_TRUE(spec.ok());
  std::string text = SpecToJson(*spec).dump();
  EXPECT_EQ(text.find("s3cret"), std::string::npos) << text;
  EXPECT_EQ(text.find("pw2"), std::string::npos) << text;
  // And it parses back to the same configuration (minus passwords).
  auto again = ParseProjectSpec(SpecToJson(*spec), EndpointPolicy::Stored());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(SpecToJson(*again), SpecToJson(*spec));
}

TEST(ProjectSpec, PasswordEnvIsResolvedAndKeptAsReference) {
  setenv("GODWIT_TEST_PW", "from-env", 1);
  json doc = Minimal();
  doc["source"] = {{"uri", "mysql://app@127.0.0.1:3306/shop"}, {"password_env", "GODWIT_TEST_PW"}};
  auto spec = ParseProjectSpec(doc, EndpointPolicy::Local());
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->source.endpoint.password, "from-env");
  json out = SpecToJson(*spec);
  EXPECT_EQ(out["source"]["password_env"], "GODWIT_TEST_PW");
  EXPECT_EQ(out.dump().find("from-env"), std::string::npos);
}

TEST(ProjectSpec, RefusesUnknownFieldsAndWrongTypes) {
  json doc = Minimal();
  doc["concurency"] = 4;
  auto st = ParseProjectSpec(doc, EndpointPolicy::Local());
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.status().message().find("concurency"), std::string::npos);

  doc = Minimal();
  doc["concurrency"] = "four";
  st = ParseProjectSpec(doc, EndpointPolicy::Local());
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.status().message().find("concurrency"), std::string::npos);

  doc = Minimal();
  doc["objects"] = {{"include", {1, 2}}};
  EXPECT_FALSE(ParseProjectSpec(doc, EndpointPolicy::Local()).ok());

  doc = Minimal();
  doc.erase("destination");
  EXPECT_FALSE(ParseProjectSpec(doc, EndpointPolicy::Local()).ok());

  EXPECT_FALSE(ParseProjectSpec(json::array(), EndpointPolicy::Local()).ok());

  doc = Minimal();
  doc["replication_slot"] = "mine";
  auto slot = ParseProjectSpec(doc, EndpointPolicy::Local());
  ASSERT_FALSE(slot.ok());
  EXPECT_NE(slot.status().message().find("godwit_ID"), std::string::npos) << slot.status().message();
}

TEST(ProjectSpec, IncrementalNeedsFullAndAChangeLogSource) {
  json doc = Minimal();
  doc["migration_type"] = {"schema", "full", "incremental"};
  doc["sync_dml"] = {"insert", "update"};
  auto spec = ParseProjectSpec(doc, EndpointPolicy::Local());
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_TRUE(spec->type.incremental);
  EXPECT_FALSE(spec->params.sync_delete);
  EXPECT_EQ(SpecToJson(*spec)["sync_dml"], json({"insert", "update"}));
  EXPECT_EQ(SubtasksFor(spec->type).back(), SubtaskKind::kIncremental);

  doc["migration_type"] = {"schema", "incremental"};
  auto no_full = ParseProjectSpec(doc, EndpointPolicy::Local());
  ASSERT_FALSE(no_full.ok());
  EXPECT_NE(no_full.status().message().find("without 'full'"), std::string::npos) << no_full.status().message();

  doc["migration_type"] = {"full", "incremental"};
  doc["source"] = "sqlite:///tmp/app.db";
  auto sqlite = ParseProjectSpec(doc, EndpointPolicy::Local());
  ASSERT_FALSE(sqlite.ok());
  EXPECT_EQ(sqlite.status().code(), ErrorCode::kUnsupported);

  doc = Minimal();
  doc["sync_dml"] = {"upsert"};
  EXPECT_FALSE(ParseProjectSpec(doc, EndpointPolicy::Local()).ok());
}

TEST(ProjectSpec, ZeroDatesAndAReplicaServerIdAreMysqlSourcesOnly) {
  json doc = Minimal();
  doc["zero_date"] = nullptr;
  doc["replica_server_id"] = 4242;
  ASSERT_TRUE(ParseProjectSpec(doc, EndpointPolicy::Local()).ok());
  doc["source"] = "postgresql://app@127.0.0.1:5432/shop";
  auto pg = ParseProjectSpec(doc, EndpointPolicy::Local());
  ASSERT_FALSE(pg.ok());
  EXPECT_NE(pg.status().message().find("zero_date"), std::string::npos) << pg.status().message();
  doc.erase("zero_date");
  pg = ParseProjectSpec(doc, EndpointPolicy::Local());
  ASSERT_FALSE(pg.ok());
  EXPECT_NE(pg.status().message().find("replica_server_id"), std::string::npos) << pg.status().message();
}

TEST(ProjectSpec, StagesNotInThisVersionAreRefusedClearly) {
  json doc = Minimal();
  doc["migration_type"] = {"schema", "full", "reverse"};
  auto st = ParseProjectSpec(doc, EndpointPolicy::Local());
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.status().code(), ErrorCode::kUnsupported);
  doc["migration_type"] = {"schema", "full", "incremental", "verification"};
  auto verified = ParseProjectSpec(doc, EndpointPolicy::Local());
  ASSERT_TRUE(verified.ok()) << verified.status().ToString();
  EXPECT_TRUE(verified->type.verification);
  ASSERT_EQ(SubtasksFor(verified->type).back(), SubtaskKind::kVerification);
  doc["migration_type"] = {"schema"};
  auto ok = ParseProjectSpec(doc, EndpointPolicy::Local());
  ASSERT_TRUE(ok.ok());
  EXPECT_FALSE(ok->type.full);
  ASSERT_EQ(SubtasksFor(ok->type).size(), 2u);
}

TEST(ProjectSpec, AlertsAndParameters) {
  auto alerts = ParseAlertConfig(json{{"level", "high"}});
  ASSERT_TRUE(alerts.ok());
  EXPECT_EQ(alerts->latency_threshold_seconds, 10);
  EXPECT_FALSE(ParseAlertConfig(json{{"level", "extreme"}}).ok());
  EXPECT_FALSE(ParseAlertConfig(json{{"level", "none"}, {"latency_threshold_seconds", 5}}).ok());

  ProjectParameters p;
  ASSERT_TRUE(ApplyParameters(json{{"concurrency", 3}, {"chunk_rows", 5000}}, p).ok());
  EXPECT_EQ(p.concurrency, 3);
  EXPECT_EQ(p.chunk_rows, 5000);
  EXPECT_FALSE(ApplyParameters(json{{"chunk_rows", 0}}, p).ok());
  EXPECT_EQ(p.chunk_rows, 5000) << "a refused update changes nothing";
}

}  // namespace
}  // namespace godwit

namespace godwit {
namespace {

TEST(ProjectSlotName, IsTheStoredResourceNameOrTheOldFormForOlderProjects) {
  Project p;
  p.id = 3;
  EXPECT_EQ(ProjectSlotName(p), "godwit_3");
  EXPECT_EQ(ProjectToJson(p)["resource_name"], "godwit_3");
  p.resource_name = "godwit_0a1b2c3d_3";
  EXPECT_EQ(ProjectSlotName(p), "godwit_0a1b2c3d_3");
  EXPECT_EQ(ProjectToJson(p)["resource_name"], "godwit_0a1b2c3d_3");
}

TEST(ProjectSpec, ClientDocumentReadsOnlyWhatTheOperatorAllows) {
  // The daemon, for an API client: no secrets directory, no variables.
  EndpointPolicy remote;
  remote.trust = EndpointPolicy::Trust::kRemote;
  setenv("GODWIT_TEST_PW", "from-env", 1);
  json doc = Minimal();
  doc["source"] = {{"uri", "mysql://app@127.0.0.1:3306/shop"}, {"password_env", "GODWIT_TEST_PW"}};
  auto refused = ParseProjectSpec(doc, remote);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("source"), std::string::npos) << refused.status().ToString();
  EXPECT_NE(refused.status().hint().find("--secrets-env"), std::string::npos);
  doc["source"] = {{"uri", "mysql://app@127.0.0.1:3306/shop"}, {"password_file", "/etc/hostname"}};
  EXPECT_FALSE(ParseProjectSpec(doc, remote).ok());
  // With the password in the request the reference is a name only.
  doc["source"]["password"] = "sent";
  auto spec = ParseProjectSpec(doc, remote);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->source.endpoint.password, "sent");
  EXPECT_EQ(SpecToJson(*spec)["source"]["password_file"], "/etc/hostname");
  // Allowed by the operator: read.
  remote.secrets_env = {"GODWIT_TEST_PW"};
  doc["source"] = {{"uri", "mysql://app@127.0.0.1:3306/shop"}, {"password_env", "GODWIT_TEST_PW"}};
  spec = ParseProjectSpec(doc, remote);
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->source.endpoint.password, "from-env");
  // SQLite needs --sqlite-dir.
  doc["destination"] = "sqlite:///tmp/godwit-project-test.db";
  EXPECT_FALSE(ParseProjectSpec(doc, remote).ok());
}

TEST(ProjectSpec, QueryPasswordIsNeitherStoredNorShown) {
  json doc = Minimal();
  doc["destination"] = "postgresql://postgres@127.0.0.1:5432/shop?password=qs3cret&sslpassword=k3y&sslmode=require";
  auto spec = ParseProjectSpec(doc, EndpointPolicy::Local());
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->destination.endpoint.password, "qs3cret");
  std::string text = SpecToJson(*spec).dump();
  EXPECT_EQ(text.find("qs3cret"), std::string::npos) << text;
  EXPECT_EQ(text.find("k3y"), std::string::npos) << text;
  EXPECT_NE(text.find("sslmode=require"), std::string::npos) << text;
}

}  // namespace
}  // namespace godwit
