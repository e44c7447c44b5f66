#include "meta/verify_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <string>
#include <vector>

namespace godwit {
namespace {

std::string FreshPath(const std::string& name) {
  auto p = std::filesystem::path(::testing::TempDir()) / name;
  std::filesystem::remove(p);
  std::filesystem::remove(p.string() + "-wal");
  std::filesystem::remove(p.string() + "-shm");
  return p.string();
}

std::unique_ptr<VerifyStore> OpenOrDie(const std::string& path) {
  auto store = VerifyStore::Open(path);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(store).value() : nullptr;
}

// Two range units: (-inf, 50) and [50, +inf).
std::vector<VerifyUnitRecord> TwoUnits() {
  VerifyUnitRecord a;
  a.lower_json = "null";
  a.upper_json = "[\"50\"]";
  VerifyUnitRecord b;
  b.lower_json = "[\"50\"]";
  b.upper_json = "null";
  return {a, b};
}

StoredDiff Diff(const std::string& key, DiffKind kind, std::vector<std::string> columns = {}) {
  StoredDiff d;
  d.key_json = key;
  d.kind = kind;
  d.columns = std::move(columns);
  return d;
}

std::vector<std::string> Keys(const std::vector<StoredDiff>& diffs) {
  std::vector<std::string> keys;
  for (const auto& d : diffs) keys.push_back(d.key_json);
  return keys;
}

TEST(VerifyStoreTest, DiffKindNamesRoundTrip) {
  EXPECT_EQ(DiffKindName(DiffKind::kOnlyInSource), "only_in_source");
  EXPECT_EQ(DiffKindName(DiffKind::kOnlyInDestination), "only_in_destination");
  EXPECT_EQ(DiffKindName(DiffKind::kDiffering), "differing");
  for (DiffKind k : {DiffKind::kOnlyInSource, DiffKind::kOnlyInDestination, DiffKind::kDiffering}) {
    EXPECT_EQ(ParseDiffKind(DiffKindName(k)), k);
  }
  EXPECT_EQ(ParseDiffKind("Differing"), std::nullopt);
  EXPECT_EQ(ParseDiffKind(""), std::nullopt);
}

TEST(VerifyStoreTest, EmptyStoreHasNothing) {
  auto store = OpenOrDie(FreshPath("verify_empty.db"));
  ASSERT_TRUE(store);
  auto latest = store->LatestRun();
  ASSERT_TRUE(latest.ok());
  EXPECT_FALSE(latest->has_value());
  auto unfinished = store->UnfinishedRun();
  ASSERT_TRUE(unfinished.ok());
  EXPECT_FALSE(unfinished->has_value());
  auto tables = store->Tables();
  ASSERT_TRUE(tables.ok());
  EXPECT_TRUE(tables->empty());
  auto table = store->Table("a.t");
  ASSERT_TRUE(table.ok());
  EXPECT_FALSE(table->has_value());
  auto units = store->Units("a.t");
  ASSERT_TRUE(units.ok());
  EXPECT_TRUE(units->empty());
  auto count = store->CountDiffs("a.t");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 0);
}

TEST(VerifyStoreTest, DataSurvivesReopen) {
  const std::string path = FreshPath("verify_reopen.db");
  int64_t run = 0;
  {
    auto store = OpenOrDie(path);
    ASSERT_TRUE(store);
    auto r = store->BeginRun("all");
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    run = *r;
    ASSERT_TRUE(store->StartTable(run, "shop.orders", "public.orders", TwoUnits(), "pg 7 16384 16390").ok());
    ASSERT_TRUE(store
                    ->FinishUnit("shop.orders", 0, 50, 49, false,
                                 {Diff("[\"7\"]", DiffKind::kOnlyInSource),
                                  Diff("[\"9\"]", DiffKind::kDiffering, {"status", "note"})})
                    .ok());
  }
  auto store = OpenOrDie(path);  // opening an existing file of this version upgrades nothing
  auto recorded = store->Table("shop.orders");
  ASSERT_TRUE(recorded.ok() && recorded->has_value());
  EXPECT_EQ((*recorded)->destination_identity, "pg 7 16384 16390");
  ASSERT_TRUE(store);
  auto unfinished = store->UnfinishedRun();
  ASSERT_TRUE(unfinished.ok());
  ASSERT_TRUE(unfinished->has_value());
  EXPECT_EQ((*unfinished)->id, run);
  EXPECT_EQ((*unfinished)->mode, "all");
  auto table = store->Table("shop.orders");
  ASSERT_TRUE(table.ok());
  ASSERT_TRUE(table->has_value());
  EXPECT_EQ((*table)->destination, "public.orders");
  EXPECT_EQ((*table)->run_id, run);
  EXPECT_EQ((*table)->status, "running");
  EXPECT_EQ((*table)->detail_json, "{}");
  auto units = store->Units("shop.orders");
  ASSERT_TRUE(units.ok());
  ASSERT_EQ(units->size(), 2u);
  EXPECT_TRUE((*units)[0].done);
  EXPECT_EQ((*units)[0].rows_source, 50);
  EXPECT_EQ((*units)[0].rows_destination, 49);
  EXPECT_FALSE((*units)[1].done);
  auto diffs = store->Diffs("shop.orders");
  ASSERT_TRUE(diffs.ok());
  ASSERT_EQ(diffs->size(), 2u);
  EXPECT_EQ((*diffs)[0].key_json, "[\"7\"]");
  EXPECT_EQ((*diffs)[0].kind, DiffKind::kOnlyInSource);
  EXPECT_TRUE((*diffs)[0].columns.empty());
  EXPECT_EQ((*diffs)[1].key_json, "[\"9\"]");
  EXPECT_EQ((*diffs)[1].kind, DiffKind::kDiffering);
  EXPECT_EQ((*diffs)[1].columns, (std::vector<std::string>{"status", "note"}));

  // The file holds schema version 2 (1 plus each table's destination identity).
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &stmt, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_EQ(sqlite3_column_int(stmt, 0), 2);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

TEST(VerifyStoreTest, Runs) {
  auto store = OpenOrDie(FreshPath("verify_runs.db"));
  ASSERT_TRUE(store);
  auto first = store->BeginRun("all");
  ASSERT_TRUE(first.ok());
  auto latest = store->LatestRun();
  ASSERT_TRUE(latest.ok());
  ASSERT_TRUE(latest->has_value());
  EXPECT_EQ((*latest)->id, *first);
  EXPECT_EQ((*latest)->mode, "all");
  EXPECT_EQ((*latest)->state, "running");
  EXPECT_GT((*latest)->started_at, 1600000000);  // unix seconds, not milliseconds
  EXPECT_LT((*latest)->started_at, 100000000000);
  EXPECT_EQ((*latest)->ended_at, 0);

  ASSERT_TRUE(store->EndRun(*first, "completed").ok());
  latest = store->LatestRun();
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ((*latest)->state, "completed");
  EXPECT_GE((*latest)->ended_at, (*latest)->started_at);
  auto unfinished = store->UnfinishedRun();
  ASSERT_TRUE(unfinished.ok());
  EXPECT_FALSE(unfinished->has_value());

  auto second = store->BeginRun("abnormal");
  ASSERT_TRUE(second.ok());
  EXPECT_GT(*second, *first);
  unfinished = store->UnfinishedRun();
  ASSERT_TRUE(unfinished.ok());
  ASSERT_TRUE(unfinished->has_value());
  EXPECT_EQ((*unfinished)->id, *second);
  EXPECT_EQ((*unfinished)->mode, "abnormal");

  // An older run left running under a newer one is not the one to resume.
  auto third = store->BeginRun("records");
  ASSERT_TRUE(third.ok());
  ASSERT_TRUE(store->EndRun(*third, "cancelled").ok());
  unfinished = store->UnfinishedRun();
  ASSERT_TRUE(unfinished.ok());
  EXPECT_FALSE(unfinished->has_value());
  latest = store->LatestRun();
  ASSERT_TRUE(latest.ok());
  EXPECT_EQ((*latest)->id, *third);
  EXPECT_EQ((*latest)->state, "cancelled");

  Status missing = store->EndRun(*third + 100, "failed");
  EXPECT_EQ(missing.code(), ErrorCode::kInternal);
  EXPECT_NE(missing.message().find("no run"), std::string::npos) << missing.message();
}

TEST(VerifyStoreTest, StartTableReplacesOnlyThatTable) {
  auto store = OpenOrDie(FreshPath("verify_restart.db"));
  ASSERT_TRUE(store);
  auto run1 = store->BeginRun("all");
  ASSERT_TRUE(run1.ok());
  ASSERT_TRUE(store->StartTable(*run1, "a.t", "public.t", TwoUnits()).ok());
  ASSERT_TRUE(store->StartTable(*run1, "a.u", "public.u", TwoUnits()).ok());
  ASSERT_TRUE(store->FinishUnit("a.t", 0, 10, 9, false, {Diff("[\"1\"]", DiffKind::kOnlyInSource)}).ok());
  ASSERT_TRUE(store->FinishUnit("a.u", 1, 5, 6, false, {Diff("[\"2\"]", DiffKind::kOnlyInDestination)}).ok());
  ASSERT_TRUE(store->SaveTableResult("a.t", "inconsistent", "{\"differing\":0}").ok());
  ASSERT_TRUE(store->SaveTableResult("a.u", "inconsistent", "{\"differing\":0}").ok());
  ASSERT_TRUE(store->EndRun(*run1, "completed").ok());

  // Re-verify a.t only, into three hash-bucket units.
  auto run2 = store->BeginRun("abnormal");
  ASSERT_TRUE(run2.ok());
  std::vector<VerifyUnitRecord> buckets(3);
  for (int64_t i = 0; i < 3; ++i) {
    buckets[i].index = 99;   // ignored: indexes follow the order given
    buckets[i].done = true;  // ignored: every unit starts not done
    buckets[i].lower_json = "null";
    buckets[i].upper_json = "null";
    buckets[i].bucket = i;
    buckets[i].buckets = 3;
  }
  ASSERT_TRUE(store->StartTable(*run2, "a.t", "public.t2", buckets).ok());

  auto t = store->Table("a.t");
  ASSERT_TRUE(t.ok());
  ASSERT_TRUE(t->has_value());
  EXPECT_EQ((*t)->run_id, *run2);
  EXPECT_EQ((*t)->destination, "public.t2");
  EXPECT_EQ((*t)->status, "running");
  EXPECT_EQ((*t)->detail_json, "{}");
  auto units = store->Units("a.t");
  ASSERT_TRUE(units.ok());
  ASSERT_EQ(units->size(), 3u);
  for (int64_t i = 0; i < 3; ++i) {
    EXPECT_EQ((*units)[i].index, i);
    EXPECT_EQ((*units)[i].bucket, i);
    EXPECT_EQ((*units)[i].buckets, 3);
    EXPECT_FALSE((*units)[i].done);
    EXPECT_EQ((*units)[i].rows_source, 0);
  }
  auto count = store->CountDiffs("a.t");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 0);

  // a.u keeps its last result, units and differences.
  auto u = store->Table("a.u");
  ASSERT_TRUE(u.ok());
  ASSERT_TRUE(u->has_value());
  EXPECT_EQ((*u)->run_id, *run1);
  EXPECT_EQ((*u)->status, "inconsistent");
  EXPECT_EQ((*u)->detail_json, "{\"differing\":0}");
  auto u_units = store->Units("a.u");
  ASSERT_TRUE(u_units.ok());
  ASSERT_EQ(u_units->size(), 2u);
  EXPECT_FALSE((*u_units)[0].done);
  EXPECT_TRUE((*u_units)[1].done);
  EXPECT_EQ((*u_units)[1].rows_destination, 6);
  auto u_diffs = store->Diffs("a.u");
  ASSERT_TRUE(u_diffs.ok());
  EXPECT_EQ(Keys(*u_diffs), (std::vector<std::string>{"[\"2\"]"}));
}

TEST(VerifyStoreTest, StartTableInUnknownRunWritesNothing) {
  auto store = OpenOrDie(FreshPath("verify_norun.db"));
  ASSERT_TRUE(store);
  Status st = store->StartTable(42, "a.t", "public.t", TwoUnits());
  EXPECT_EQ(st.code(), ErrorCode::kInternal);
  auto units = store->Units("a.t");
  ASSERT_TRUE(units.ok());
  EXPECT_TRUE(units->empty());
  auto t = store->Table("a.t");
  ASSERT_TRUE(t.ok());
  EXPECT_FALSE(t->has_value());
}

TEST(VerifyStoreTest, TableWithNoUnitsGetsAResult) {
  auto store = OpenOrDie(FreshPath("verify_nounits.db"));
  ASSERT_TRUE(store);
  auto run = store->BeginRun("all");
  ASSERT_TRUE(run.ok());
  Status never = store->SaveTableResult("a.gone", "failed", "{}");
  EXPECT_EQ(never.code(), ErrorCode::kInternal);
  EXPECT_NE(never.message().find("a.gone"), std::string::npos) << never.message();

  ASSERT_TRUE(store->StartTable(*run, "a.gone", "public.gone", {}).ok());
  ASSERT_TRUE(store->SaveTableResult("a.gone", "failed", "{\"error\":\"missing on the destination\"}").ok());
  auto t = store->Table("a.gone");
  ASSERT_TRUE(t.ok());
  ASSERT_TRUE(t->has_value());
  EXPECT_EQ((*t)->status, "failed");
  EXPECT_EQ((*t)->detail_json, "{\"error\":\"missing on the destination\"}");
  auto units = store->Units("a.gone");
  ASSERT_TRUE(units.ok());
  EXPECT_TRUE(units->empty());
}

TEST(VerifyStoreTest, FinishUnitRecordsCountsAndDiffsTogether) {
  auto store = OpenOrDie(FreshPath("verify_finish.db"));
  ASSERT_TRUE(store);
  auto run = store->BeginRun("all");
  ASSERT_TRUE(run.ok());
  ASSERT_TRUE(store->StartTable(*run, "a.t", "public.t", TwoUnits()).ok());

  ASSERT_TRUE(store->FinishUnit("a.t", 1, 100, 100, true, {}).ok());
  auto units = store->Units("a.t");
  ASSERT_TRUE(units.ok());
  ASSERT_EQ(units->size(), 2u);
  EXPECT_FALSE((*units)[0].done);
  EXPECT_TRUE((*units)[1].done);
  EXPECT_TRUE((*units)[1].matched);
  EXPECT_EQ((*units)[1].rows_source, 100);
  EXPECT_EQ((*units)[1].lower_json, "[\"50\"]");
  EXPECT_EQ((*units)[1].upper_json, "null");

  // A unit that does not exist: an error, and nothing written — not even
  // its differences.
  Status missing = store->FinishUnit("a.t", 2, 1, 1, false, {Diff("[\"77\"]", DiffKind::kOnlyInSource)});
  EXPECT_EQ(missing.code(), ErrorCode::kInternal);
  EXPECT_NE(missing.message().find("unit 2 of a.t"), std::string::npos) << missing.message();
  missing = store->FinishUnit("a.other", 0, 1, 1, false, {Diff("[\"77\"]", DiffKind::kOnlyInSource)});
  EXPECT_EQ(missing.code(), ErrorCode::kInternal);
  auto count = store->CountDiffs("a.t");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 0);
  count = store->CountDiffs("a.other");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 0);

  // Many differences in one unit (one prepared statement, one transaction).
  std::vector<StoredDiff> many;
  for (int i = 0; i < 20000; ++i) {
    many.push_back(Diff("[\"" + std::to_string(100000 + i) + "\"]", DiffKind::kDiffering, {"c"}));
  }
  ASSERT_TRUE(store->FinishUnit("a.t", 0, 20000, 20000, false, many).ok());
  count = store->CountDiffs("a.t");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 20000);
  units = store->Units("a.t");
  ASSERT_TRUE(units.ok());
  EXPECT_TRUE((*units)[0].done);
  EXPECT_FALSE((*units)[0].matched);
  EXPECT_EQ((*units)[0].rows_destination, 20000);
}

TEST(VerifyStoreTest, FinishUnitFailingMidwayWritesNothing) {
  // The resume contract: a unit is done together with its differences or
  // not at all. A trigger makes the second difference's insert fail.
  const std::string path = FreshPath("verify_atomic.db");
  {
    auto store = OpenOrDie(path);
    ASSERT_TRUE(store);
    auto run = store->BeginRun("all");
    ASSERT_TRUE(run.ok());
    ASSERT_TRUE(store->StartTable(*run, "a.t", "public.t", TwoUnits()).ok());
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "CREATE TRIGGER boom BEFORE INSERT ON verify_diff WHEN NEW.key_json = '[\"boom\"]' "
                         "BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  auto store = OpenOrDie(path);
  ASSERT_TRUE(store);
  Status st = store->FinishUnit("a.t", 0, 2, 2, false,
                                {Diff("[\"1\"]", DiffKind::kOnlyInSource), Diff("[\"boom\"]", DiffKind::kDiffering)});
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), ErrorCode::kMetadata);
  EXPECT_NE(st.message().find("injected failure"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find(path), std::string::npos) << st.message();
  auto units = store->Units("a.t");
  ASSERT_TRUE(units.ok());
  ASSERT_EQ(units->size(), 2u);
  EXPECT_FALSE((*units)[0].done);
  EXPECT_EQ((*units)[0].rows_source, 0);
  auto count = store->CountDiffs("a.t");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 0);
  // The connection is usable afterwards (the transaction was rolled back).
  ASSERT_TRUE(store->FinishUnit("a.t", 0, 2, 2, false, {Diff("[\"1\"]", DiffKind::kOnlyInSource)}).ok());
  count = store->CountDiffs("a.t");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 1);
}

TEST(VerifyStoreTest, FinishUnitOfAnUncommittedUnitIsNotRecordedTwice) {
  // A run interrupted after a unit's transaction: resuming redoes only the
  // units not done, and a unit redone (it was not committed) adds its keys
  // once; finishing the same unit again replaces rather than duplicates.
  const std::string path = FreshPath("verify_resume.db");
  int64_t run = 0;
  {
    auto store = OpenOrDie(path);
    ASSERT_TRUE(store);
    auto r = store->BeginRun("all");
    ASSERT_TRUE(r.ok());
    run = *r;
    ASSERT_TRUE(store->StartTable(run, "a.t", "public.t", TwoUnits()).ok());
    ASSERT_TRUE(store->FinishUnit("a.t", 0, 3, 2, false, {Diff("[\"1\"]", DiffKind::kOnlyInSource)}).ok());
  }
  auto store = OpenOrDie(path);
  ASSERT_TRUE(store);
  auto unfinished = store->UnfinishedRun();
  ASSERT_TRUE(unfinished.ok());
  ASSERT_TRUE(unfinished->has_value());
  EXPECT_EQ((*unfinished)->id, run);
  auto units = store->Units("a.t");
  ASSERT_TRUE(units.ok());
  std::vector<int64_t> pending;
  for (const auto& u : *units) {
    if (!u.done) pending.push_back(u.index);
  }
  EXPECT_EQ(pending, (std::vector<int64_t>{1}));
  ASSERT_TRUE(store->FinishUnit("a.t", 1, 4, 4, false, {Diff("[\"60\"]", DiffKind::kDiffering, {"x"})}).ok());
  ASSERT_TRUE(store->FinishUnit("a.t", 1, 4, 4, false, {Diff("[\"60\"]", DiffKind::kDiffering, {"x"})}).ok());
  auto diffs = store->Diffs("a.t");
  ASSERT_TRUE(diffs.ok());
  EXPECT_EQ(Keys(*diffs), (std::vector<std::string>{"[\"1\"]", "[\"60\"]"}));
}

TEST(VerifyStoreTest, DiffOnTheSameKeyIsReplaced) {
  auto store = OpenOrDie(FreshPath("verify_samekey.db"));
  ASSERT_TRUE(store);
  auto run = store->BeginRun("all");
  ASSERT_TRUE(run.ok());
  ASSERT_TRUE(store->StartTable(*run, "a.t", "public.t", TwoUnits()).ok());
  ASSERT_TRUE(store->FinishUnit("a.t", 0, 1, 1, false, {Diff("[\"5\"]", DiffKind::kDiffering, {"a"})}).ok());
  ASSERT_TRUE(
      store
          ->FinishUnit("a.t", 1, 1, 0, false,
                       {Diff("[\"5\"]", DiffKind::kOnlyInSource), Diff("[\"6\"]", DiffKind::kDiffering, {"b", "c"})})
          .ok());
  auto diffs = store->Diffs("a.t");
  ASSERT_TRUE(diffs.ok());
  ASSERT_EQ(diffs->size(), 2u);
  EXPECT_EQ((*diffs)[0].key_json, "[\"5\"]");
  EXPECT_EQ((*diffs)[0].kind, DiffKind::kOnlyInSource);
  EXPECT_TRUE((*diffs)[0].columns.empty());
  EXPECT_EQ((*diffs)[1].columns, (std::vector<std::string>{"b", "c"}));

  // Within one call the last difference for a key wins.
  ASSERT_TRUE(store
                  ->ReplaceDiffs(
                      "a.t", {Diff("[\"8\"]", DiffKind::kOnlyInSource), Diff("[\"8\"]", DiffKind::kOnlyInDestination)})
                  .ok());
  diffs = store->Diffs("a.t");
  ASSERT_TRUE(diffs.ok());
  ASSERT_EQ(diffs->size(), 1u);
  EXPECT_EQ((*diffs)[0].kind, DiffKind::kOnlyInDestination);
}

TEST(VerifyStoreTest, RemoveReplaceCountAndLimit) {
  auto store = OpenOrDie(FreshPath("verify_diffs.db"));
  ASSERT_TRUE(store);
  auto run = store->BeginRun("all");
  ASSERT_TRUE(run.ok());
  ASSERT_TRUE(store->StartTable(*run, "a.t", "public.t", TwoUnits()).ok());
  ASSERT_TRUE(store->StartTable(*run, "a.u", "public.u", TwoUnits()).ok());
  // Inserted out of order; read back ordered by key_json.
  ASSERT_TRUE(
      store
          ->FinishUnit("a.t", 0, 4, 4, false,
                       {Diff("[\"d\"]", DiffKind::kDiffering, {"x"}), Diff("[\"b\"]", DiffKind::kOnlyInSource),
                        Diff("[\"a\"]", DiffKind::kOnlyInDestination), Diff("[\"c\"]", DiffKind::kDiffering, {"y"})})
          .ok());
  ASSERT_TRUE(store->FinishUnit("a.u", 0, 1, 1, false, {Diff("[\"b\"]", DiffKind::kDiffering, {"z"})}).ok());

  auto all = store->Diffs("a.t");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(Keys(*all), (std::vector<std::string>{"[\"a\"]", "[\"b\"]", "[\"c\"]", "[\"d\"]"}));
  auto two = store->Diffs("a.t", 2);
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(Keys(*two), (std::vector<std::string>{"[\"a\"]", "[\"b\"]"}));
  auto count = store->CountDiffs("a.t");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 4);

  // The same key in another table is another difference.
  ASSERT_TRUE(store->RemoveDiffs("a.t", {"[\"b\"]", "[\"d\"]", "[\"nope\"]"}).ok());
  all = store->Diffs("a.t");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(Keys(*all), (std::vector<std::string>{"[\"a\"]", "[\"c\"]"}));
  auto other = store->Diffs("a.u");
  ASSERT_TRUE(other.ok());
  ASSERT_EQ(other->size(), 1u);
  EXPECT_EQ((*other)[0].key_json, "[\"b\"]");
  EXPECT_EQ((*other)[0].columns, (std::vector<std::string>{"z"}));
  ASSERT_TRUE(store->RemoveDiffs("a.t", {}).ok());
  count = store->CountDiffs("a.t");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 2);

  ASSERT_TRUE(store->ReplaceDiffs("a.t", {Diff("[\"z\"]", DiffKind::kDiffering, {"q"})}).ok());
  all = store->Diffs("a.t");
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].key_json, "[\"z\"]");
  EXPECT_EQ((*all)[0].columns, (std::vector<std::string>{"q"}));
  count = store->CountDiffs("a.u");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 1);

  ASSERT_TRUE(store->ReplaceDiffs("a.t", {}).ok());
  count = store->CountDiffs("a.t");
  ASSERT_TRUE(count.ok());
  EXPECT_EQ(*count, 0);
  // Replacing differences leaves the units as they were.
  auto units = store->Units("a.t");
  ASSERT_TRUE(units.ok());
  ASSERT_EQ(units->size(), 2u);
  EXPECT_TRUE((*units)[0].done);
}

TEST(VerifyStoreTest, TablesOrderedBySource) {
  auto store = OpenOrDie(FreshPath("verify_tables.db"));
  ASSERT_TRUE(store);
  auto run = store->BeginRun("all");
  ASSERT_TRUE(run.ok());
  for (const char* t : {"shop.orders", "crm.users", "shop.items", "a.z"}) {
    ASSERT_TRUE(store->StartTable(*run, t, std::string("public.") + t, {}).ok());
  }
  ASSERT_TRUE(store->SaveTableResult("crm.users", "consistent", "{\"rows\":3}").ok());
  auto tables = store->Tables();
  ASSERT_TRUE(tables.ok());
  std::vector<std::string> sources;
  for (const auto& t : *tables) sources.push_back(t.source);
  EXPECT_EQ(sources, (std::vector<std::string>{"a.z", "crm.users", "shop.items", "shop.orders"}));
  EXPECT_EQ((*tables)[1].status, "consistent");
  EXPECT_EQ((*tables)[1].detail_json, "{\"rows\":3}");
  EXPECT_EQ((*tables)[1].destination, "public.crm.users");
  EXPECT_EQ((*tables)[0].status, "running");
}

TEST(VerifyStoreTest, CorruptDiffIsReported) {
  const std::string path = FreshPath("verify_corrupt.db");
  {
    auto store = OpenOrDie(path);
    ASSERT_TRUE(store);
  }
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(db, "INSERT INTO verify_diff VALUES ('a.t', '[\"1\"]', 'weird', '[]')", nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(db);
  auto store = OpenOrDie(path);
  ASSERT_TRUE(store);
  auto diffs = store->Diffs("a.t");
  ASSERT_FALSE(diffs.ok());
  EXPECT_EQ(diffs.status().code(), ErrorCode::kMetadata);
  EXPECT_NE(diffs.status().message().find(path), std::string::npos) << diffs.status().message();
  EXPECT_NE(diffs.status().message().find("weird"), std::string::npos) << diffs.status().message();
}

TEST(VerifyStoreTest, MissingDirectoryGivesAClearError) {
  const std::string dir = (std::filesystem::path(::testing::TempDir()) / "verify_no_such_dir").string();
  std::filesystem::remove_all(dir);
  const std::string path = dir + "/verify.db";
  auto store = VerifyStore::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), ErrorCode::kMetadata);
  EXPECT_NE(store.status().message().find(path), std::string::npos) << store.status().message();
  EXPECT_NE(store.status().message().find("verification store"), std::string::npos) << store.status().message();
  EXPECT_NE(store.status().hint().find("directory"), std::string::npos) << store.status().hint();
  EXPECT_FALSE(std::filesystem::exists(dir));

  // A path that is a directory (the tests may run as root, for whom a
  // read-only directory is still writable).
  const std::string taken = (std::filesystem::path(::testing::TempDir()) / "verify_is_a_dir").string();
  std::filesystem::create_directories(taken);
  auto on_dir = VerifyStore::Open(taken);
  ASSERT_FALSE(on_dir.ok());
  EXPECT_EQ(on_dir.status().code(), ErrorCode::kMetadata);
  EXPECT_NE(on_dir.status().message().find(taken), std::string::npos) << on_dir.status().message();
}

TEST(VerifyStoreTest, NewerSchemaIsRefused) {
  const std::string path = FreshPath("verify_newer.db");
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "PRAGMA user_version = 7", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
  auto store = VerifyStore::Open(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), ErrorCode::kMetadata);
  EXPECT_NE(store.status().message().find("newer Godwit"), std::string::npos) << store.status().message();
  EXPECT_NE(store.status().message().find(path), std::string::npos) << store.status().message();
}

}  // namespace
}  // namespace godwit
