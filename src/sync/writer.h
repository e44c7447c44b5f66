// The Writer: applies the change log (store/change_log.h) to the
// destination, from the change after the destination's checkpoint row,
// with replay/partitioned_applier.h. One thread (Synchronizer::Run's).
//
// Batching. Consecutive source transactions share one destination
// transaction until `batch_events` events, `batch_interval`, or the end of
// what the log holds; the checkpoint row commits with them. A source
// transaction larger than that is handed to the applier a piece at a time
// inside one destination transaction (the log is the spill). DDL
// (sync/ddl_sync.h) first commits what the Writer holds, then runs on its
// own.
//
// Failures. A lost destination connection is retried (common/retry.h) from
// the checkpoint, up to `max_reconnects` attempts without progress; any
// other failure returns at once. On every way out of a pass the
// destination transaction it had open is rolled back unless committed.
//
// Thread-safety: Run() on one thread; it reports into SyncShared under its
// mutex.
#pragma once

#include <atomic>
#include <cstdint>

#include "common/status.h"
#include "sync/ddl_sync.h"
#include "sync/sync_shared.h"

namespace godwit {

class Writer {
 public:
  // `shared` must hold the open change log; `ddl` the migrated tables.
  Writer(SyncShared& shared, DdlSync& ddl) : s_(shared), ddl_(ddl) {}

  // Applies until `cancel` or SyncShared::stop_all (CANCELLED, with what
  // was complete committed), until caught up after a stop request (OK),
  // or a failure that reconnecting does not cure.
  Status Run(const std::atomic<bool>& cancel);

 private:
  // One connection's worth (sync/writer.cc WriterPass); `progressed`: it
  // committed something.
  Status Pass(const std::atomic<bool>& cancel, bool& progressed);

  SyncShared& s_;
  DdlSync& ddl_;
  // When the newest heartbeat the Writer has committed was written on the
  // source (SyncStatus::applied_beat_written_us); kept across passes.
  int64_t last_beat_written_ = 0;
};

}  // namespace godwit
