// PostgreSQL change capture against the real source server: a logical slot
// with pgoutput read through OpenPgChangeStream, in commit order, with the
// canonical values the full copy would read, transaction boundaries,
// confirmation that moves the slot, resumption, and the errors of a lost
// connection and a dropped slot.
#include <gtest/gtest.h>

#include <thread>

#include "connector/postgres/pg_change_stream.h"
#include "connector/postgres/pg_conn.h"
#include "connector/postgres/pgoutput_decoder.h"
#include "test_env.h"

namespace godwit::testing {
namespace {

constexpr const char* kDb = "cap_src";
constexpr const char* kSlot = "godwit_cap_test";
constexpr const char* kPub = "godwit_cap_pub";

Endpoint Source() {
  auto ep = ParseEndpointUri(PgSourceUri(kDb));
  EXPECT_TRUE(ep.ok());
  return *ep;
}

// A plain connection for the workload, so each transaction is exactly what
// the test says.
class Workload {
 public:
  Workload() {
    auto c = pg::OpenConnection(Source(), false);
    EXPECT_TRUE(c.ok()) << c.status().ToString();
    conn_ = std::move(*c);
  }
  void Run(const std::string& sql) {
    auto r = pg::Exec(conn_.get(), sql, ErrorCode::kInternal, "workload");
    ASSERT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
  }
  std::string Value(const std::string& sql) {
    auto r = pg::Exec(conn_.get(), sql, ErrorCode::kInternal, "workload");
    EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
    if (!r.ok() || PQntuples(r->get()) == 0 || PQgetisnull(r->get(), 0, 0)) return "";
    return PQgetvalue(r->get(), 0, 0);
  }

 private:
  pg::ConnPtr conn_;
};

std::unique_ptr<ChangeStream> Open(const Position& start = NoPosition{}) {
  auto s = pg::OpenPgChangeStream(Source(), {kSlot, kPub, start});
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(*s) : nullptr;
}

// Reads events until `n` commits arrived (or 30 s pass).
std::vector<ChangeEvent> ReadTransactions(ChangeStream& s, int n) {
  std::vector<ChangeEvent> out;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  int commits = 0;
  while (commits < n && std::chrono::steady_clock::now() < deadline) {
    auto ev = s.Next(std::chrono::milliseconds(200));
    EXPECT_TRUE(ev.ok()) << ev.status().ToString();
    if (!ev.ok()) break;
    if (!ev->has_value()) continue;
    if ((*ev)->kind == ChangeKind::kCommit) ++commits;
    out.push_back(std::move(**ev));
  }
  EXPECT_EQ(commits, n);
  return out;
}

// The events of each transaction, Begin and Commit included.
std::vector<std::vector<ChangeEvent>> SplitTransactions(const std::vector<ChangeEvent>& events) {
  std::vector<std::vector<ChangeEvent>> txns;
  for (const auto& e : events) {
    if (e.kind == ChangeKind::kBegin) txns.emplace_back();
    EXPECT_FALSE(txns.empty()) << "an event before any Begin";
    if (txns.empty()) continue;
    txns.back().push_back(e);
  }
  for (const auto& t : txns) {
    EXPECT_EQ(t.front().kind, ChangeKind::kBegin);
    EXPECT_EQ(t.back().kind, ChangeKind::kCommit);
    for (const auto& e : t) {
      EXPECT_EQ(e.transaction_id, t.front().transaction_id);
      EXPECT_FALSE(e.transaction_id.empty());
      EXPECT_GT(e.commit_time_us, 1600000000000000);
      if (e.kind != ChangeKind::kCommit) {
        EXPECT_EQ(e.position, t.front().position);
      }
    }
  }
  return txns;
}

std::string Lsn(const ChangeEvent& e) { return std::get<PgLsnPos>(e.position).lsn; }

std::string SlotLsn(Workload& w) {
  return w.Value(std::string("SELECT confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = '") + kSlot + "'");
}

// Polls pg_replication_slots until confirmed_flush_lsn is `want` (the
// walsender applies status updates asynchronously).
void ExpectSlotAt(Workload& w, const std::string& want) {
  std::string got;
  for (int i = 0; i < 50; ++i) {
    got = SlotLsn(w);
    if (got == want) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(got, want);
}

class PgCaptureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    int port = Servers().pg_source_port;
    PgAdmin(port,
            std::string("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '") +
                kSlot + "';");
    RecreatePgDatabase(port, kDb);
    PgAdmin(port,
            "CREATE TYPE mood AS ENUM ('sad', 'happy');"
            "CREATE TABLE t (id int PRIMARY KEY, b bool, i2 smallint, i8 bigint, n numeric(10,2), f4 real, "
            "  f8 double precision, c char(3), vc varchar(20), tx text, by bytea, d date, tm time(3), ts timestamp, "
            "  tz timestamptz, j jsonb, u uuid, bt bit(4), e mood, big text);"
            "CREATE SCHEMA \"Other\";"
            "CREATE TABLE \"Other\".\"Mixed Case\" (k text PRIMARY KEY, v int);"
            "GRANT ALL ON ALL TABLES IN SCHEMA public, \"Other\" TO godwit; GRANT USAGE ON SCHEMA \"Other\" TO godwit;"
            "GRANT CREATE ON DATABASE cap_src TO godwit;",
            kDb);
    const TableRef tables[] = {{"public", "t"}, {"Other", "Mixed Case"}};
    Status st = pg::EnsurePublication(Source(), kPub, tables);
    ASSERT_TRUE(st.ok()) << st.ToString();
    ASSERT_TRUE(pg::EnsurePublication(Source(), kPub, tables).ok());  // idempotent
    st = pg::EnsureLogicalSlot(Source(), kSlot);
    ASSERT_TRUE(st.ok()) << st.ToString();
    ASSERT_TRUE(pg::EnsureLogicalSlot(Source(), kSlot).ok());
  }
  void TearDown() override {
    PgAdmin(Servers().pg_source_port,
            std::string("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '") +
                kSlot + "';");
  }
};

TEST_F(PgCaptureTest, StreamsTransactionsInOrderWithCanonicalValues) {
  Workload w;
  auto s = Open();
  ASSERT_NE(s, nullptr);
  // Nothing yet: Next times out with no event.
  auto none = s->Next(std::chrono::milliseconds(300));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());

  const std::string big = w.Value("SELECT string_agg(md5(g::text), '') FROM generate_series(1, 400) g");
  ASSERT_EQ(big.size(), 12800u);
  // T1: two rows of every type and a row of the mixed-case table.
  w.Run(
      "BEGIN;"
      "INSERT INTO t VALUES (1, true, -7, 9007199254740993, 1.5, 1.5, 0.1, 'ab', 'héllo', E'tab\\there', "
      "  '\\x00ff41', '2024-02-29', '13:14:15.123', '2024-01-02 03:04:05', '2024-01-02 05:04:05.5+02', "
      "  '{\"b\": [1, 2], \"a\": 1}', 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', B'1010', 'happy', "
      "  (SELECT string_agg(md5(g::text), '') FROM generate_series(1, 400) g));"
      "INSERT INTO t (id) VALUES (2);"
      "INSERT INTO \"Other\".\"Mixed Case\" VALUES ('k1', 1);"
      "COMMIT;");
  // T2: update of a non-key column; the TOASTed column is not sent.
  w.Run("UPDATE t SET i2 = 8 WHERE id = 1;");
  // T3: a primary-key update; T4: a delete; T5: a truncate.
  w.Run("UPDATE t SET id = 10, b = false WHERE id = 2;");
  w.Run("DELETE FROM t WHERE id = 10;");
  w.Run("TRUNCATE \"Other\".\"Mixed Case\";");
  // T6: one large transaction.
  w.Run("INSERT INTO t (id, vc) SELECT g, 'row ' || g FROM generate_series(100, 5099) g;");

  auto txns = SplitTransactions(ReadTransactions(*s, 6));
  ASSERT_EQ(txns.size(), 6u);

  // Positions: row events restart before their transaction, Commit after it.
  EXPECT_EQ(txns[1].front().position, txns[0].back().position);
  EXPECT_EQ(std::get<PgLsnPos>(txns[0].back().position).slot, kSlot);
  for (size_t i = 1; i < txns.size(); ++i) {
    EXPECT_GT(*ParseLsn(Lsn(txns[i].back())), *ParseLsn(Lsn(txns[i - 1].back())));
  }

  // T1
  ASSERT_EQ(txns[0].size(), 5u);
  const ChangeEvent& ins = txns[0][1];
  EXPECT_EQ(ins.kind, ChangeKind::kInsert);
  EXPECT_EQ(ins.table, (TableRef{"public", "t"}));
  EXPECT_EQ(ins.columns, (std::vector<std::string>{"id", "b", "i2", "i8", "n",  "f4", "f8", "c",  "vc", "tx",
                                                   "by", "d", "tm", "ts", "tz", "j",  "u",  "bt", "e",  "big"}));
  auto v = [](std::string s) { return FieldValue::Of(std::move(s)); };
  EXPECT_EQ(ins.after, (RowImage{v("1"),
                                 v("1"),
                                 v("-7"),
                                 v("9007199254740993"),
                                 v("1.50"),
                                 v("1.5"),
                                 v("0.1"),
                                 v("ab "),
                                 v("héllo"),
                                 v("tab\there"),
                                 v(std::string("\x00\xff"
                                               "A",
                                               3)),
                                 v("2024-02-29"),
                                 v("13:14:15.123"),
                                 v("2024-01-02 03:04:05"),
                                 v("2024-01-02 03:04:05.5"),
                                 v("{\"a\": 1, \"b\": [1, 2]}"),
                                 v("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
                                 v("1010"),
                                 v("happy"),
                                 v(big)}));
  EXPECT_TRUE(ins.before.empty());
  EXPECT_EQ(txns[0][2].after[0], v("2"));
  EXPECT_EQ(txns[0][2].after[1], FieldValue::Null());
  EXPECT_EQ(txns[0][3].table, (TableRef{"Other", "Mixed Case"}));
  EXPECT_EQ(txns[0][3].after, (RowImage{v("k1"), v("1")}));

  // T2: the key is the new row's; the unchanged TOAST value is not sent.
  ASSERT_EQ(txns[1].size(), 3u);
  const ChangeEvent& up = txns[1][1];
  EXPECT_EQ(up.kind, ChangeKind::kUpdate);
  EXPECT_TRUE(up.before_is_key_only);
  EXPECT_EQ(up.before[0], v("1"));
  EXPECT_EQ(up.before[2], FieldValue::Null());
  EXPECT_EQ(up.after[2], v("8"));
  EXPECT_EQ(up.after[19], FieldValue::Unchanged());

  // T3: primary-key update carries the old key.
  ASSERT_EQ(txns[2].size(), 3u);
  EXPECT_EQ(txns[2][1].kind, ChangeKind::kUpdate);
  EXPECT_EQ(txns[2][1].before[0], v("2"));
  EXPECT_TRUE(txns[2][1].before_is_key_only);
  EXPECT_EQ(txns[2][1].after[0], v("10"));
  EXPECT_EQ(txns[2][1].after[1], v("0"));

  // T4: delete by key.
  ASSERT_EQ(txns[3].size(), 3u);
  EXPECT_EQ(txns[3][1].kind, ChangeKind::kDelete);
  EXPECT_EQ(txns[3][1].before[0], v("10"));
  EXPECT_TRUE(txns[3][1].after.empty());

  // T5: truncate.
  ASSERT_EQ(txns[4].size(), 3u);
  EXPECT_EQ(txns[4][1].kind, ChangeKind::kTruncate);
  EXPECT_EQ(txns[4][1].table, (TableRef{"Other", "Mixed Case"}));

  // T6: 5000 inserts in order.
  ASSERT_EQ(txns[5].size(), 5002u);
  for (int i = 0; i < 5000; ++i) {
    const ChangeEvent& e = txns[5][static_cast<size_t>(i) + 1];
    ASSERT_EQ(e.kind, ChangeKind::kInsert);
    ASSERT_EQ(e.after[0], v(std::to_string(100 + i)));
    ASSERT_EQ(e.after[8], v("row " + std::to_string(100 + i)));
  }

  // Idle again.
  none = s->Next(std::chrono::milliseconds(300));
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());

  // Confirm moves the slot exactly to what was confirmed, never further.
  ASSERT_TRUE(s->Confirm(txns[0].back().position).ok());
  ExpectSlotAt(w, Lsn(txns[0].back()));
  // Keepalives and the periodic status keep it there.
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(s->Next(std::chrono::milliseconds(300)).ok());
  EXPECT_EQ(SlotLsn(w), Lsn(txns[0].back()));
  ASSERT_TRUE(s->Confirm(txns[4].back().position).ok());
  ExpectSlotAt(w, Lsn(txns[4].back()));
  EXPECT_FALSE(s->Confirm(MysqlBinlogPos{"b.1", 4, ""}).ok());
  s.reset();

  // Reopening from the confirmed position re-delivers only later
  // transactions: T6, then a new one.
  s = Open(txns[4].back().position);
  ASSERT_NE(s, nullptr);
  w.Run("INSERT INTO t (id) VALUES (9999);");
  auto again = SplitTransactions(ReadTransactions(*s, 2));
  ASSERT_EQ(again.size(), 2u);
  EXPECT_EQ(again[0].front().transaction_id, txns[5].front().transaction_id);
  EXPECT_EQ(again[0].size(), 5002u);
  EXPECT_EQ(again[0].front().position, txns[4].back().position);
  EXPECT_EQ(again[1][1].after[0], v("9999"));
  s.reset();

  // Without a position the stream starts at the slot's confirmed position too.
  s = Open();
  ASSERT_NE(s, nullptr);
  auto from_slot = ReadTransactions(*s, 1);
  ASSERT_FALSE(from_slot.empty());
  EXPECT_EQ(from_slot.front().transaction_id, txns[5].front().transaction_id);
}

TEST_F(PgCaptureTest, LostConnectionIsRetryable) {
  Workload w;
  auto s = Open();
  ASSERT_NE(s, nullptr);
  ASSERT_TRUE(s->Next(std::chrono::milliseconds(100)).ok());
  PgAdmin(Servers().pg_source_port,
          std::string("SELECT pg_terminate_backend(active_pid) FROM pg_replication_slots WHERE slot_name = '") + kSlot +
              "';");
  Status st;
  for (int i = 0; i < 50 && st.ok(); ++i) {
    auto ev = s->Next(std::chrono::milliseconds(100));
    if (!ev.ok()) st = ev.status();
  }
  EXPECT_EQ(st.code(), ErrorCode::kConnectionLost) << st.ToString();
  EXPECT_TRUE(st.retryable());
  EXPECT_EQ(st.message().find("godwit-pw"), std::string::npos);
  // The same error again, not a crash.
  EXPECT_EQ(s->Next(std::chrono::milliseconds(10)).status().code(), ErrorCode::kConnectionLost);
}

TEST_F(PgCaptureTest, DroppedSlotIsServerConfigError) {
  {
    auto s = Open();
    ASSERT_NE(s, nullptr);
  }
  // The walsender may take a moment to release the slot.
  for (int i = 0; i < 50; ++i) {
    Workload w;
    if (w.Value(std::string("SELECT count(*) FROM pg_replication_slots WHERE active AND slot_name = '") + kSlot +
                "'") == "0") {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  PgAdmin(Servers().pg_source_port, std::string("SELECT pg_drop_replication_slot('") + kSlot + "');");
  auto s = pg::OpenPgChangeStream(Source(), {kSlot, kPub, PgLsnPos{"0/0", kSlot}});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), ErrorCode::kServerConfig) << s.status().ToString();
  EXPECT_NE(s.status().message().find("dropped"), std::string::npos) << s.status().ToString();
  EXPECT_NE(s.status().hint().find("Re-create the project"), std::string::npos);
  EXPECT_EQ(s.status().message().find("godwit-pw"), std::string::npos);
}

}  // namespace
}  // namespace godwit::testing
