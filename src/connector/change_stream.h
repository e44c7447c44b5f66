// The change-capture side of a connector: a stream of committed changes
// read from a source's log (PostgreSQL: a logical replication slot with
// pgoutput; MySQL/MariaDB: the binlog over the replication protocol).
//
// Events come in source commit order, each transaction as kBegin ... kCommit
// (model/change_event.h). The stream holds at most one event in memory at a
// time beyond what the server has sent, so a huge transaction never has to
// fit in memory: the caller (the Store) persists events as they come.
//
// Received and confirmed are kept apart: the stream may read ahead, but
// Confirm() is the only thing that lets the source recycle its log, and the
// caller confirms only positions it has durably stored.
//
// Thread-safety: one thread at a time.
#pragma once

#include <chrono>
#include <memory>
#include <optional>

#include "common/status.h"
#include "model/change_event.h"

namespace godwit {

class ChangeStream {
 public:
  virtual ~ChangeStream() = default;

  // The next event, or nullopt when none arrived within `timeout` (so the
  // caller can check for cancellation and confirm progress). A lost
  // connection is CONNECTION_LOST (retryable: open a new stream from the
  // last stored position); a dropped slot or purged binlog is a
  // SERVER_CONFIG error saying what happened and what to do.
  virtual Result<std::optional<ChangeEvent>> Next(std::chrono::milliseconds timeout) = 0;

  // Everything up to and including `position` is durably stored; the source
  // may discard it (PostgreSQL: the flush LSN of the standby status update).
  // Also answers keepalives, so an idle slot does not hold WAL back.
  virtual Status Confirm(const Position& position) = 0;
};

}  // namespace godwit
