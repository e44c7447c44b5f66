// Waiting for a running synchronization before a difference is confirmed
// (recheck.h): the destination is behind the source by the replay latency,
// so a row read on the source a moment ago may not be on the destination
// yet.
#pragma once

#include <chrono>

#include "connector/endpoint.h"
#include "connector/session.h"
#include "verify/recheck.h"

namespace godwit {

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
