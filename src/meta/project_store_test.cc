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
                         "ALTER TABLE project DROP COLUMN resource_name; DROP TABLE instance; PRAGMA user_version = 1;",
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
  EXPECT_EQ((*(*store)->Get(*fresh))->resource_name, "godwit_" + (*store)->instance_id() + "_" + std::to_string(*fresh));
}

}  // namespace
}  // namespace godwit
