#include "store/capture.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <thread>

namespace godwit::store {
namespace {

// A scripted source: transactions with LSN-like positions, where every
// event's restart position is the end of the previous commit and a stream
// opened at position P re-sends every transaction committed after P — the
// contract of pgoutput and of the binlog. It can drop the connection after
// a number of events, as a restarting server would.
struct Script {
  std::vector<ChangeEvent> events;
  int drop_after = -1;  // events delivered by the next stream before it fails
  int opens = 0;
  std::vector<uint64_t> confirmed;
};

uint64_t Lsn(const Position& p) {
  return std::holds_alternative<PgLsnPos>(p) ? std::stoull(std::get<PgLsnPos>(p).lsn) : 0;
}

class ScriptedStream : public ChangeStream {
 public:
  ScriptedStream(Script& s, size_t start, int drop_after) : s_(s), next_(start), left_(drop_after) {}
  Result<std::optional<ChangeEvent>> Next(std::chrono::milliseconds) override {
    if (left_ == 0) return Status(ErrorCode::kConnectionLost, "scripted connection loss");
    if (next_ >= s_.events.size()) return std::optional<ChangeEvent>();
    if (left_ > 0) --left_;
    return std::optional<ChangeEvent>(s_.events[next_++]);
  }
  Status Confirm(const Position& p) override {
    s_.confirmed.push_back(Lsn(p));
    return Status();
  }

 private:
  Script& s_;
  size_t next_;
  int left_;
};

// Transactions of `sizes[i]` row events each; commit i ends at LSN 100*(i+1).
std::vector<ChangeEvent> Transactions(const std::vector<int>& sizes) {
  std::vector<ChangeEvent> out;
  uint64_t prev_end = 0;
  int row = 0;
  for (size_t t = 0; t < sizes.size(); ++t) {
    auto at = [&](uint64_t lsn) { return Position(PgLsnPos{std::to_string(lsn), "s"}); };
    ChangeEvent b;
    b.kind = ChangeKind::kBegin;
    b.position = at(prev_end);
    b.transaction_id = std::to_string(t);
    out.push_back(b);
    for (int i = 0; i < sizes[t]; ++i) {
      ChangeEvent e;
      e.kind = ChangeKind::kInsert;
      e.table = {"public", "t"};
      e.columns = {"id"};
      e.after = {FieldValue::Of(std::to_string(++row))};
      e.position = at(prev_end);
      out.push_back(e);
    }
    ChangeEvent c;
    c.kind = ChangeKind::kCommit;
    prev_end = 100 * (t + 1);
    c.position = at(prev_end);
    c.commit_time_us = static_cast<int64_t>(t + 1) * 1000;
    out.push_back(c);
  }
  return out;
}

StreamOpener OpenerFor(Script& s) {
  return [&s](const Position& from) -> Result<std::unique_ptr<ChangeStream>> {
    ++s.opens;
    uint64_t after = Lsn(from);
    size_t start = 0;
    while (start < s.events.size() &&
           (s.events[start].kind != ChangeKind::kBegin || Lsn(s.events[start].position) < after)) {
      ++start;
    }
    int drop = s.drop_after;
    s.drop_after = -1;  // one failure per scripted drop
    return std::unique_ptr<ChangeStream>(new ScriptedStream(s, start, drop));
  };
}

std::vector<ChangeEvent> ReadAll(ChangeLog& log) {
  std::vector<ChangeEvent> out;
  auto reader = log.OpenReader(log.first_seq());
  EXPECT_TRUE(reader.ok());
  while (true) {
    auto e = (*reader)->Next();
    EXPECT_TRUE(e.ok());
    if (!e.ok() || !*e) break;
    out.push_back((*e)->event);
  }
  return out;
}

// Runs capture until the log holds `events` events, then stops it.
void CaptureUntil(ChangeLog& log, Capture& capture, uint64_t events) {
  std::atomic<bool> cancel{false};
  Status result;
  std::thread t([&] { result = capture.Run(cancel); });
  for (int i = 0; i < 2000 && log.durable_seq() < events; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  cancel = true;
  t.join();
  EXPECT_EQ(result.code(), ErrorCode::kCancelled) << result.ToString();
}

std::string FreshDir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("godwit-capture-" + name + "-" + std::to_string(getpid()));
  std::filesystem::remove_all(dir);
  return dir.string();
}

CaptureOptions Small() {
  CaptureOptions o;
  o.batch_events = 3;  // transactions get split across appends
  o.flush_interval = std::chrono::milliseconds(1);
  o.max_backoff = std::chrono::milliseconds(1);
  return o;
}

TEST(Capture, EverythingOnceAndConfirmsOnlyWhatIsDurable) {
  Script s;
  s.events = Transactions({2, 5, 1});
  auto log = ChangeLog::Open(FreshDir("once"));
  ASSERT_TRUE(log.ok());
  Capture capture(**log, OpenerFor(s), NoPosition{}, Small());
  CaptureUntil(**log, capture, s.events.size());
  EXPECT_EQ(ReadAll(**log), s.events);
  EXPECT_EQ(capture.stats().transactions, 3u);
  EXPECT_EQ(capture.stats().last_commit_time_us, 3000);
  for (uint64_t c : s.confirmed) EXPECT_LE(c, 300u);
  EXPECT_EQ(s.confirmed.back(), 300u);
}

TEST(Capture, ConnectionLostMidTransactionNeitherDuplicatesNorLoses) {
  for (int drop = 1; drop < 14; ++drop) {
    Script s;
    s.events = Transactions({2, 6, 1});
    s.drop_after = drop;
    auto log = ChangeLog::Open(FreshDir("drop" + std::to_string(drop)));
    ASSERT_TRUE(log.ok());
    Capture capture(**log, OpenerFor(s), NoPosition{}, Small());
    CaptureUntil(**log, capture, s.events.size());
    EXPECT_EQ(ReadAll(**log), s.events) << "dropped after " << drop;
    EXPECT_EQ(s.opens, 2) << "dropped after " << drop;
    EXPECT_EQ(capture.stats().reconnects, 1);
  }
}

TEST(Capture, RestartWithAnUnfinishedTransactionInTheLogDropsItsRepeat) {
  Script s;
  s.events = Transactions({3, 7});
  std::string dir = FreshDir("restart");
  {
    auto log = ChangeLog::Open(dir);
    ASSERT_TRUE(log.ok());
    // As a crash would leave it: the first transaction and part of the
    // second are durable.
    std::vector<ChangeEvent> part(s.events.begin(), s.events.begin() + 5 + 4);
    ASSERT_TRUE((*log)->Append(part).ok());
  }
  auto log = ChangeLog::Open(dir);
  ASSERT_TRUE(log.ok());
  Capture capture(**log, OpenerFor(s), NoPosition{}, Small());
  CaptureUntil(**log, capture, s.events.size());
  EXPECT_EQ(ReadAll(**log), s.events);
}

TEST(Capture, GivesUpOnErrorsRetryingCannotCure) {
  Script s;
  auto log = ChangeLog::Open(FreshDir("fatal"));
  ASSERT_TRUE(log.ok());
  StreamOpener dropped = [](const Position&) -> Result<std::unique_ptr<ChangeStream>> {
    return Status(ErrorCode::kServerConfig, "replication slot godwit_1 does not exist");
  };
  Capture capture(**log, dropped, NoPosition{}, Small());
  std::atomic<bool> cancel{false};
  Status st = capture.Run(cancel);
  EXPECT_EQ(st.code(), ErrorCode::kServerConfig);
}

}  // namespace
}  // namespace godwit::store
