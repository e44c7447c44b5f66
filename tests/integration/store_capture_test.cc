// The Store end to end against the real PostgreSQL source: a capture loop
// reading the project's slot into the local change log while a workload
// writes, with the replication connection killed mid-stream and the
// capture process "crashing" (stopped and reopened on the same log) — the
// log must then hold every committed change exactly once, in commit order.
#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "connector/postgres/pg_change_stream.h"
#include "connector/postgres/pg_conn.h"
#include "store/capture.h"
#include "test_env.h"

namespace godwit::testing {
namespace {

constexpr const char* kDb = "store_cap_src";
constexpr const char* kSlot = "godwit_store_cap";
constexpr const char* kPub = "godwit_store_cap";

Endpoint Source() {
  auto ep = ParseEndpointUri(PgSourceUri(kDb));
  EXPECT_TRUE(ep.ok());
  return *ep;
}

void Sql(const std::string& sql) { PgAdmin(Servers().pg_source_port, sql, kDb); }

store::StreamOpener Opener() {
  return [](const Position& from) { return pg::OpenPgChangeStream(Source(), {kSlot, kPub, from}); };
}

// ids inserted, as the log holds them, with each transaction whole.
std::map<std::string, int> InsertedIds(store::ChangeLog& log) {
  std::map<std::string, int> ids;
  auto reader = log.OpenReader(log.first_seq());
  EXPECT_TRUE(reader.ok());
  bool in_txn = false;
  while (true) {
    auto e = (*reader)->Next();
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    if (!e.ok() || !*e) break;
    const ChangeEvent& ev = (*e)->event;
    if (ev.kind == ChangeKind::kBegin) {
      EXPECT_FALSE(in_txn) << "a kBegin inside a transaction at seq " << (*e)->seq;
      in_txn = true;
    } else if (ev.kind == ChangeKind::kCommit) {
      EXPECT_TRUE(in_txn) << "a kCommit outside a transaction at seq " << (*e)->seq;
      in_txn = false;
    } else if (ev.kind == ChangeKind::kInsert) {
      EXPECT_TRUE(in_txn);
      ids[ev.after.at(0).bytes] += 1;
    }
  }
  return ids;
}

TEST(StoreCapture, EveryCommittedChangeOnceThroughConnectionLossAndRestart) {
  // A slot left by an earlier run would keep the database from being dropped.
  PgAdmin(Servers().pg_source_port,
          "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '" +
              std::string(kSlot) + "'");
  RecreatePgDatabase(Servers().pg_source_port, kDb);
  Sql("CREATE TABLE t (id INT PRIMARY KEY, v TEXT)");
  ASSERT_TRUE(pg::EnsureLogicalSlot(Source(), kSlot).ok());
  std::vector<TableRef> tables = {{"public", "t"}};
  ASSERT_TRUE(pg::EnsurePublication(Source(), kPub, tables).ok());

  std::string dir = FreshTempDir("store-cap");
  store::CaptureOptions options;
  options.batch_events = 500;
  options.max_backoff = std::chrono::milliseconds(200);
  int next_id = 0;
  auto write = [&](int transactions, int rows) {
    for (int t = 0; t < transactions; ++t) {
      Sql("INSERT INTO t SELECT g, 'row ' || g FROM generate_series(" + std::to_string(next_id + 1) + ", " +
          std::to_string(next_id + rows) + ") g");
      next_id += rows;
    }
  };

  {
    auto log = store::ChangeLog::Open(dir);
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    store::Capture capture(**log, Opener(), NoPosition{}, options);
    std::atomic<bool> cancel{false};
    Status result;
    std::thread runner([&] { result = capture.Run(cancel); });
    write(20, 10);
    write(1, 20000);  // a large transaction, appended in pieces
    // Kill the walsender mid-stream: capture must reconnect and resume.
    Sql("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = '" + std::string(kSlot) +
        "' AND active_pid IS NOT NULL");
    write(20, 10);
    for (int i = 0; i < 600 && capture.stats().transactions + 0 < 41; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    cancel = true;
    runner.join();
    EXPECT_EQ(result.code(), ErrorCode::kCancelled) << result.ToString();
    EXPECT_GE(capture.stats().reconnects, 1);
  }
  write(10, 10);  // written while capture is down: the slot keeps it
  {
    auto log = store::ChangeLog::Open(dir);
    ASSERT_TRUE(log.ok());
    store::Capture capture(**log, Opener(), NoPosition{}, options);
    std::atomic<bool> cancel{false};
    std::thread runner([&] { capture.Run(cancel).IgnoreError(); });
    for (int i = 0; i < 600 && InsertedIds(**log).size() < static_cast<size_t>(next_id); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    cancel = true;
    runner.join();
    auto ids = InsertedIds(**log);
    EXPECT_EQ(ids.size(), static_cast<size_t>(next_id));
    for (const auto& [id, n] : ids) EXPECT_EQ(n, 1) << "id " << id << " captured " << n << " times";
  }
  Sql("SELECT pg_drop_replication_slot('" + std::string(kSlot) + "')");
}

}  // namespace
}  // namespace godwit::testing
