#include "meta/meta_store.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace godwit
