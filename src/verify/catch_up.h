// Waiting for a running synchronization before a difference is confirmed
// (recheck.h): the destination is behind the source by the replay latency,
// so a row read on the source a moment ago may not be on the destination
// yet.
#pragma once

#include <atomic>
#include <functional>

#include "connector/endpoint.h"
#include "connector/session.h"
#include "sync/synchronizer.h"
#include "verify/recheck.h"

namespace godwit {

// Waits on a Synchronizer of this process, through its status. With the
// heartbeat running (the usual case), everything the source committed
// before T is on the destination once the Writer has committed a heartbeat
// written after T: the heartbeat row is committed on the source after it
// was written, and the Writer applies in commit order. Without a heartbeat
// (no right to create its table on the source), it waits until the Writer
// has applied everything captured one second after T, which holds once
// capture keeps up with the source.
class SyncCatchUp : public CatchUpWaiter {
 public:
  // `status` reads the synchronization's status (Synchronizer::status());
  // `cancel`, when set, ends a wait early with kCancelled.
  explicit SyncCatchUp(std::function<SyncStatus()> status, const std::atomic<bool>* cancel = nullptr)
      : status_(std::move(status)), cancel_(cancel) {}

  Status WaitPast(std::chrono::system_clock::time_point before, std::chrono::seconds timeout) override;

 private:
  std::function<SyncStatus()> status_;
  const std::atomic<bool>* cancel_;
};

// Waits on a synchronization another process runs into the destination
// (`godwit migrate --incremental`), through the checkpoint rows its Writer
// commits there with every batch (replay/partitioned_applier.h: the stream's
// row and one per partition). It reads the source's current log position P
// (SHOW MASTER STATUS, pg_current_wal_lsn()) after T, then waits until the
// lowest of those rows is at or after P: every transaction committed before
// T ends before P, and the Writer applies in commit order. The heartbeat
// that synchronization writes every second moves the rows past P even when
// the application is idle; a heartbeat older than five seconds means the
// synchronization is not running, and the wait ends at once (nothing moves
// the destination then). Thread-safe: each wait opens its own sessions.
class CheckpointCatchUp : public CatchUpWaiter {
 public:
  CheckpointCatchUp(Endpoint source, Endpoint destination, std::string stream_id)
      : source_(std::move(source)), destination_(std::move(destination)), stream_id_(std::move(stream_id)) {}

  Status WaitPast(std::chrono::system_clock::time_point before, std::chrono::seconds timeout) override;

 private:
  Endpoint source_;
  Endpoint destination_;
  std::string stream_id_;
};

// Whether the destination holds checkpoint rows of `stream_id` (a
// synchronization has applied changes there under that name).
Result<bool> HasCheckpointRows(Session& destination, const std::string& stream_id);

}  // namespace godwit
