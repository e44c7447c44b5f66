// The Store's capture loop: reads a source's ChangeStream and appends what
// it reads to the project's ChangeLog, confirming to the source only what
// the log has made durable; reconnects with backoff when the source goes
// away and resumes from the log's own end, never from memory.
//
// Resuming inside a transaction. Events are appended as they arrive, so a
// large transaction never has to fit in memory; a crash (or a lost
// connection) can therefore leave the log ending in the middle of a
// transaction. Every event's restart position is where its transaction can
// be read again from the start (the previous commit's end), so capture
// reopens the stream there and the source sends that transaction again,
// identically and in the same order (both the binlog and pgoutput replay a
// committed transaction deterministically). Capture counts the events of
// the unfinished transaction already in the log and drops that many from
// the front of the re-sent transaction. Worked example: the log holds
// [... C7 | B8 I I] (C = commit, B = begin, I = insert) when the process
// dies; the restart position of the last I is C7's end; the source sends
// B8 I I I U C8; capture drops the first 3 (B8 I I) and appends I U C8.
//
// Thread-safety: Run() on one thread; stats() and the cancel flag from any.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>

#include "common/mutex.h"
#include "common/status.h"
#include "connector/change_stream.h"
#include "store/change_log.h"

namespace godwit::store {

struct CaptureOptions {
  // Append once this many events are pending...
  size_t batch_events = 4096;
  // ...or this long after the first pending event arrived, whichever first.
  std::chrono::milliseconds flush_interval{100};
  // Reconnection attempts after a lost connection, with backoff 1, 2, 4,
  // 8, 10, 10... seconds (common/retry.h, capped at `max_backoff`), before
  // giving up with the last error.
  int max_reconnects = 12;
  std::chrono::milliseconds max_backoff{10000};
};

// Opens a stream that delivers the changes after `from` (a restart
// position from the log, or the initial position).
using StreamOpener = std::function<Result<std::unique_ptr<ChangeStream>>(const Position& from)>;

struct CaptureStats {
  uint64_t events = 0;        // appended by this run
  uint64_t transactions = 0;  // commits appended by this run
  uint64_t durable_seq = 0;
  Position durable_position;
  int64_t last_commit_time_us = 0;  // source commit time of the last durable commit
  int reconnects = 0;
};

class Capture {
 public:
  // `initial` is where capture starts when the log holds nothing yet (the
  // position the full migration recorded). `log` must outlive Run().
  Capture(ChangeLog& log, StreamOpener open, Position initial, CaptureOptions options = {});

  // Runs until `cancel` is set (returns CANCELLED after making what it read
  // durable) or an error that retrying does not cure (a dropped slot, a
  // purged binlog, the log failing, or a connection lost for good).
  Status Run(const std::atomic<bool>& cancel);

  CaptureStats stats() const;

 private:
  Status Flush(ChangeStream& stream);
  Result<uint64_t> EventsOfUnfinishedTransaction();

  ChangeLog& log_;
  StreamOpener open_;
  Position initial_;
  CaptureOptions options_;
  std::vector<ChangeEvent> pending_;
  // Events of the current transaction already durable (counted to drop
  // their repeat after a reconnect).
  uint64_t durable_in_transaction_ = 0;
  mutable Mutex mu_;
  CaptureStats stats_ GODWIT_GUARDED_BY(mu_);
};

}  // namespace godwit::store
