#include "cli/table_render.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

namespace godwit {
namespace {

using nlohmann::json;

class TableRenderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tz = std::getenv("TZ");
    saved_tz_ = tz ? tz : "";
    had_tz_ = tz != nullptr;
    setenv("TZ", "UTC", 1);
    tzset();
  }
  void TearDown() override {
    if (had_tz_) {
      setenv("TZ", saved_tz_.c_str(), 1);
    } else {
      unsetenv("TZ");
    }
    tzset();
  }
  std::string saved_tz_;
  bool had_tz_ = false;
};

TEST_F(TableRenderTest, ColumnsAlignWithoutTrailingSpaces) {
  std::string out =
      RenderTable({"ID", "NAME", "STATE"}, {{"7", "shop", "Running"}, {"12", "warehouse", "Paused"}}, {true});
  EXPECT_EQ(out,
            "ID  NAME       STATE\n"
            " 7  shop       Running\n"
            "12  warehouse  Paused\n");
}

TEST_F(TableRenderTest, WidthCountsCharactersNotBytes) {
  std::string out = RenderTable({"NAME", "X"}, {{"café", "1"}, {"tea", "2"}});
  EXPECT_EQ(out,
            "NAME  X\n"
            "café  1\n"
            "tea   2\n");
}

TEST_F(TableRenderTest, ShortRowsAndEmptyCells) {
  std::string out = RenderTable({"A", "B"}, {{"x"}});
  EXPECT_EQ(out, "A  B\nx\n");
}

TEST_F(TableRenderTest, TimesDurationsAndProgress) {
  EXPECT_EQ(FormatLocalTime(int64_t{1714572187}), "2024-05-01 14:03:07");
  EXPECT_EQ(FormatLocalTime(json(1714572187)), "2024-05-01 14:03:07");
  EXPECT_EQ(FormatLocalTime(int64_t{0}), "-");
  EXPECT_EQ(FormatLocalTime(json()), "-");

  EXPECT_EQ(FormatDuration(json(45)), "45s");
  EXPECT_EQ(FormatDuration(json(185.4)), "3m05s");
  EXPECT_EQ(FormatDuration(json(7387)), "2h03m07s");
  EXPECT_EQ(FormatDuration(json()), "-");
  EXPECT_EQ(FormatDuration(json(-1)), "-");

  EXPECT_EQ(FormatProgress(json(0.425)), "0%") << "the API gives percentages";
  EXPECT_EQ(FormatProgress(json(100.0)), "100%");
  EXPECT_EQ(FormatProgress(json(140.0)), "100%");
  EXPECT_EQ(FormatProgress(json(42)), "42%");
  EXPECT_EQ(FormatProgress(json(57.5)), "57%");
  EXPECT_EQ(FormatProgress(json()), "-");
}

TEST_F(TableRenderTest, ProjectList) {
  json answer = {{"projects",
                  {{{"id", 7},
                    {"name", "shop"},
                    {"state", "running"},
                    {"state_label", "Running"},
                    {"stage", "full_migration"},
                    {"step", ""},
                    {"migration_type", {"schema", "full"}},
                    {"tags", {"q4", "shop"}},
                    {"updated_at", 1714572187}},
                   {{"id", 12},
                    {"name", "warehouse"},
                    {"state", "not_started"},
                    {"state_label", "Not Started"},
                    {"stage", ""},
                    {"migration_type", {"full"}},
                    {"tags", json::array()},
                    {"updated_at", 1714572000}}}},
                 {"total", 52},
                 {"page", 1},
                 {"page_size", 50}};
  EXPECT_EQ(RenderProjectList(answer),
            "ID  NAME       STATE        STAGE           TYPE         TAGS     UPDATED\n"
            " 7  shop       Running      full_migration  schema,full  q4,shop  2024-05-01 14:03:07\n"
            "12  warehouse  Not Started  -               full         -        2024-05-01 14:00:00\n"
            "2 of 52 project(s), page 1 of 2\n");
  EXPECT_EQ(RenderProjectList(json{{"projects", json::array()}, {"total", 0}, {"page", 1}, {"page_size", 50}}),
            "No projects.\n0 of 0 project(s), page 1 of 1\n");
}

TEST_F(TableRenderTest, Subtasks) {
  json subtasks = json::array({
      {{"kind", "precheck"},
       {"status", "completed"},
       {"progress", 100.0},
       {"started_at", 1714572000},
       {"ended_at", 1714572003},
       {"duration_seconds", 3}},
      {{"kind", "full_migration"},
       {"status", "running"},
       {"progress", 50.0},
       {"started_at", 1714572010},
       {"ended_at", nullptr},
       {"duration_seconds", 125}},
      {{"kind", "schema_migration"}, {"status", "pending"}, {"progress", 0}},
  });
  EXPECT_EQ(RenderSubtasks(subtasks),
            "KIND              STATUS     PROGRESS  START                END                  DURATION\n"
            "precheck          completed      100%  2024-05-01 14:00:00  2024-05-01 14:00:03        3s\n"
            "full_migration    running         50%  2024-05-01 14:00:10  -                       2m05s\n"
            "schema_migration  pending          0%  -                    -                           -\n");
  EXPECT_EQ(RenderSubtasks(json{{"subtasks", json::array()}}), "No subtasks.\n");
}

TEST_F(TableRenderTest, SynchronizationLatencyAndCounts) {
  json detail = {
      {"latency", "0.4 seconds (updated 0.2 seconds ago)"},
      {"metrics", {{"transactions", 1520}, {"rows", 8210}, {"rows_per_second", 410.4}}},
      {"retention_alert", "the replication slot godwit_7 retains 800 MB of WAL"},
      {"failed_ddl", nullptr},
      {"tables",
       json::array(
           {{{"source", "shop.orders"}, {"inserts", 10}, {"updates", 2000}, {"deletes", 1}, {"total", 2011}}})}};
  json subtasks = json::array({{{"kind", "incremental_sync"},
                                {"status", "monitoring"},
                                {"progress", 100.0},
                                {"started_at", 1714572010},
                                {"ended_at", 0},
                                {"duration_seconds", 5},
                                {"detail", detail}}});
  const std::string out = RenderSubtasks(subtasks);
  EXPECT_NE(out.find("Synchronization: latency 0.4 seconds (updated 0.2 seconds ago), applied 1,520 transactions, "
                     "8,210 rows (410 rows/s)\n"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("ALERT: the replication slot godwit_7 retains 800 MB of WAL\n"), std::string::npos) << out;
  EXPECT_NE(out.find("shop.orders       10    2,000        1  2,011"), std::string::npos) << out;
}

TEST_F(TableRenderTest, ProjectDetail) {
  json detail = {{"id", 7},
                 {"name", "shop"},
                 {"state", "failed"},
                 {"state_label", "Failed"},
                 {"stage", "full_migration"},
                 {"step", "copying"},
                 {"migration_type", {"schema", "full"}},
                 {"tags", {"q4"}},
                 {"source", {{"uri", "mysql://app@127.0.0.1:3306/shop"}, {"password_env", "SRC_PW"}}},
                 {"destination", {{"uri", "postgresql://postgres@127.0.0.1:5432/shop"}}},
                 {"objects", {{"include", {"shop.*"}}, {"rename", {{"schemas", {{"shop", "public"}}}}}}},
                 {"concurrency", 0},
                 {"verify_concurrency", 2},
                 {"chunk_rows", 100000},
                 {"zero_date", "error"},
                 {"alerts", {{"level", "low"}, {"latency_threshold_seconds", 300}}},
                 {"created_by", "alice"},
                 {"created_at", 1714572000},
                 {"updated_at", 1714572187},
                 {"error",
                  {{"code", "WRITE_FAILED"},
                   {"message", "duplicate key"},
                   {"hint", "Empty the table and resume."},
                   {"subtask", "full_migration"},
                   {"object", "shop.orders"},
                   {"at", 1714572187}}},
                 {"subtasks", json::array({{{"kind", "precheck"}, {"status", "completed"}, {"progress", 100.0}}})},
                 {"progress",
                  {{"tables", json::array({{{"source", "shop.orders"},
                                            {"destination", "public.orders"},
                                            {"status", "copying"},
                                            {"migrated_rows", 1234567},
                                            {"estimated_rows", 2000000}}})},
                   {"metrics", {{"rows_per_second", 5000}}}}}};
  std::string out = RenderProjectDetail(detail);
  EXPECT_NE(out.find("ID           7\n"), std::string::npos) << out;
  EXPECT_NE(out.find("State        Failed\n"), std::string::npos) << out;
  EXPECT_NE(out.find("Stage        full_migration (copying)\n"), std::string::npos) << out;
  EXPECT_NE(out.find("Source       mysql://app@127.0.0.1:3306/shop  (password from $SRC_PW)\n"), std::string::npos)
      << out;
  EXPECT_NE(out.find("Objects      include shop.*; rename schema shop -> public\n"), std::string::npos) << out;
  EXPECT_NE(out.find("concurrency auto, verify concurrency 2, chunk rows 100,000, zero dates error"), std::string::npos)
      << out;
  EXPECT_NE(out.find("Created      2024-05-01 14:00:00 by alice\n"), std::string::npos) << out;
  EXPECT_NE(out.find("\nSubtasks\nKIND"), std::string::npos) << out;
  EXPECT_NE(out.find("shop.orders  public.orders  copying  1,234,567  2,000,000   61%"), std::string::npos) << out;
  EXPECT_NE(out.find("Metrics      rows_per_second 5,000"), std::string::npos) << out;
  EXPECT_NE(out.find("Last error   WRITE_FAILED: duplicate key\n"
                     "  where:     subtask full_migration, object shop.orders, at 2024-05-01 14:03:07\n"
                     "  what to do: Empty the table and resume.\n"),
            std::string::npos)
      << out;
  // A nested {"project": ...} detail reads the same.
  json nested = {{"project", detail}, {"subtasks", detail["subtasks"]}};
  EXPECT_NE(RenderProjectDetail(nested).find("Name         shop\n"), std::string::npos);
}

TEST_F(TableRenderTest, StateLabels) {
  EXPECT_EQ(StateLabelFromName("not_started"), "Not Started");
  EXPECT_EQ(StateLabelFromName("released"), "Released");
  EXPECT_EQ(RenderProjectList(json{{"projects", {{{"id", 1}, {"state", "paused"}}}}}),
            "ID  NAME  STATE   STAGE  TYPE  TAGS  UPDATED\n"
            " 1  -     Paused  -      -     -     -\n");
}

TEST_F(TableRenderTest, BatchPreviewAndResult) {
  json preview = {{"supported", {{{"id", 1}, {"name", "a"}, {"updated_at", 1714572000}}}},
                  {"unsupported",
                   {{{"id", 2}, {"name", "b"}, {"reason", "project 2 is Paused"}},
                    {{"id", 99}, {"name", nullptr}, {"reason", "no such project"}}}}};
  EXPECT_EQ(RenderBatchPreview("pause", preview),
            "1 project(s) support pause:\n"
            "ID  NAME  UPDATED\n"
            " 1  a     2024-05-01 14:00:00\n"
            "2 project(s) do not:\n"
            "ID  NAME  REASON\n"
            " 2  b     project 2 is Paused\n"
            "99  -     no such project\n");
  EXPECT_EQ(RenderBatchResult("pause", json{{"succeeded", 3}, {"failed", json::array()}}),
            "pause: 3 succeeded, 0 failed\n");
  EXPECT_EQ(RenderBatchResult("pause", json{{"succeeded", 1}, {"failed", {{{"id", 4}, {"reason", "gone"}}}}}),
            "pause: 1 succeeded, 1 failed\nID  REASON\n 4  gone\n");
}

}  // namespace
}  // namespace godwit
