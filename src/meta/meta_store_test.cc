#include "meta/meta_store.h"
#include "meta/project_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

namespace godwit {
namespace {

std::string FreshPath(const std::string& name) {
  auto p = std::filesystem::path(::testing::TempDir()) / name;
  std::filesystem::remove(p);
  std::filesystem::remove(p.string() + "-wal");
  std::filesystem::remove(p.string() + "-shm");
  return p.string();
}

TEST(MetaStoreTest, ChunkCheckpointsSurviveReopen) {
  std::string path = FreshPath("meta1.db");
  {
    auto store = MetaStore::Open(path);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    ASSERT_TRUE((*store)->SaveMigration({"mysql://u@h:1/a", "postgresql://u@h:2/b", "", "running", 1, 1}).ok());
    ASSERT_TRUE((*store)->SaveTable({"a.t", "public.t", TablePhase::kPlanned, "running", 100, 0, ""}).ok());
    std::vector<ChunkRecord> plan = {{0, "null", "[50]", ChunkState::kPending, 0, 0},
                                     {1, "[50]", "null", ChunkState::kPending, 0, 0}};
    ASSERT_TRUE((*store)->SaveChunkPlan("a.t", plan).ok());
    ASSERT_TRUE((*store)->MarkChunkStarted("a.t", 0).ok());
    ASSERT_TRUE((*store)->MarkChunkDone("a.t", 0, 50, 1000).ok());
    ASSERT_TRUE((*store)->MarkChunkStarted("a.t", 1).ok());
  }
  auto store = MetaStore::Open(path);
  ASSERT_TRUE(store.ok());
  auto chunks = (*store)->LoadChunks("a.t");
  ASSERT_TRUE(chunks.ok());
  ASSERT_EQ(chunks->size(), 2u);
  EXPECT_EQ((*chunks)[0].state, ChunkState::kDone);
  EXPECT_EQ((*chunks)[0].rows, 50);
  EXPECT_EQ((*chunks)[1].state, ChunkState::kStarted);
  EXPECT_EQ((*chunks)[1].upper_json, "null");
  auto tables = (*store)->LoadTables();
  ASSERT_TRUE(tables.ok());
  ASSERT_EQ(tables->size(), 1u);
  EXPECT_EQ((*tables)[0].migrated_rows, 50);
  auto m = (*store)->LoadMigration();
  ASSERT_TRUE(m.ok());
  ASSERT_TRUE(m->has_value());
  EXPECT_EQ((*m)->destination, "postgresql://u@h:2/b");
}

TEST(MetaStoreTest, DoneTwiceCountsOnce) {
  auto store = MetaStore::Open(FreshPath("meta2.db"));
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->SaveTable({"t", "t", TablePhase::kPlanned, "running", 10, 0, ""}).ok());
  ASSERT_TRUE((*store)->SaveChunkPlan("t", {{0, "null", "null", ChunkState::kPending, 0, 0}}).ok());
  ASSERT_TRUE((*store)->MarkChunkDone("t", 0, 10, 10).ok());
  ASSERT_TRUE((*store)->MarkChunkDone("t", 0, 10, 10).ok());
  auto tables = (*store)->LoadTables();
  ASSERT_TRUE(tables.ok());
  EXPECT_EQ((*tables)[0].migrated_rows, 10);
}

TEST(MetaStoreTest, AttemptsCountEveryStartButNotAfterDone) {
  auto store = MetaStore::Open(FreshPath("meta4.db"));
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->SaveTable({"t", "t", TablePhase::kPlanned, "running", 10, 0, ""}).ok());
  ASSERT_TRUE((*store)->SaveChunkPlan("t", {{0, "null", "null", ChunkState::kPending, 0, 0}}).ok());
  ASSERT_TRUE((*store)->MarkChunkStarted("t", 0).ok());
  ASSERT_TRUE((*store)->MarkChunkStarted("t", 0).ok());  // a retry after a crash
  ASSERT_TRUE((*store)->MarkChunkDone("t", 0, 10, 10).ok());
  ASSERT_TRUE((*store)->MarkChunkStarted("t", 0).ok());  // no effect on a done chunk
  auto chunks = (*store)->LoadChunks("t");
  ASSERT_TRUE(chunks.ok());
  EXPECT_EQ((*chunks)[0].state, ChunkState::kDone);
  EXPECT_EQ((*chunks)[0].attempts, 2);
}

TEST(MetaStoreTest, ResetForgetsEverything) {
  auto store = MetaStore::Open(FreshPath("meta3.db"));
  ASSERT_TRUE(store.ok());
  ASSERT_TRUE((*store)->SaveMigration({"a", "b", "", "running", 1, 1}).ok());
  ASSERT_TRUE((*store)->Reset().ok());
  auto m = (*store)->LoadMigration();
  ASSERT_TRUE(m.ok());
  EXPECT_FALSE(m->has_value());
}

// ---------------------------------------------------------------------------
// ProjectStore (the service's metadata store)

ProjectRow Row() {
  ProjectRow r;
  r.name = "p";
  r.migration_type = "schema,full";
  r.spec_json = "{}";
  r.state = "not_started";
  return r;
}

// Two daemons (two data directories) migrating from one PostgreSQL server
// must not name their projects' replication slots alike: each store has an
// instance id of its own, kept across restarts, in every project's name.
TEST(ProjectStoreTest, ResourceNamesCarryTheInstanceAndSurviveReopen) {
  const std::string path = FreshPath("projects1.db");
  std::string instance, name;
  {
    auto store = ProjectStore::Open(path);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    instance = (*store)->instance_id();
    ASSERT_EQ(instance.size(), 8u);
    EXPECT_EQ(instance.find_first_not_of("0123456789abcdef"), std::string::npos) << instance;
    auto id = (*store)->Create(Row(), {}, {});
    ASSERT_TRUE(id.ok());
    auto row = (*store)->Get(*id);
    ASSERT_TRUE(row.ok() && row->has_value());
    name = (*row)->resource_name;
    EXPECT_EQ(name, "godwit_" + instance + "_" + std::to_string(*id));
  }
  auto reopened = ProjectStore::Open(path);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ((*reopened)->instance_id(), instance);
  auto list = (*reopened)->List(ProjectFilter{});
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->first.size(), 1u);
  EXPECT_EQ(list->first[0].resource_name, name);

  auto other = ProjectStore::Open(FreshPath("projects2.db"));
  ASSERT_TRUE(other.ok());
  EXPECT_NE((*other)->instance_id(), instance);
  auto other_id = (*other)->Create(Row(), {}, {});
  ASSERT_TRUE(other_id.ok());
  EXPECT_NE((*(*other)->Get(*other_id))->resource_name, name) << "the same project id on another daemon";
}

// A store of the first schema version gains the column empty: its projects
// keep the names they already use on the databases (godwit_<id>).
TEST(ProjectStoreTest, ProjectsOfAnOlderStoreKeepTheirEmptyName) {
  const std::string path = FreshPath("projects_v1.db");
  {
    auto store = ProjectStore::Open(path);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->Create(Row(), {}, {}).ok());
  }
  // Back to version 1: the row as an older Godwit wrote it.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "ALTER TABLE project DROP COLUMN resource_name; DROP TABLE instance; "
                         "ALTER TABLE subtask DROP COLUMN resume_state; PRAGMA user_version = 1;",
                         nullptr, nullptr, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);
  auto store = ProjectStore::Open(path);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto row = (*store)->Get(1);
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_EQ((*row)->resource_name, "");
  auto fresh = (*store)->Create(Row(), {}, {});
  ASSERT_TRUE(fresh.ok());
  EXPECT_EQ((*(*store)->Get(*fresh))->resource_name,
            "godwit_" + (*store)->instance_id() + "_" + std::to_string(*fresh));
}

}  // namespace
}  // namespace godwit
