// MySQL/MariaDB change capture against the real MariaDB of the test
// harness (log_bin, binlog_format=ROW, binlog_row_image=FULL): the binlog
// read through OpenBinlogChangeStream, in commit order, with the canonical
// values the full copy reads, transaction boundaries, DDL, restart from a
// kCommit position, rotation, a start or restart from a GTID position, and
// the errors of a purged binlog and of a GTID the binlog does not hold.
#include <gtest/gtest.h>

#include <thread>

#include "connector/engines.h"
#include "connector/mysql/binlog_change_stream.h"
#include "connector/mysql/binlog_decoder.h"
#include "test_env.h"

namespace godwit::testing {
namespace {

constexpr const char* kDb = "mycap_src";
constexpr uint32_t kServerId = 4242;

Endpoint Source() {
  auto ep = ParseEndpointUri(MysqlUri(kDb));
  EXPECT_TRUE(ep.ok());
  return *ep;
}

// The current binlog position, as the full migration records it.
MysqlBinlogPos CurrentPos() {
  auto s = ConnectMysql(Source());
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  auto lease = (*s)->ExportSnapshot({});
  EXPECT_TRUE(lease.ok()) << lease.status().ToString();
  MysqlBinlogPos p = std::get<MysqlBinlogPos>((*lease)->position());
  EXPECT_TRUE((*lease)->Release().ok());
  return p;
}

std::unique_ptr<ChangeStream> Open(const MysqlBinlogPos& start, uint32_t server_id = kServerId) {
  mysql::BinlogStreamOptions o;
  o.server_id = server_id;
  o.start = start;
  o.heartbeat = std::chrono::milliseconds(200);
  auto s = mysql::OpenBinlogChangeStream(Source(), o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(*s) : nullptr;
}

// Reads events until `n` commits arrived (or 30 s pass).
std::vector<ChangeEvent> ReadTransactions(ChangeStream& s, int n) {
  std::vector<ChangeEvent> out;
  int commits = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (commits < n && std::chrono::steady_clock::now() < deadline) {
    auto ev = s.Next(std::chrono::milliseconds(200));
    EXPECT_TRUE(ev.ok()) << ev.status().ToString();
    if (!ev.ok()) break;
    if (!*ev) continue;
    if ((*ev)->kind == ChangeKind::kCommit) ++commits;
    out.push_back(std::move(**ev));
  }
  EXPECT_EQ(commits, n);
  return out;
}

// The rows of `sql` as the full migration's reader returns them.
class Collect : public BatchConsumer {
 public:
  Status Consume(RowBatch& b) override {
    for (size_t r = 0; r < b.rows(); ++r) {
      RowImage img;
      for (const Value& v : b.row(r))
        img.push_back(v.is_null() ? FieldValue::Null() : FieldValue::Of(std::string(v.bytes())));
      rows.push_back(std::move(img));
    }
    return Status::Ok();
  }
  std::vector<RowImage> rows;
};

std::vector<RowImage> FullCopyRows(const std::string& table) {
  auto s = ConnectMysql(Source());
  EXPECT_TRUE(s.ok());
  auto cat = (*s)->ReadCatalog([&](const TableRef& t) { return t.name == table; });
  EXPECT_TRUE(cat.ok() && cat->tables.size() == 1);
  std::vector<ColumnType> types;
  for (const auto& c : cat->tables[0].columns) types.push_back(c.type);
  Collect c;
  EXPECT_TRUE((*s)->Query("SELECT * FROM `" + table + "` ORDER BY 1", types, c, {}).ok());
  return c.rows;
}

const MysqlBinlogPos& Pos(const ChangeEvent& ev) { return std::get<MysqlBinlogPos>(ev.position); }

std::vector<ChangeKind> Kinds(const std::vector<ChangeEvent>& evs) {
  std::vector<ChangeKind> k;
  for (const auto& e : evs) k.push_back(e.kind);
  return k;
}

constexpr const char* kAllTypes = R"(
CREATE TABLE t (
  id int PRIMARY KEY, ti tinyint, tu tinyint unsigned, si smallint, mi mediumint unsigned, i int,
  bu bigint unsigned, b bigint, d decimal(12,4), du decimal(5,2) unsigned, f float, dbl double,
  dt date, tm time(3), dtm datetime(6), ts timestamp(2) NULL DEFAULT NULL, y year,
  c char(5), vc varchar(50), tx text, bl blob, bin binary(4), vb varbinary(8), j json,
  e enum('x','y','z'), st set('a','b','c'), bt bit(10), lat varchar(10) CHARACTER SET latin1
);
CREATE TABLE big (id int PRIMARY KEY, v varchar(20));
)";

constexpr const char* kRow1 = R"(
SET time_zone = '+00:00';
BEGIN;
INSERT INTO t VALUES (1, -128, 255, -300, 16777215, -2147483648, 18446744073709551615, -9007199254740993,
  -12345678.9012, 0.5, 1.5, 0.1, '2024-02-29', '-12:34:56.789', '2024-01-02 03:04:05.123456',
  '2024-05-06 07:08:09.25', 2024, 'ab', 'h\u00e9llo', 'tab\there', x'00FF41', x'0102', x'0000', '{"a": [1, 2]}',
  'y', 'a,c', b'1000000101', 'caf\u00e9');
INSERT INTO t (id) VALUES (2);
COMMIT;
)";

TEST(MysqlCapture, TransactionsValuesDdlAndRestart) {
  RecreateMysqlDatabase(kDb);
  MysqlAdmin(kAllTypes, kDb);
  const MysqlBinlogPos start = CurrentPos();
  auto s = Open(start);
  ASSERT_NE(s, nullptr);

  // T1: every type, and a row of NULLs.
  std::string row1 = kRow1;
  for (auto [from, to] : {std::pair<std::string, std::string>{"\\u00e9", "\xc3\xa9"}}) {
    for (size_t at; (at = row1.find(from)) != std::string::npos;) row1.replace(at, from.size(), to);
  }
  MysqlAdmin(row1, kDb);
  auto t1 = ReadTransactions(*s, 1);
  ASSERT_EQ(Kinds(t1), (std::vector<ChangeKind>{ChangeKind::kBegin, ChangeKind::kInsert, ChangeKind::kInsert,
                                                ChangeKind::kCommit}));
  auto copied = FullCopyRows("t");
  ASSERT_EQ(copied.size(), 2u);
  EXPECT_EQ(t1[1].after, copied[0]);
  EXPECT_EQ(t1[2].after, copied[1]);
  const RowImage expected1 = {FieldValue::Of("1"),
                              FieldValue::Of("-128"),
                              FieldValue::Of("255"),
                              FieldValue::Of("-300"),
                              FieldValue::Of("16777215"),
                              FieldValue::Of("-2147483648"),
                              FieldValue::Of("18446744073709551615"),
                              FieldValue::Of("-9007199254740993"),
                              FieldValue::Of("-12345678.9012"),
                              FieldValue::Of("0.50"),
                              FieldValue::Of("1.5"),
                              FieldValue::Of("0.1"),
                              FieldValue::Of("2024-02-29"),
                              FieldValue::Of("-12:34:56.789"),
                              FieldValue::Of("2024-01-02 03:04:05.123456"),
                              FieldValue::Of("2024-05-06 07:08:09.25"),
                              FieldValue::Of("2024"),
                              FieldValue::Of("ab"),
                              FieldValue::Of("h\xc3\xa9llo"),
                              FieldValue::Of("tab\there"),
                              FieldValue::Of(std::string("\x00\xff\x41", 3)),
                              FieldValue::Of(std::string("\x01\x02\x00\x00", 4)),
                              FieldValue::Of(std::string("\x00\x00", 2)),
                              FieldValue::Of("{\"a\": [1, 2]}"),
                              FieldValue::Of("y"),
                              FieldValue::Of("a,c"),
                              FieldValue::Of("1000000101"),
                              FieldValue::Of("caf\xc3\xa9")};
  EXPECT_EQ(t1[1].after, expected1);
  EXPECT_EQ(t1[1].table, (TableRef{kDb, "t"}));
  EXPECT_EQ(t1[1].columns.size(), 28u);
  EXPECT_EQ(t1[1].columns[27], "lat");
  for (size_t c = 1; c < expected1.size(); ++c) EXPECT_EQ(t1[2].after[c], FieldValue::Null()) << c;
  // Positions: the transaction's events restart at its start; kCommit after it.
  EXPECT_EQ(Pos(t1[0]).file, start.file);
  EXPECT_EQ(Pos(t1[0]), Pos(t1[1]));
  EXPECT_EQ(Pos(t1[0]), Pos(t1[2]));
  EXPECT_GT(Pos(t1[3]).pos, Pos(t1[0]).pos);
  EXPECT_FALSE(Pos(t1[3]).gtid.empty());
  EXPECT_EQ(t1[3].transaction_id, Pos(t1[3]).gtid);
  EXPECT_GT(t1[3].commit_time_us, 1700000000LL * 1000000);

  // T2: an update and a primary-key update; T3: a delete; T4: a large
  // transaction; a DDL; T5: a row after the DDL (the catalog is re-read).
  MysqlAdmin("BEGIN; UPDATE t SET vc = 'changed', d = 1.5 WHERE id = 1; UPDATE t SET id = 3 WHERE id = 2; COMMIT;",
             kDb);
  MysqlAdmin("DELETE FROM t WHERE id = 1;", kDb);
  MysqlAdmin("INSERT INTO big SELECT seq, CONCAT('v', seq) FROM seq_1_to_3000;", kDb);
  auto rest = ReadTransactions(*s, 3);
  ASSERT_EQ(rest.size(), 3009u);
  {
    // Restarting from T3's kCommit re-delivers only the later transactions.
    const ChangeEvent& t3_commit = rest[6];
    ASSERT_EQ(t3_commit.kind, ChangeKind::kCommit);
    auto again = Open(Pos(t3_commit), kServerId + 1);  // the same id would disconnect `s`
    ASSERT_NE(again, nullptr);
    auto later = ReadTransactions(*again, 1);
    ASSERT_EQ(later.size(), 3002u);
    EXPECT_EQ(later[0].kind, ChangeKind::kBegin);
    // Where T4 begins, as the first stream saw it (at T3's end, or later
    // when other tests' transactions on the shared server came between).
    EXPECT_EQ(Pos(later[0]), Pos(rest[7]));
    ASSERT_EQ(later[1].kind, ChangeKind::kInsert);
    EXPECT_EQ(later[1].after[0], FieldValue::Of("1"));
    EXPECT_EQ(later[1].table.name, "big");
    EXPECT_EQ(later.back(), rest.back());
  }
  // The catalog is read when events are decoded: capture must have read
  // the rows written before an ALTER when it runs (binlog_decoder.h).
  MysqlAdmin("ALTER TABLE big ADD COLUMN extra int DEFAULT 7;", kDb);
  MysqlAdmin("INSERT INTO big VALUES (3001, 'after', 8);", kDb);
  for (auto& e : ReadTransactions(*s, 2)) rest.push_back(std::move(e));
  ASSERT_EQ(rest.size(), 3015u);
  size_t i = 0;
  ASSERT_EQ(rest[i++].kind, ChangeKind::kBegin);
  const ChangeEvent& u1 = rest[i++];
  ASSERT_EQ(u1.kind, ChangeKind::kUpdate);
  EXPECT_EQ(u1.before, expected1);
  EXPECT_EQ(u1.after[18], FieldValue::Of("changed"));
  EXPECT_EQ(u1.after[8], FieldValue::Of("1.5000"));
  EXPECT_EQ(u1.after[0], FieldValue::Of("1"));
  const ChangeEvent& u2 = rest[i++];
  ASSERT_EQ(u2.kind, ChangeKind::kUpdate);
  EXPECT_EQ(u2.before[0], FieldValue::Of("2"));
  EXPECT_EQ(u2.after[0], FieldValue::Of("3"));
  ASSERT_EQ(rest[i++].kind, ChangeKind::kCommit);
  const ChangeEvent t2_commit = rest[i - 1];
  ASSERT_EQ(rest[i++].kind, ChangeKind::kBegin);
  // The next transaction restarts where the last one ended, or later (other
  // tests' transactions on the shared server may come between).
  EXPECT_EQ(Pos(rest[i - 1]).file, Pos(t2_commit).file);
  EXPECT_GE(Pos(rest[i - 1]).pos, Pos(t2_commit).pos);
  ASSERT_EQ(rest[i].kind, ChangeKind::kDelete);
  EXPECT_EQ(rest[i++].before[18], FieldValue::Of("changed"));
  ASSERT_EQ(rest[i++].kind, ChangeKind::kCommit);
  const ChangeEvent t3_commit = rest[i - 1];
  ASSERT_EQ(rest[i++].kind, ChangeKind::kBegin);
  // A resume inside T4 starts where T4 begins: T3's end, or later when
  // other tests' transactions on the shared server came between.
  const ChangeEvent t4_begin = rest[i - 1];
  EXPECT_EQ(Pos(t4_begin).file, Pos(t3_commit).file);
  EXPECT_GE(Pos(t4_begin).pos, Pos(t3_commit).pos);
  for (int n = 1; n <= 3000; ++n, ++i) {
    ASSERT_EQ(rest[i].kind, ChangeKind::kInsert) << n;
    ASSERT_EQ(rest[i].after, (RowImage{FieldValue::Of(std::to_string(n)), FieldValue::Of("v" + std::to_string(n))}));
    ASSERT_EQ(Pos(rest[i]), Pos(t4_begin));
  }
  ASSERT_EQ(rest[i++].kind, ChangeKind::kCommit);
  ASSERT_EQ(rest[i++].kind, ChangeKind::kBegin);
  ASSERT_EQ(rest[i].kind, ChangeKind::kDdl);
  EXPECT_EQ(rest[i].ddl, "ALTER TABLE big ADD COLUMN extra int DEFAULT 7");
  EXPECT_EQ(rest[i++].ddl_schema, kDb);
  ASSERT_EQ(rest[i++].kind, ChangeKind::kCommit);
  ASSERT_EQ(rest[i++].kind, ChangeKind::kBegin);
  ASSERT_EQ(rest[i].kind, ChangeKind::kInsert);
  EXPECT_EQ(rest[i++].after, (RowImage{FieldValue::Of("3001"), FieldValue::Of("after"), FieldValue::Of("8")}));
  ASSERT_EQ(rest[i++].kind, ChangeKind::kCommit);
  EXPECT_EQ(i, rest.size());
  EXPECT_TRUE(s->Confirm(rest.back().position).ok());
  EXPECT_EQ(s->Confirm(PgLsnPos{"0/1", ""}).code(), ErrorCode::kInvalidArgument);
  // Idle: Next times out with nothing.
  auto idle = s->Next(std::chrono::milliseconds(300));
  ASSERT_TRUE(idle.ok());
  EXPECT_FALSE(idle->has_value());
  s.reset();
}

// The row values of a stream's inserts, in order.
std::vector<std::string> InsertedIds(const std::vector<ChangeEvent>& evs) {
  std::vector<std::string> ids;
  for (const auto& e : evs) {
    if (e.kind == ChangeKind::kInsert) ids.push_back(e.after[0].bytes);
  }
  return ids;
}

mysql::BinlogStreamOptions GtidOptions(const MysqlBinlogPos& start, uint32_t server_id, bool prefer_gtid) {
  mysql::BinlogStreamOptions o;
  o.server_id = server_id;
  o.start = start;
  o.prefer_gtid = prefer_gtid;
  o.heartbeat = std::chrono::milliseconds(200);
  return o;
}

// The error of a stream that cannot start: from opening it, or from its
// first Next() (the server answers the dump request with the first read).
Status StartError(const mysql::BinlogStreamOptions& o) {
  auto s = mysql::OpenBinlogChangeStream(Source(), o);
  if (!s.ok()) return s.status();
  auto ev = (*s)->Next(std::chrono::seconds(5));
  return ev.ok() ? Status::Ok() : ev.status();
}

TEST(MysqlCapture, StartFromGtid) {
  RecreateMysqlDatabase(kDb);
  MysqlAdmin("CREATE TABLE g (id int PRIMARY KEY, v varchar(10));", kDb);
  const MysqlBinlogPos before = CurrentPos();
  ASSERT_FALSE(before.gtid.empty()) << "MariaDB records its GTID position with the snapshot";
  MysqlAdmin("INSERT INTO g VALUES (1, 'one');", kDb);
  MysqlAdmin("BEGIN; INSERT INTO g VALUES (2, 'two'); INSERT INTO g VALUES (3, 'three'); COMMIT;", kDb);

  // The GTID alone (no file): exactly the writes after it.
  auto by_gtid = mysql::OpenBinlogChangeStream(Source(), GtidOptions({"", 0, before.gtid}, kServerId + 10, false));
  ASSERT_TRUE(by_gtid.ok()) << by_gtid.status().ToString();
  auto evs = ReadTransactions(**by_gtid, 2);
  ASSERT_EQ(Kinds(evs),
            (std::vector<ChangeKind>{ChangeKind::kBegin, ChangeKind::kInsert, ChangeKind::kCommit, ChangeKind::kBegin,
                                     ChangeKind::kInsert, ChangeKind::kInsert, ChangeKind::kCommit}));
  EXPECT_EQ(InsertedIds(evs), (std::vector<std::string>{"1", "2", "3"}));
  EXPECT_EQ(evs[1].after[1], FieldValue::Of("one"));
  auto idle = (*by_gtid)->Next(std::chrono::milliseconds(300));
  ASSERT_TRUE(idle.ok());
  EXPECT_FALSE(idle->has_value());
  by_gtid->reset();

  // Its positions are the ones a file/position start gives: the binlog
  // offsets (though the server skipped what came before the GTID) and the
  // GTID position, before each transaction and after it.
  auto by_file = Open(before, kServerId + 11);
  ASSERT_NE(by_file, nullptr);
  auto same = ReadTransactions(*by_file, 2);
  ASSERT_EQ(same.size(), evs.size());
  for (size_t i = 0; i < evs.size(); ++i) EXPECT_EQ(Pos(evs[i]), Pos(same[i])) << i;
  by_file.reset();
  // Other tests' transactions on the shared server may come between the
  // recorded position and each of these transactions.
  EXPECT_EQ(Pos(evs[0]).file, before.file);
  EXPECT_GE(Pos(evs[0]).pos, before.pos);
  const ChangeEvent& first_commit = evs[2];
  EXPECT_EQ(Pos(first_commit).gtid, mysql::AdvanceGtidPosition(Pos(evs[0]).gtid, first_commit.transaction_id));
  EXPECT_GE(Pos(evs[3]).pos, Pos(first_commit).pos);
  EXPECT_NE(Pos(evs[6]).gtid, Pos(first_commit).gtid);

  // Resuming by GTID from a stored kCommit position (prefer_gtid: its file
  // is there but not used) re-delivers only the later transaction.
  auto resumed = mysql::OpenBinlogChangeStream(Source(), GtidOptions(Pos(first_commit), kServerId + 12, true));
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  auto later = ReadTransactions(**resumed, 1);
  EXPECT_EQ(InsertedIds(later), (std::vector<std::string>{"2", "3"}));
  ASSERT_FALSE(later.empty());
  EXPECT_EQ(Pos(later[0]), Pos(evs[3]));
  EXPECT_EQ(Pos(later.back()), Pos(evs.back()));
  resumed->reset();

  // A GTID the server never logged: its server id is unknown in the domain,
  // or its sequence number is ahead of the binlog.
  const std::string domain = before.gtid.substr(0, before.gtid.find('-'));
  const MysqlBinlogPos last = Pos(evs.back());
  const size_t server_at = domain.size() + 1;
  const std::string server = last.gtid.substr(server_at, last.gtid.find('-', server_at) - server_at);
  for (const std::string& unknown : {domain + "-4242424-1", domain + "-" + server + "-999999999"}) {
    Status st = StartError(GtidOptions({"", 0, unknown}, kServerId + 13, false));
    EXPECT_EQ(st.code(), ErrorCode::kServerConfig) << unknown << ": " << st.ToString();
    EXPECT_NE(st.message().find(unknown), std::string::npos) << st.message();
    EXPECT_NE(st.message().find("do not hold it"), std::string::npos) << st.message();
    EXPECT_EQ(st.message().find("godwit-pw"), std::string::npos);
    EXPECT_NE(st.hint().find("@@gtid_binlog_pos"), std::string::npos) << st.hint();
  }

  // Refused before connecting: a malformed GTID, a MySQL GTID set, and
  // prefer_gtid without a GTID.
  Status st = StartError(GtidOptions({"", 0, "0-1"}, kServerId + 13, false));
  EXPECT_EQ(st.code(), ErrorCode::kInvalidArgument) << st.ToString();
  EXPECT_NE(st.hint().find("domain-server-sequence"), std::string::npos) << st.hint();
  st = StartError(GtidOptions({"", 0, "3E11FA47-71CA-11E1-9E33-C80AA9429562:1-5"}, kServerId + 13, false));
  EXPECT_EQ(st.code(), ErrorCode::kUnsupported) << st.ToString();
  EXPECT_NE(st.hint().find("file and position"), std::string::npos) << st.hint();
  st = StartError(GtidOptions({before.file, before.pos, ""}, kServerId + 13, true));
  EXPECT_EQ(st.code(), ErrorCode::kInvalidArgument) << st.ToString();
  // A malformed GTID next to a file is not looked at: the file is used.
  auto with_file =
      mysql::OpenBinlogChangeStream(Source(), GtidOptions({before.file, before.pos, "junk"}, kServerId + 14, false));
  ASSERT_TRUE(with_file.ok()) << with_file.status().ToString();
  EXPECT_EQ(InsertedIds(ReadTransactions(**with_file, 2)), (std::vector<std::string>{"1", "2", "3"}));
}

TEST(MysqlCapture, RotationAndPurgedBinlog) {
  RecreateMysqlDatabase(kDb);
  MysqlAdmin("CREATE TABLE r (id int PRIMARY KEY);", kDb);
  const MysqlBinlogPos start = CurrentPos();
  auto s = Open(start);
  ASSERT_NE(s, nullptr);
  MysqlAdmin("INSERT INTO r VALUES (1); FLUSH BINARY LOGS; INSERT INTO r VALUES (2);", kDb);
  auto evs = ReadTransactions(*s, 2);
  ASSERT_EQ(Kinds(evs), (std::vector<ChangeKind>{ChangeKind::kBegin, ChangeKind::kInsert, ChangeKind::kCommit,
                                                 ChangeKind::kBegin, ChangeKind::kInsert, ChangeKind::kCommit}));
  EXPECT_EQ(Pos(evs[2]).file, start.file);
  EXPECT_NE(Pos(evs[5]).file, start.file);
  EXPECT_EQ(Pos(evs[3]).file, Pos(evs[5]).file);
  EXPECT_EQ(evs[4].after[0], FieldValue::Of("2"));
  s.reset();

  // Restarting in the new file from its kCommit position works...
  // MariaDB keeps a binlog until its binlog checkpoint passes (and while a
  // dump thread still reads it): purge until the start file is gone.
  bool gone = false;
  for (int attempt = 0; attempt < 50 && !gone; ++attempt) {
    const MysqlBinlogPos current = CurrentPos();
    MysqlAdmin("FLUSH BINARY LOGS; PURGE BINARY LOGS TO '" + current.file + "';");
    auto session = ConnectMysql(Source());
    ASSERT_TRUE(session.ok());
    Collect logs;
    std::vector<ColumnType> types(2);
    ASSERT_TRUE((*session)->Query("SHOW BINARY LOGS", types, logs, {}).ok());
    gone = logs.rows.empty() || logs.rows[0][0].bytes != start.file;
    if (!gone) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  ASSERT_TRUE(gone) << start.file << " was never purged";
  // ...but the purged start does not: kServerConfig saying what happened.
  mysql::BinlogStreamOptions o;
  o.server_id = kServerId;
  o.start = start;
  auto purged = mysql::OpenBinlogChangeStream(Source(), o);
  Status st;
  if (!purged.ok()) {
    st = purged.status();
  } else {
    auto ev = (*purged)->Next(std::chrono::seconds(5));
    ASSERT_FALSE(ev.ok());
    st = ev.status();
  }
  EXPECT_EQ(st.code(), ErrorCode::kServerConfig) << st.ToString();
  EXPECT_NE(st.message().find("purged"), std::string::npos) << st.message();
  EXPECT_EQ(st.message().find("godwit-pw"), std::string::npos);
  EXPECT_FALSE(st.hint().empty());

  // Nor does a start by the GTID position of that point: the binlogs after
  // it are gone.
  ASSERT_FALSE(start.gtid.empty());
  st = StartError(GtidOptions({"", 0, start.gtid}, kServerId, false));
  EXPECT_EQ(st.code(), ErrorCode::kServerConfig) << st.ToString();
  EXPECT_NE(st.message().find(start.gtid), std::string::npos) << st.message();
  EXPECT_NE(st.hint().find("purged"), std::string::npos) << st.hint();

  // A wrong position type or server id is refused up front.
  o.start = NoPosition{};
  EXPECT_EQ(mysql::OpenBinlogChangeStream(Source(), o).status().code(), ErrorCode::kInvalidArgument);
}

// binlog_row_metadata=FULL (the harness's MariaDB runs with it): rows
// written before a run of ALTERs (add, drop, change the type of, and rename
// a column), read only after all of them, decode with the columns they were
// written with, not with the catalog of when they are read.
TEST(MysqlCapture, RowsBeforeAlterDecodeWithTheShapeTheyWereWrittenWith) {
  {
    auto s = ConnectMysql(Source());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    const ColumnType text{TypeKind::kText};
    Collect c;
    ASSERT_TRUE((*s)->Query("SELECT @@global.binlog_row_metadata", std::span(&text, 1), c, {}).ok());
    ASSERT_EQ(c.rows.size(), 1u);
    ASSERT_EQ(c.rows[0][0], FieldValue::Of("FULL")) << "scripts/testdb.sh starts MariaDB with binlog_row_metadata=FULL";
  }
  RecreateMysqlDatabase(kDb);
  // A YEAR before an unsigned column: YEAR takes no SIGNEDNESS bit.
  MysqlAdmin(
      "CREATE TABLE m (id int PRIMARY KEY, a varchar(20) CHARACTER SET latin1, b int unsigned, c tinyint, "
      "d enum('x','\xc3\xa9t\xc3\xa9') CHARACTER SET latin1, y year, u int unsigned, s set('p','q'));",
      kDb);
  // MariaDB's UUID travels as a BINARY(16): the catalog tells it apart.
  MysqlAdmin("CREATE TABLE uu (id int PRIMARY KEY, w uuid);", kDb);
  const MysqlBinlogPos start = CurrentPos();
  MysqlAdmin("INSERT INTO uu VALUES (1, '123e4567-e89b-12d3-a456-426614174000');", kDb);
  MysqlAdmin(
      "INSERT INTO m VALUES (1, 'caf\xc3\xa9', 4000000000, -5, '\xc3\xa9t\xc3\xa9', 2024, 4000000001, 'p,q');"
      "ALTER TABLE m ADD COLUMN e varchar(10) DEFAULT 'new';"
      "INSERT INTO m (id, a, b, c, d, y, u, s) VALUES (2, 'two', 2, 2, 'x', 2002, 2, 'q');"
      "ALTER TABLE m DROP COLUMN c;"
      "INSERT INTO m (id, a, b, d, y, u, s, e) VALUES (3, 'three', 3, 'x', 2003, 3, '', 'e3');"
      "ALTER TABLE m MODIFY b varchar(30);"
      "INSERT INTO m (id, a, b, d, y, u, s, e) VALUES (4, 'four', 'b is text', 'x', 2004, 4, 'p', 'e4');"
      "ALTER TABLE m RENAME COLUMN a TO title;"
      "INSERT INTO m (id, title, b, d, y, u, s, e) VALUES (5, 'five', 'b5', 'x', 2005, 5, 'q', 'e5');",
      kDb);
  // Only now, with the catalog at its last shape, does capture read them.
  auto s = Open(start);
  ASSERT_NE(s, nullptr);
  auto evs = ReadTransactions(*s, 10);
  std::vector<const ChangeEvent*> rows;
  int ddl = 0;
  for (const auto& e : evs) {
    if (e.kind == ChangeKind::kInsert && e.table.name == "uu") {
      EXPECT_EQ(e.after, (RowImage{FieldValue::Of("1"), FieldValue::Of("123e4567-e89b-12d3-a456-426614174000")}));
    } else if (e.kind == ChangeKind::kInsert) {
      rows.push_back(&e);
    }
    if (e.kind == ChangeKind::kDdl) ++ddl;
  }
  EXPECT_EQ(ddl, 4);
  ASSERT_EQ(rows.size(), 5u);
  using Names = std::vector<std::string>;
  auto of = [](std::initializer_list<const char*> v) {
    RowImage img;
    for (const char* x : v) img.push_back(FieldValue::Of(x));
    return img;
  };
  EXPECT_EQ(rows[0]->columns, (Names{"id", "a", "b", "c", "d", "y", "u", "s"}));
  EXPECT_EQ(rows[0]->after,
            of({"1", "caf\xc3\xa9", "4000000000", "-5", "\xc3\xa9t\xc3\xa9", "2024", "4000000001", "p,q"}));
  EXPECT_EQ(rows[1]->columns, (Names{"id", "a", "b", "c", "d", "y", "u", "s", "e"}));
  EXPECT_EQ(rows[1]->after, of({"2", "two", "2", "2", "x", "2002", "2", "q", "new"}));
  EXPECT_EQ(rows[2]->columns, (Names{"id", "a", "b", "d", "y", "u", "s", "e"}));
  EXPECT_EQ(rows[2]->after, of({"3", "three", "3", "x", "2003", "3", "", "e3"}));
  EXPECT_EQ(rows[3]->columns, (Names{"id", "a", "b", "d", "y", "u", "s", "e"}));
  EXPECT_EQ(rows[3]->after, of({"4", "four", "b is text", "x", "2004", "4", "p", "e4"}));
  EXPECT_EQ(rows[4]->columns, (Names{"id", "title", "b", "d", "y", "u", "s", "e"}));
  EXPECT_EQ(rows[4]->after, of({"5", "five", "b5", "x", "2005", "5", "q", "e5"}));
  // The last row decodes as the full copy reads the table now.
  auto copied = FullCopyRows("m");
  ASSERT_EQ(copied.size(), 5u);
  EXPECT_EQ(rows[4]->after, copied[4]);
}

}  // namespace
}  // namespace godwit::testing
