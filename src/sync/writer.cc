#include "sync/writer.h"

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include <fmt/format.h>

#include "common/retry.h"
#include "connector/session.h"
#include "replay/change_applier.h"
#include "replay/partitioned_applier.h"
#include "schema/dialect.h"
#include "store/change_log.h"
#include "sync/heartbeat.h"
#include "connector/postgres/pg_ddl_capture.h"
#include "sync/source_rows.h"

namespace godwit {
namespace {

using Clock = std::chrono::steady_clock;

// Row events handed to the applier at a time, inside a source transaction.
constexpr size_t kPieceEvents = 1024;

uint64_t EventBytes(const ChangeEvent& e) {
  uint64_t n = 0;
  for (const auto& v : e.before) n += v.bytes.size();
  for (const auto& v : e.after) n += v.bytes.size();
  return n;
}

// What the Writer gathers for its current destination transaction: the
// complete source transactions it holds (committed together, with their
// checkpoint) and the row events not yet handed to the applier.
//
// On scope exit, unless Close()d, the applier's open transaction is rolled
// back: whatever way a pass ends in error, the destination holds nothing
// of the batch but what was committed.
class Batch {
 public:
  explicit Batch(PartitionedApplier& applier) : applier_(applier) {}
  ~Batch() {
    if (!closed_) applier_.Abort();
  }
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;

  // The pass ends with nothing open on the destination.
  void Close() { closed_ = true; }

  // Counts the row event `e` (change `seq`) and queues it for the applier.
  void Add(ChangeEvent& e, uint64_t seq, const SyncOptions& opt) {
    auto& c = counts[e.table];
    if (e.kind == ChangeKind::kInsert && opt.apply_insert) ++c.inserts;
    if (e.kind == ChangeKind::kUpdate && opt.apply_update) ++c.updates;
    if (e.kind == ChangeKind::kDelete && opt.apply_delete) ++c.deletes;
    if (e.kind != ChangeKind::kTruncate) ++rows;
    bytes += EventBytes(e);
    ++events;
    piece.push_back(std::move(e));
    piece_seqs.push_back(seq);
  }

  // Hands the queued row events to the applier (inside its transaction).
  Status FlushPiece() {
    if (piece.empty()) return Status();
    Status st = applier_.Apply(piece, piece_seqs);
    piece.clear();
    piece_seqs.clear();
    return st;
  }

  // After a commit: the next batch starts empty (its position stays until
  // the next source transaction ends).
  void Reset() {
    txns = events = rows = bytes = 0;
    commit_time = 0;
    beat.reset();
    counts.clear();
    piece.clear();
    piece_seqs.clear();
  }

  uint64_t txns = 0, events = 0, rows = 0, bytes = 0;
  Position position;  // of the last complete source transaction
  uint64_t seq = 0;   // its commit's change-log sequence
  int64_t commit_time = 0;
  std::optional<Beat> beat;  // the newest heartbeat in the batch
  std::map<TableRef, SyncTableStats> counts;
  Clock::time_point started = Clock::now();
  std::vector<ChangeEvent> piece;    // row events not yet handed to the applier
  std::vector<uint64_t> piece_seqs;  // their change-log sequences

 private:
  PartitionedApplier& applier_;
  bool closed_ = false;
};

// One connection's worth of the Writer: from the destination's checkpoint
// until the Writer stops or the destination fails.
class WriterPass {
 public:
  WriterPass(SyncShared& shared, DdlSync& ddl, int64_t& last_beat_written)
      : s_(shared), ddl_(ddl), last_beat_written_(last_beat_written), settle_([this] { return Settle(); }) {}

  // Opens the applier's sessions and the log after the checkpoint.
  Status Open();
  Status Run(const std::atomic<bool>& cancel);

  bool progressed = false;  // committed something: the destination was reachable

 private:
  Status Stop();
  Status StopUnsupported();
  Status Idle();
  Status Step(store::LogEntry& entry);
  Status OnCommit(const ChangeEvent& e, uint64_t seq);
  Status OnRow(ChangeEvent& e, uint64_t seq);
  Status Commit();
  // Commits what the Writer holds, so that DDL runs outside its
  // transactions: complete source transactions with their checkpoint, and
  // rows of the current one under the previous checkpoints (applied again,
  // idempotently, after a crash).
  Status Settle();
  void Report(Clock::time_point now, double commit_ms);
  void ReleaseApplied(Clock::time_point now);
  bool CaughtUp() const {
    MutexLock lock(s_.mu);
    return s_.status.caught_up;
  }

  SyncShared& s_;
  DdlSync& ddl_;
  int64_t& last_beat_written_;  // Writer's, across passes
  const std::function<Status()> settle_;
  std::unique_ptr<PartitionedApplier> applier_;
  Session* session_ = nullptr;  // the applier's control session: DDL
  std::unique_ptr<store::ChangeLogReader> reader_;
  std::optional<Batch> batch_;  // once the reader is open
  bool mid_txn_ = false;
  uint64_t released_up_to_ = 0;
  Clock::time_point last_release_ = Clock::now();
  uint64_t statements_seen_ = 0;
  double apply_ms_seen_ = 0;
};

Status WriterPass::Open() {
  const SyncOptions& opt = s_.opt;
  ApplierOptions ao;
  ao.stream_id = opt.stream_id;
  ao.apply_insert = opt.apply_insert;
  ao.apply_update = opt.apply_update;
  ao.apply_delete = opt.apply_delete;
  ao.on_warning = [&s = s_](const std::string& w) { s.Warn(w); };
  // Values a change leaves unchanged (PostgreSQL's TOAST) come from the
  // source's current row, read by key: the destination's row at that key
  // may be another row's (a resumed copy, keys reused after deletes).
  ao.source_row = SourceRowLookupFor(opt.source);
  ASSIGN_OR_RETURN(
      applier_, PartitionedApplier::Open([&opt] { return Connect(opt.destination); },
                                         DialectFor(opt.destination.engine), ddl_.tables(), ao, opt.apply_parallelism));
  session_ = &applier_->control_session();
  const auto resume = applier_->resume_point();
  const uint64_t from = resume ? resume->sequence + 1 : 1;
  if (from < s_.log->first_seq()) {
    return Status(ErrorCode::kMetadata,
                  fmt::format("the destination's checkpoint (change {}) is older than the change log's oldest "
                              "change ({}): the changes between were released",
                              from - 1, s_.log->first_seq()),
                  "The destination's godwit_checkpoint row was changed or removed. Release the project and migrate "
                  "again (or clone it).");
  }
  auto reader = s_.log->OpenReader(from);
  if (!reader.ok()) {
    return Status(ErrorCode::kMetadata,
                  fmt::format("the destination has applied changes up to {}, but the change log ends at {}", from - 1,
                              s_.log->durable_seq()),
                  "The local change log was deleted or replaced while the destination kept its checkpoint. Release "
                  "the project and migrate again (or clone it).");
  }
  reader_ = std::move(*reader);
  if (resume) {
    MutexLock lock(s_.mu);
    s_.status.applied_position = resume->position;
    s_.status.applied_seq = resume->sequence;
  }
  statements_seen_ = applier_->statements();
  apply_ms_seen_ = applier_->apply_ms();
  batch_.emplace(*applier_);
  return Status();
}

Status WriterPass::Run(const std::atomic<bool>& cancel) {
  while (true) {
    if (cancel || s_.stop_all) return Stop();
    if (CaughtUp()) {
      batch_->Close();
      return Status();
    }
    if (s_.stop_requested && !s_.heartbeat) return StopUnsupported();
    auto entry = reader_->Next();
    if (!entry.ok()) return entry.status().WithContext("reading the change log");
    if (!*entry) {
      RETURN_IF_ERROR(Idle());
      continue;
    }
    RETURN_IF_ERROR(Step(**entry));
  }
}

Status WriterPass::Stop() {
  // A source transaction in the middle is rolled back (Batch's exit) and
  // applied again on resume; complete ones are committed.
  if (!mid_txn_) {
    RETURN_IF_ERROR(Commit());
    batch_->Close();
  }
  return Status(ErrorCode::kCancelled, "synchronization stopped");
}

Status WriterPass::StopUnsupported() {
  return Status(ErrorCode::kUnsupported,
                "stopping once caught up needs Godwit's heartbeat row on the source, and it could not be written",
                "Grant the migration user CREATE, INSERT and UPDATE on the source's default schema (the "
                "heartbeat table godwit_heartbeat), or stop with Ctrl-C twice instead; run again to resume.");
}

// The log holds nothing more for now: commit what is complete, or wait.
Status WriterPass::Idle() {
  if (!mid_txn_ && batch_->txns > 0) return Commit();
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  return Status();
}

Status WriterPass::Step(store::LogEntry& entry) {
  ChangeEvent& e = entry.event;
  switch (e.kind) {
    case ChangeKind::kBegin:
      if (batch_->txns == 0) batch_->started = Clock::now();
      mid_txn_ = true;
      return Status();
    case ChangeKind::kCommit: return OnCommit(e, entry.seq);
    case ChangeKind::kDdl: return ddl_.HandleDdl(e, entry.seq, *session_, *applier_, settle_);
    default: return OnRow(e, entry.seq);
  }
}

Status WriterPass::OnCommit(const ChangeEvent& e, uint64_t seq) {
  Batch& b = *batch_;
  RETURN_IF_ERROR(b.FlushPiece());
  RETURN_IF_ERROR(applier_->EndTransaction(e.position, seq));
  mid_txn_ = false;
  ++b.txns;
  b.position = e.position;
  b.seq = seq;
  b.commit_time = std::max(b.commit_time, e.commit_time_us);
  if (b.events >= s_.opt.batch_events || Clock::now() - b.started >= s_.opt.batch_interval) return Commit();
  return Status();
}

Status WriterPass::OnRow(ChangeEvent& e, uint64_t seq) {
  if (auto beat = ParseBeat(e, s_.heartbeat_ref, s_.opt.stream_id)) {
    batch_->beat = beat;
    return Status();
  }
  if (auto ddl = ParsePgDdl(e, s_.ddl_log_ref, s_.opt.stream_id)) {
    return ddl_.HandlePgDdl(*ddl, seq, *session_, *applier_, settle_);
  }
  if (IsGodwitTable(e.table)) return Status();  // another stream's heartbeat or DDL log
  if (!ddl_.Covers(e.table)) {
    // A PostgreSQL table renamed out of the migration stays in the
    // publication: its rows are no longer the migration's.
    if (!s_.InScope(e.table)) return Status();
    if (!s_.opt.ddl_sync) {
      s_.Warn("changes to " + e.table.ToString() +
              " are not applied: the table is new on the source and DDL sync is off");
      return Status();
    }
  }
  if (!ddl_.ColumnsMatch(e)) {
    // The source table's columns changed (PostgreSQL sends no DDL, only
    // the new column list): bring the destination along first.
    if (!s_.opt.ddl_sync) {
      s_.Warn("the columns of " + e.table.ToString() + " changed on the source and DDL sync is off");
    } else {
      RETURN_IF_ERROR(ddl_.FollowColumns(e, seq, *session_, *applier_, settle_));
    }
  }
  batch_->Add(e, seq, s_.opt);
  if (batch_->piece.size() >= kPieceEvents) return batch_->FlushPiece();
  return Status();
}

Status WriterPass::Commit() {
  Batch& b = *batch_;
  if (b.txns == 0) return Status();
  RETURN_IF_ERROR(b.FlushPiece());
  const auto t0 = Clock::now();
  RETURN_IF_ERROR(applier_->Commit(b.position, b.seq, b.txns));
  const auto now = Clock::now();
  // The partitions apply while the log is read; what is left to wait for
  // here is their last statements and their commits.
  progressed = true;
  if (b.beat) last_beat_written_ = std::max(last_beat_written_, b.beat->written_us);
  Report(now, std::chrono::duration<double, std::milli>(now - t0).count());
  b.Reset();
  ReleaseApplied(now);
  return Status();
}

void WriterPass::Report(Clock::time_point now, double commit_ms) {
  const Batch& b = *batch_;
  const int64_t source_time = std::max(b.commit_time, last_beat_written_);
  MutexLock lock(s_.mu);
  SyncStatus& status = s_.status;
  status.applied_position = b.position;
  status.applied_seq = b.seq;
  status.applied_beat_written_us = last_beat_written_;
  status.transactions += b.txns;
  status.rows += b.rows;
  status.bytes += b.bytes;
  if (source_time > 0) {
    status.applied_source_time_us = source_time;
    status.latency_seconds = std::max(0.0, static_cast<double>(NowMicros() - source_time) / 1e6);
    s_.applied_at = now;
    if (*status.latency_seconds <= s_.opt.monitoring_threshold_seconds) status.monitoring = true;
  }
  for (const auto& [ref, c] : b.counts) {
    auto& t = s_.by_table[ref];
    t.inserts += c.inserts;
    t.updates += c.updates;
    t.deletes += c.deletes;
  }
  s_.statement_ms += applier_->apply_ms() - apply_ms_seen_;
  apply_ms_seen_ = applier_->apply_ms();
  s_.statements += applier_->statements() - statements_seen_;
  statements_seen_ = applier_->statements();
  s_.commit_ms += commit_ms;
  ++s_.commits;
  s_.samples.emplace_back(now, status.rows, status.bytes);
  while (s_.samples.size() > 2 && now - std::get<0>(s_.samples.front()) > std::chrono::seconds(5)) {
    s_.samples.pop_front();
  }
  if (b.beat && s_.target_beat != 0 && b.beat->seq >= s_.target_beat) status.caught_up = true;
}

// Retention: what the destination has committed is no longer needed.
void WriterPass::ReleaseApplied(Clock::time_point now) {
  const uint64_t seq = batch_->seq;
  if (now - last_release_ <= std::chrono::seconds(1) || seq <= released_up_to_) return;
  auto released = s_.log->Release(seq);
  if (!released.ok()) s_.Warn("releasing applied change-log segments: " + released.status().ToString());
  released_up_to_ = seq;
  last_release_ = now;
}

Status WriterPass::Settle() {
  RETURN_IF_ERROR(batch_->FlushPiece());
  if (batch_->txns > 0 && !mid_txn_) return Commit();
  return applier_->Settle();
}

}  // namespace

Status Writer::Pass(const std::atomic<bool>& cancel, bool& progressed) {
  // Closes the pass's sessions on return, before any wait to reconnect.
  WriterPass pass(s_, ddl_, last_beat_written_);
  Status st = pass.Open();
  if (st.ok()) st = pass.Run(cancel);
  progressed = pass.progressed;
  return st;
}

Status Writer::Run(const std::atomic<bool>& cancel) {
  int failures = 0;
  while (true) {
    bool progressed = false;
    Status st = Pass(cancel, progressed);
    if (st.ok() || st.code() == ErrorCode::kCancelled || !st.retryable()) return st;
    if (progressed) failures = 0;
    if (++failures > s_.opt.max_reconnects) {
      return Status(st.code(),
                    "the destination stayed unreachable after " + std::to_string(s_.opt.max_reconnects) +
                        " reconnection attempts: " + st.message(),
                    "Check that " + s_.opt.destination.Redacted() +
                        " is up and reachable, then resume: the Writer continues from its last checkpoint.",
                    st.native_code());
    }
    {
      MutexLock lock(s_.mu);
      ++s_.status.writer_reconnects;
    }
    s_.Warn("Writer: " + st.ToString() + "; reconnecting");
    SleepUnlessCancelled(Backoff{}.Delay(failures), s_.stop_all);
    if (cancel || s_.stop_all) return Status(ErrorCode::kCancelled, "synchronization stopped");
  }
}

}  // namespace godwit
