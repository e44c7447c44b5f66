#include "store/change_log.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

namespace godwit::store {
namespace {

namespace fs = std::filesystem;

std::string FreshDir(const std::string& name) {
  fs::path p = fs::path(::testing::TempDir()) / ("godwit_store_" + name);
  fs::remove_all(p);
  return p.string();
}

ChangeEvent Row(uint64_t i) {
  ChangeEvent e;
  e.kind = ChangeKind::kInsert;
  e.table = {"public", "orders"};
  e.columns = {"id", "note", "amount"};
  e.after = {FieldValue::Of(std::to_string(i)), FieldValue::Of("note " + std::to_string(i * 7919)),
             i % 5 == 0 ? FieldValue::Null() : FieldValue::Of(std::to_string(i * 3) + ".50")};
  e.position = MysqlBinlogPos{"binlog.000001", 1000 + i, ""};
  e.commit_time_us = static_cast<int64_t>(i);
  return e;
}

std::vector<ChangeEvent> Rows(uint64_t first, uint64_t n) {
  std::vector<ChangeEvent> v;
  for (uint64_t i = first; i < first + n; ++i) v.push_back(Row(i));
  return v;
}

std::vector<LogEntry> ReadAll(ChangeLogReader& reader) {
  std::vector<LogEntry> out;
  for (;;) {
    auto next = reader.Next();
    EXPECT_TRUE(next.ok()) << next.status().ToString();
    if (!next.ok() || !next->has_value()) return out;
    out.push_back(std::move(**next));
  }
}

std::vector<LogEntry> ReadFrom(const ChangeLog& log, uint64_t from) {
  auto reader = log.OpenReader(from);
  EXPECT_TRUE(reader.ok()) << reader.status().ToString();
  if (!reader.ok()) return {};
  return ReadAll(**reader);
}

std::unique_ptr<ChangeLog> MustOpen(const std::string& dir, ChangeLogOptions options = {}) {
  auto log = ChangeLog::Open(dir, options);
  EXPECT_TRUE(log.ok()) << log.status().ToString();
  return log.ok() ? std::move(log).value() : nullptr;
}

std::vector<std::string> Segments(const std::string& dir) {
  std::vector<std::string> v;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.path().extension() == ".seg") v.push_back(e.path().string());
  }
  std::sort(v.begin(), v.end());
  return v;
}

void FlipByte(const std::string& path, uint64_t offset) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(offset));
  char c;
  f.get(c);
  f.seekp(static_cast<std::streamoff>(offset));
  f.put(static_cast<char>(c ^ 0x5a));
}

TEST(ChangeLogTest, EveryKindAndFieldRoundTripsThroughTheLog) {
  std::string dir = FreshDir("kinds");
  std::vector<ChangeEvent> in;
  ChangeEvent begin;
  begin.kind = ChangeKind::kBegin;
  begin.transaction_id = "0-1-9";
  begin.position = PgLsnPos{"0/1", "slot"};
  in.push_back(begin);
  ChangeEvent upd;
  upd.kind = ChangeKind::kUpdate;
  upd.table = {"s", "t"};
  upd.columns = {"id", "bin", "empty", "null", "toast"};
  upd.before = {FieldValue::Of("1"), FieldValue::Null(), FieldValue::Null(), FieldValue::Null(), FieldValue::Null()};
  upd.before_is_key_only = true;
  upd.after = {FieldValue::Of("1"), FieldValue::Of(std::string("\0\x01\xfe\xff", 4)), FieldValue::Of(""),
               FieldValue::Null(), FieldValue::Unchanged()};
  upd.position = PgLsnPos{"0/2", "slot"};
  in.push_back(upd);
  ChangeEvent del = upd;
  del.kind = ChangeKind::kDelete;
  del.after.clear();
  del.before_is_key_only = false;
  in.push_back(del);
  ChangeEvent trunc;
  trunc.kind = ChangeKind::kTruncate;
  trunc.table = {"s", "t"};
  in.push_back(trunc);
  ChangeEvent ddl;
  ddl.kind = ChangeKind::kDdl;
  ddl.ddl = "CREATE INDEX i ON t (c)";
  ddl.ddl_schema = "s";
  in.push_back(ddl);
  ChangeEvent commit;
  commit.kind = ChangeKind::kCommit;
  commit.commit_time_us = 1'700'000'000'000'001;
  commit.position = PgLsnPos{"0/3", "slot"};
  in.push_back(commit);
  {
    auto log = MustOpen(dir);
    auto r = log->Append(in);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->first_seq, 1u);
    EXPECT_EQ(r->last_seq, in.size());
    EXPECT_EQ(r->last_position, commit.position);
    EXPECT_EQ(log->durable_seq(), in.size());
  }
  auto log = MustOpen(dir);
  EXPECT_FALSE(log->recovery().tail_cut);
  std::vector<LogEntry> out = ReadFrom(*log, 1);
  ASSERT_EQ(out.size(), in.size());
  for (size_t i = 0; i < in.size(); ++i) {
    EXPECT_EQ(out[i].seq, i + 1);
    EXPECT_EQ(out[i].event, in[i]) << "event " << i;
  }
}

TEST(ChangeLogTest, ManyAppendsRollOverSegments) {
  std::string dir = FreshDir("rollover");
  ChangeLogOptions options;
  options.segment_bytes = 8 * 1024;
  options.record_bytes = 1024;
  auto log = MustOpen(dir, options);
  uint64_t next = 1;
  for (int batch = 0; batch < 100; ++batch) {
    uint64_t n = 1 + batch % 37;
    auto r = log->Append(Rows(next, n));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->first_seq, next);
    next += n;
    EXPECT_EQ(r->last_seq, next - 1);
    EXPECT_EQ(r->last_position, Row(next - 1).position);
  }
  EXPECT_GT(Segments(dir).size(), 5u);
  std::vector<LogEntry> all = ReadFrom(*log, 1);
  ASSERT_EQ(all.size(), next - 1);
  for (uint64_t i = 0; i < all.size(); ++i) {
    ASSERT_EQ(all[i].seq, i + 1);
    ASSERT_EQ(all[i].event, Row(i + 1));
  }
  // From the middle of a record in the middle of a segment.
  for (uint64_t from : {uint64_t{2}, uint64_t{777}, next - 1, next}) {
    std::vector<LogEntry> tail = ReadFrom(*log, from);
    ASSERT_EQ(tail.size(), next - from) << from;
    if (!tail.empty()) {
      EXPECT_EQ(tail.front().seq, from);
    }
  }
  EXPECT_EQ(log->OpenReader(next + 1).status().code(), ErrorCode::kInvalidArgument);

  // Reopen: every earlier segment passes the full check too.
  log.reset();
  options.verify_all_on_open = true;
  log = MustOpen(dir, options);
  EXPECT_EQ(log->durable_seq(), next - 1);
  EXPECT_EQ(ReadFrom(*log, 1).size(), next - 1);
}

TEST(ChangeLogTest, ReopenContinuesSequenceNumbers) {
  std::string dir = FreshDir("reopen");
  {
    auto log = MustOpen(dir);
    ASSERT_TRUE(log->Append(Rows(1, 10)).ok());
    EXPECT_EQ(ChangeLog::Open(dir).status().code(), ErrorCode::kConflict) << "a second writer is refused";
  }
  {
    auto log = MustOpen(dir);
    EXPECT_FALSE(log->recovery().tail_cut);
    EXPECT_EQ(log->recovery().last_seq, 10u);
    EXPECT_EQ(log->recovery().last_position, Row(10).position);
    EXPECT_EQ(log->last_position(), Row(10).position);
    auto r = log->Append(Rows(11, 5));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->first_seq, 11u);
    EXPECT_EQ(r->last_seq, 15u);
  }
  auto log = MustOpen(dir);
  std::vector<LogEntry> all = ReadFrom(*log, 1);
  ASSERT_EQ(all.size(), 15u);
  for (uint64_t i = 0; i < 15; ++i) EXPECT_EQ(all[i].event, Row(i + 1));
  // An empty append reports the end without writing.
  auto r = log->Append({});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->last_seq, 15u);
  EXPECT_EQ(r->bytes_written, 0u);
}

// Builds a one-segment log of three records of ten events; returns the
// file and the offsets where each record ends.
std::pair<std::string, std::vector<uint64_t>> ThreeRecords(const std::string& dir) {
  auto log = MustOpen(dir);
  std::vector<uint64_t> ends;
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(log->Append(Rows(1 + 10 * i, 10)).ok());
    ends.push_back(fs::file_size(Segments(dir).back()));
  }
  return {Segments(dir).back(), ends};
}

TEST(ChangeLogTest, TruncatedTailIsCutAndReported) {
  std::string dir = FreshDir("truncated");
  auto [path, ends] = ThreeRecords(dir);
  uint64_t good = ends[1];
  uint64_t full = ends[2];
  for (uint64_t cut : {good + 1, good + 10, good + kRecordHeaderSize, good + kRecordHeaderSize + 1, full - 1}) {
    SCOPED_TRACE("cut at " + std::to_string(cut));
    fs::remove_all(dir);
    ThreeRecords(dir);
    fs::resize_file(path, cut);
    auto log = MustOpen(dir);
    const RecoveryReport& rep = log->recovery();
    EXPECT_TRUE(rep.tail_cut);
    EXPECT_EQ(rep.bytes_dropped, cut - good);
    EXPECT_EQ(rep.last_seq, 20u);
    EXPECT_EQ(rep.last_position, Row(20).position);
    EXPECT_EQ(rep.segment, path);
    EXPECT_FALSE(rep.reason.empty());
    EXPECT_EQ(fs::file_size(path), good);
    // Capture re-reads from the source and continues the numbering.
    auto r = log->Append(Rows(21, 10));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r->first_seq, 21u);
    EXPECT_EQ(ReadFrom(*log, 1).size(), 30u);
  }
  // Cut at a record boundary: nothing to report.
  fs::remove_all(dir);
  ThreeRecords(dir);
  fs::resize_file(path, good);
  auto log = MustOpen(dir);
  EXPECT_FALSE(log->recovery().tail_cut);
  EXPECT_EQ(log->recovery().last_seq, 20u);
}

TEST(ChangeLogTest, TruncationIntoTheFirstRecordLeavesTheSegmentStart) {
  std::string dir = FreshDir("truncated_first");
  auto [path, ends] = ThreeRecords(dir);
  fs::resize_file(path, ends[0] - 3);
  auto log = MustOpen(dir);
  EXPECT_TRUE(log->recovery().tail_cut);
  EXPECT_EQ(log->recovery().last_seq, 0u);
  EXPECT_EQ(log->recovery().last_position, Position{NoPosition{}});
  EXPECT_EQ(log->Append(Rows(1, 1))->first_seq, 1u);

  // A segment header cut short (a crash while creating the first segment).
  log.reset();
  fs::resize_file(path, 5);
  log = MustOpen(dir);
  EXPECT_TRUE(log->recovery().tail_cut);
  EXPECT_EQ(log->recovery().last_seq, 0u);
  EXPECT_EQ(log->Append(Rows(1, 2))->last_seq, 2u);
}

TEST(ChangeLogTest, FlippedByteInTailIsCut) {
  std::string dir = FreshDir("flipped");
  auto [path, ends] = ThreeRecords(dir);
  uint64_t good = ends[1];
  // Length, raw length, sequence, count, codec, checksum and body bytes.
  for (uint64_t at :
       {good, good + 5, good + 9, good + 17, good + 20, good + 22, good + kRecordHeaderSize + 3, ends[2] - 1}) {
    SCOPED_TRACE("flip at " + std::to_string(at));
    fs::remove_all(dir);
    ThreeRecords(dir);
    FlipByte(path, at);
    auto log = MustOpen(dir);
    EXPECT_TRUE(log->recovery().tail_cut);
    EXPECT_EQ(log->recovery().last_seq, 20u);
    EXPECT_EQ(log->recovery().last_position, Row(20).position);
    EXPECT_EQ(log->recovery().bytes_dropped, ends[2] - good);
    EXPECT_EQ(ReadFrom(*log, 1).size(), 20u);
  }
}

TEST(ChangeLogTest, CorruptionInAnEarlierSegmentIsAnError) {
  std::string dir = FreshDir("earlier");
  ChangeLogOptions options;
  options.segment_bytes = 4096;
  options.record_bytes = 512;
  {
    auto log = MustOpen(dir, options);
    for (uint64_t i = 0; i < 40; ++i) ASSERT_TRUE(log->Append(Rows(1 + 10 * i, 10)).ok());
  }
  std::vector<std::string> segs = Segments(dir);
  ASSERT_GE(segs.size(), 3u);
  uint64_t size = fs::file_size(segs[0]);
  FlipByte(segs[0], size - 10);  // inside the last record's body

  // The default open walks frames only; the reader finds the damage.
  {
    auto log = MustOpen(dir, options);
    EXPECT_FALSE(log->recovery().tail_cut);
    auto reader = log->OpenReader(1);
    ASSERT_TRUE(reader.ok());
    Status error;
    for (;;) {
      auto next = (*reader)->Next();
      if (!next.ok()) {
        error = next.status();
        break;
      }
      ASSERT_TRUE(next->has_value()) << "reached the end past a damaged record";
    }
    EXPECT_EQ(error.code(), ErrorCode::kMetadata);
    EXPECT_NE(error.message().find(segs[0]), std::string::npos) << error.message();
    EXPECT_FALSE(error.hint().empty());
    EXPECT_FALSE((*reader)->Next().ok()) << "the error is sticky";
  }
  options.verify_all_on_open = true;
  auto verified = ChangeLog::Open(dir, options);
  ASSERT_FALSE(verified.ok());
  EXPECT_NE(verified.status().message().find("middle"), std::string::npos) << verified.status().message();

  // A cut earlier segment is found by the frame walk alone.
  options.verify_all_on_open = false;
  fs::resize_file(segs[1], fs::file_size(segs[1]) - 7);
  auto cut = ChangeLog::Open(dir, options);
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.status().code(), ErrorCode::kMetadata);
  EXPECT_NE(cut.status().message().find(segs[1]), std::string::npos) << cut.status().message();
}

TEST(ChangeLogTest, BadHeaderOfANewLastSegmentFallsBackToThePreviousOne) {
  std::string dir = FreshDir("bad_header");
  ChangeLogOptions options;
  options.segment_bytes = 2048;
  options.record_bytes = 256;
  uint64_t last = 0;
  {
    auto log = MustOpen(dir, options);
    while (Segments(dir).size() < 3) {
      ASSERT_TRUE(log->Append(Rows(last + 1, 5)).ok());
      last += 5;
    }
  }
  // The last segment holds one record; pretend the crash came while its
  // header was being written.
  std::vector<std::string> segs = Segments(dir);
  fs::resize_file(segs.back(), 10);
  uint64_t expect_last = *ParseSegmentFileName(fs::path(segs.back()).filename().string()) - 1;
  auto log = MustOpen(dir, options);
  EXPECT_TRUE(log->recovery().tail_cut);
  EXPECT_EQ(log->recovery().bytes_dropped, 10u);
  EXPECT_EQ(log->recovery().last_seq, expect_last);
  EXPECT_EQ(log->recovery().last_position, Row(expect_last).position);
  EXPECT_EQ(Segments(dir).size(), 2u);
  EXPECT_EQ(log->Append(Rows(expect_last + 1, 5))->first_seq, expect_last + 1);
  EXPECT_EQ(ReadFrom(*log, 1).size(), expect_last + 5);
}

TEST(ChangeLogTest, ReleaseRemovesOnlyFullyAppliedSegments) {
  std::string dir = FreshDir("release");
  ChangeLogOptions options;
  options.segment_bytes = 2048;
  options.record_bytes = 256;
  auto log = MustOpen(dir, options);
  uint64_t last = 0;
  while (Segments(dir).size() < 5) {
    ASSERT_TRUE(log->Append(Rows(last + 1, 7)).ok());
    last += 7;
  }
  std::vector<uint64_t> firsts;
  for (const auto& s : Segments(dir)) firsts.push_back(*ParseSegmentFileName(fs::path(s).filename().string()));

  // One event short of the first segment's end: nothing goes.
  EXPECT_EQ(*log->Release(firsts[1] - 2), 0u);
  EXPECT_EQ(log->first_seq(), 1u);
  // Exactly its end: it goes, the next stays.
  EXPECT_EQ(*log->Release(firsts[1] - 1), 1u);
  EXPECT_EQ(log->first_seq(), firsts[1]);
  EXPECT_EQ(Segments(dir).size(), 4u);
  EXPECT_EQ(log->OpenReader(firsts[1] - 1).status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(ReadFrom(*log, firsts[1]).size(), last - firsts[1] + 1);
  // Two more, partly into the one after.
  EXPECT_EQ(*log->Release(firsts[3] + 1), 2u);
  EXPECT_EQ(log->first_seq(), firsts[3]);
  // Everything applied: the segment being appended to stays.
  EXPECT_EQ(*log->Release(UINT64_MAX), 1u);
  EXPECT_EQ(Segments(dir).size(), 1u);
  EXPECT_EQ(ReadFrom(*log, last + 1).size(), 0u);

  log.reset();
  log = MustOpen(dir, options);
  EXPECT_EQ(log->recovery().last_seq, last);
  EXPECT_EQ(log->recovery().last_position, Row(last).position);
  EXPECT_EQ(log->Append(Rows(last + 1, 1))->first_seq, last + 1);
}

TEST(ChangeLogTest, EmptySegmentAfterRollKeepsThePosition) {
  std::string dir = FreshDir("empty_after_roll");
  ChangeLogOptions options;
  options.segment_bytes = 1024;
  options.record_bytes = 256;
  uint64_t last = 0;
  {
    auto log = MustOpen(dir, options);
    while (Segments(dir).size() < 3) {
      ASSERT_TRUE(log->Append(Rows(last + 1, 5)).ok());
      last += 5;
    }
    ASSERT_EQ(*log->Release(UINT64_MAX), 2u);
  }
  // The only segment left loses its records (a crash right after the roll
  // would leave it just so): its header still knows where capture stood.
  std::string seg = Segments(dir).back();
  uint64_t first = *ParseSegmentFileName(fs::path(seg).filename().string());
  {
    File f = std::move(File::Open(seg, File::Mode::kRead)).value();
    auto hr = ReadSegmentHeader(f);
    ASSERT_TRUE(hr.ok());
    fs::resize_file(seg, hr->size);
  }
  auto log = MustOpen(dir, options);
  EXPECT_FALSE(log->recovery().tail_cut);
  EXPECT_EQ(log->recovery().last_seq, first - 1);
  EXPECT_EQ(log->recovery().last_position, Row(first - 1).position);
}

TEST(ChangeLogTest, ConcurrentReaderSeesEverythingInOrder) {
  std::string dir = FreshDir("concurrent");
  ChangeLogOptions options;
  options.segment_bytes = 16 * 1024;
  options.record_bytes = 2048;
  auto log = MustOpen(dir, options);
  constexpr uint64_t kTotal = 20000;
  auto reader = log->OpenReader(1);
  ASSERT_TRUE(reader.ok());

  std::atomic<bool> reader_failed{false};
  std::thread consumer([&] {
    uint64_t expect = 1;
    while (expect <= kTotal) {
      auto next = (*reader)->Next();
      if (!next.ok()) {
        ADD_FAILURE() << next.status().ToString();
        reader_failed = true;
        return;
      }
      if (!next->has_value()) {
        std::this_thread::yield();
        continue;
      }
      const LogEntry& e = **next;
      if (e.seq != expect || !(e.event == Row(expect))) {
        ADD_FAILURE() << "got seq " << e.seq << " expecting " << expect;
        reader_failed = true;
        return;
      }
      // The Writer applies and releases as it goes.
      if (expect % 1000 == 0) {
        auto released = log->Release(expect);
        if (!released.ok()) ADD_FAILURE() << released.status().ToString();
      }
      ++expect;
    }
  });
  uint64_t next = 1;
  while (next <= kTotal && !reader_failed) {
    uint64_t n = std::min<uint64_t>(1 + next % 50, kTotal - next + 1);
    auto r = log->Append(Rows(next, n));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    next += n;
  }
  consumer.join();
  EXPECT_FALSE(reader_failed);
  EXPECT_LE(Segments(dir).size(), 3u) << "released as applied";
}

ChangeLogOptions CrashOptions() {
  ChangeLogOptions options;
  options.segment_bytes = 4096;
  options.record_bytes = 512;
  return options;
}

// Run by CrashLoop in a child process (GODWIT_STORE_CRASH_DIR set): appends
// until a failpoint kills it, writing after each Append the sequence it
// acknowledged — what capture would have confirmed to the source.
TEST(ChangeLogCrashChild, AppendUntilKilled) {
  const char* dir = std::getenv("GODWIT_STORE_CRASH_DIR");
  if (dir == nullptr) GTEST_SKIP() << "only run by CrashLoop";
  auto log = MustOpen(dir, CrashOptions());
  ASSERT_TRUE(log);
  uint64_t next = log->durable_seq() + 1;
  for (int i = 0; i < 400; ++i) {
    auto r = log->Append(Rows(next, 13));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    next = r->last_seq + 1;
    std::ofstream(std::string(dir) + ".acked", std::ios::trunc) << r->last_seq;
  }
  FAIL() << "was not killed";
}

// SIGKILL at named points inside Append, then recovery: everything ever
// acknowledged is there, in order and intact, and appending continues.
TEST(ChangeLogTest, CrashLoopKeepsEveryAcknowledgedEvent) {
  std::string dir = FreshDir("crash");
  std::string self = fs::read_symlink("/proc/self/exe").string();
  struct Point {
    const char* name;
    int hit;
  };
  for (Point p : {Point{"store_record_written", 3}, Point{"store_append_synced", 9}, Point{"store_segment_created", 2},
                  Point{"store_record_written", 40}, Point{"store_append_synced", 1}}) {
    std::string spec = std::string(p.name) + ":" + std::to_string(p.hit);
    SCOPED_TRACE(spec);
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      setenv("GODWIT_STORE_CRASH_DIR", dir.c_str(), 1);
      setenv("GODWIT_CRASH_AT", spec.c_str(), 1);
      execl(self.c_str(), self.c_str(), "--gtest_filter=ChangeLogCrashChild.*", static_cast<char*>(nullptr));
      _exit(127);
    }
    int wstatus = 0;
    ASSERT_EQ(waitpid(pid, &wstatus, 0), pid);
    ASSERT_TRUE(WIFSIGNALED(wstatus) && WTERMSIG(wstatus) == SIGKILL) << "child status " << wstatus;
    uint64_t acked = 0;
    std::ifstream(dir + ".acked") >> acked;

    auto log = MustOpen(dir, CrashOptions());
    ASSERT_TRUE(log);
    uint64_t last = log->recovery().last_seq;
    EXPECT_GE(last, acked);
    if (last > 0) {
      EXPECT_EQ(log->recovery().last_position, Row(last).position);
    }
    std::vector<LogEntry> all = ReadFrom(*log, log->first_seq());
    ASSERT_EQ(all.size(), last - log->first_seq() + 1);
    for (const LogEntry& e : all) ASSERT_EQ(e.event, Row(e.seq));
  }
  fs::remove(dir + ".acked");
}

}  // namespace
}  // namespace godwit::store
