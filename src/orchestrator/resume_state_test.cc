// Resume reads the typed, versioned state a subtask keeps in the project
// store, never the display JSON the API shows: the tests below rename and
// remove the display fields and the operations and runs still find what
// they continue from.
#include "orchestrator/resume_state.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "meta/project_store.h"
#include "orchestrator/orchestrator.h"

namespace godwit {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

class ResumeStateStore : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("godwit-resume-" + std::to_string(getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    auto store = ProjectStore::Open((dir_ / "godwit.db").string());
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(dir_);
  }

  // A project whose synchronization stopped (Failed) at `resume`, with the
  // display detail replaced by `display`.
  int64_t FailedSyncProject(Orchestrator& o, const SyncResumeState& resume, const json& display) {
    auto spec = ParseProjectSpec(json{{"source", "mysql://app:pw@127.0.0.1:3306/shop"},
                                      {"destination", "postgresql://postgres:pw@127.0.0.1:5432/shop"},
                                      {"migration_type", {"schema", "full", "incremental"}}},
                                 EndpointPolicy::Local());
    EXPECT_TRUE(spec.ok()) << spec.status().ToString();
    auto p = o.Create(*spec);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    EXPECT_TRUE(*store_->TransitionState(p->id, {"not_started"}, "failed", 1));
    EXPECT_TRUE(store_->SetStage(p->id, "incremental_sync", "failed").ok());
    SubtaskRow row = SyncRow(p->id);
    SetSyncResume(row, resume);
    row.detail_json = display.dump();
    EXPECT_TRUE(store_->SaveSubtask(row).ok());
    return p->id;
  }

  SubtaskRow SyncRow(int64_t id) {
    auto rows = store_->LoadSubtasks(id);
    EXPECT_TRUE(rows.ok());
    for (const auto& r : *rows) {
      if (r.kind == "incremental_sync") return r;
    }
    ADD_FAILURE() << "no incremental_sync subtask";
    return SubtaskRow{};
  }

  fs::path dir_;
  std::unique_ptr<ProjectStore> store_;
};

SyncResumeState Stopped() {
  SyncResumeState s;
  s.failed_ddl = DdlRecord{42, "ALTER TABLE t ADD COLUMN c geometry", "type \"geometry\" does not exist"};
  s.skipped_ddl.push_back(DdlRecord{7, "DROP INDEX i", "no such index", 1000});
  s.tables.push_back({"shop.t", "public.t", 3, 2, 1});
  s.monitoring = true;
  return s;
}

// A Failed project always shows its error: the state and the error are
// one write, never two a reader could fall between (the ThreadSanitizer
// run's timing once showed an API client "failed" with a null error).
TEST_F(ResumeStateStore, StateAndErrorMoveInOneWrite) {
  Orchestrator o(*store_, OrchestratorOptions{dir_.string()});
  const int64_t id = FailedSyncProject(o, Stopped(), json::object());
  auto moved = store_->TransitionState(id, {"failed"}, "running", 2, "");
  ASSERT_TRUE(moved.ok() && *moved);
  moved = store_->TransitionState(id, {"running"}, "failed", 3, R"({"message":"boom"})");
  ASSERT_TRUE(moved.ok() && *moved);
  auto row = store_->Get(id);
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_EQ((*row)->state, "failed");
  EXPECT_EQ((*row)->error_json, R"({"message":"boom"})");
  // Not in `from`: neither the state nor the error changes.
  moved = store_->TransitionState(id, {"running"}, "paused", 4, "");
  ASSERT_TRUE(moved.ok());
  EXPECT_FALSE(*moved);
  row = store_->Get(id);
  EXPECT_EQ((*row)->state, "failed");
  EXPECT_EQ((*row)->error_json, R"({"message":"boom"})");
  // Resuming clears the error with the move.
  auto resumed = o.Apply(Operation::kResume, id);
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  row = store_->Get(id);
  EXPECT_EQ((*row)->state, "running");
  EXPECT_EQ((*row)->error_json, "");
}

TEST_F(ResumeStateStore, SkipDdlReadsTheTypedStateWhateverTheDisplaySays) {
  Orchestrator o(*store_, OrchestratorOptions{dir_.string()});
  // The API's fields renamed: nothing here says which DDL failed.
  const int64_t id = FailedSyncProject(o, Stopped(), json{{"refused_ddl", {{"seq", 1}}}, {"skipped", json::array()}});
  auto skipped = o.Apply(Operation::kSkipDdl, id);
  ASSERT_TRUE(skipped.ok()) << skipped.status().ToString();

  SubtaskRow row = SyncRow(id);
  auto resume = SyncResumeOf(row);
  ASSERT_TRUE(resume.ok()) << resume.status().ToString();
  EXPECT_FALSE(resume->failed_ddl.has_value());
  EXPECT_EQ(resume->SkipDdlSequences(), (std::set<uint64_t>{7, 42}));
  EXPECT_TRUE(resume->monitoring);
  ASSERT_EQ(resume->tables.size(), 1u);
  EXPECT_EQ(resume->tables[0].updates, 2u);
  // The display is produced from the typed state.
  json detail = json::parse(row.detail_json);
  EXPECT_TRUE(detail["failed_ddl"].is_null()) << detail.dump();
  ASSERT_EQ(detail["skipped_ddl"].size(), 2u) << detail.dump();
  EXPECT_EQ(detail["skipped_ddl"][1]["sequence"], 42) << detail.dump();
}

TEST_F(ResumeStateStore, SkipDdlIgnoresAFailedDdlOnlyTheDisplayShows) {
  Orchestrator o(*store_, OrchestratorOptions{dir_.string()});
  SyncResumeState none = Stopped();
  none.failed_ddl.reset();
  const int64_t id = FailedSyncProject(o, none, json{{"failed_ddl", {{"sequence", 9}, {"statement", "DROP TABLE t"}}}});
  auto skipped = o.Apply(Operation::kSkipDdl, id);
  ASSERT_FALSE(skipped.ok());
  EXPECT_EQ(skipped.status().code(), ErrorCode::kInvalidState) << skipped.status().ToString();
  EXPECT_EQ(SyncResumeOf(SyncRow(id))->SkipDdlSequences(), (std::set<uint64_t>{7}));
}

TEST(ResumeState, RoundTripsAndRefusesANewerVersion) {
  SyncResumeState s = Stopped();
  s.captured_position = PgLsnPos{"0/16B3748", "godwit_1"};
  s.captured_source_time_us = 123;
  auto back = DecodeSyncResumeState(EncodeResumeState(s));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->failed_ddl->statement, s.failed_ddl->statement);
  EXPECT_EQ(back->skipped_ddl[0].skipped_at, 1000);
  EXPECT_EQ(back->tables[0].source, "shop.t");
  EXPECT_EQ(PositionToJson(*back->captured_position), PositionToJson(*s.captured_position));
  EXPECT_EQ(back->captured_source_time_us, 123);

  auto verify = DecodeVerifyResumeState(EncodeResumeState(VerifyResumeState{VerifyMode::kInconsistentRecords}));
  ASSERT_TRUE(verify.ok());
  EXPECT_EQ(verify->rerun_mode, VerifyMode::kInconsistentRecords);

  auto newer = DecodeSyncResumeState(json{{"version", kResumeStateVersion + 1}}.dump());
  ASSERT_FALSE(newer.ok());
  EXPECT_EQ(newer.status().code(), ErrorCode::kMetadata);
  EXPECT_FALSE(DecodeVerifyResumeState("{not json").ok());
}

TEST(ResumeState, ARowFromBeforeTheBlobIsReadFromItsDetailOnce) {
  SubtaskRow legacy;
  legacy.kind = "incremental_sync";
  legacy.detail_json = json{{"status", "monitoring"},
                            {"skipped_ddl", {{{"sequence", 5}, {"statement", "DROP INDEX i"}}}},
                            {"tables", {{{"source", "shop.t"}, {"destination", "public.t"}, {"inserts", 4}}}}}
                           .dump();
  auto s = SyncResumeOf(legacy);
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(s->monitoring);
  EXPECT_EQ(s->SkipDdlSequences(), (std::set<uint64_t>{5}));
  EXPECT_EQ(s->tables[0].inserts, 4u);
  // Once saved, the blob is what counts.
  SetSyncResume(legacy, SyncResumeState{});
  EXPECT_TRUE(SyncResumeOf(legacy)->skipped_ddl.empty());
}

TEST(SubtaskStatus, NamesRoundTrip) {
  for (SubtaskStatus s :
       {SubtaskStatus::kPending, SubtaskStatus::kRunning, SubtaskStatus::kMonitoring, SubtaskStatus::kPaused,
        SubtaskStatus::kCompleted, SubtaskStatus::kFailed, SubtaskStatus::kSkipped}) {
    EXPECT_EQ(ParseSubtaskStatus(SubtaskStatusName(s)), s);
  }
  EXPECT_FALSE(ParseSubtaskStatus("exploded").has_value());
  EXPECT_TRUE(SubtaskDone(SubtaskStatus::kSkipped));
  EXPECT_FALSE(SubtaskDone(SubtaskStatus::kMonitoring));
}

}  // namespace
}  // namespace godwit
