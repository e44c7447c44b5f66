// What the parts of one synchronization share (sync/synchronizer.h): the
// options, what Prepare learnt of the source, the change log, the stop
// flags, and the status the API reads. The Synchronizer owns it; the
// Writer (sync/writer.h), DDL sync (sync/ddl_sync.h), the Store's thread
// and the heartbeat/retention monitor hold references to it.
//
// Thread-safety: the fields above `stop_all` are set by Prepare/OpenLog
// before the threads start and only read while they run; the atomics from
// any thread; the rest under `mu`.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <tuple>

#include "common/mutex.h"
#include "connector/endpoint.h"
#include "model/object_mapping.h"
#include "store/change_log.h"
#include "sync/synchronizer.h"

namespace godwit {

struct SyncShared {
  using Clock = std::chrono::steady_clock;

  explicit SyncShared(SyncOptions o) : opt(std::move(o)) {}

  // A table this synchronization covers: taken by the object rules and in
  // a schema the source's sessions read (a MySQL binlog carries every
  // database's changes, though the URI may name one).
  bool InScope(const TableRef& ref) const {
    return EndpointReadsSchema(opt.source, ref.schema) && mapping->Includes(ref);
  }

  // Adds `w` to the status's warnings, once.
  void Warn(const std::string& w) {
    MutexLock lock(mu);
    if (std::find(status.warnings.begin(), status.warnings.end(), w) == status.warnings.end()) {
      status.warnings.push_back(w);
    }
  }

  SyncOptions opt;
  std::string source_default_schema;
  std::optional<ObjectMapping> mapping;
  TableRef heartbeat_ref;
  bool heartbeat = false;  // the heartbeat row is written
  TableRef ddl_log_ref;    // PostgreSQL source: the DDL trigger's log table
  std::unique_ptr<store::ChangeLog> log;

  std::atomic<bool> stop_all{false};        // Store and monitor threads stop
  std::atomic<bool> stop_requested{false};  // RequestStopWhenCaughtUp was called
  std::atomic<int64_t> target_beat{0};      // the beat that marks "caught up"; 0 = not written yet

  mutable Mutex mu;
  SyncStatus status GODWIT_GUARDED_BY(mu);
  std::map<TableRef, SyncTableStats> by_table GODWIT_GUARDED_BY(mu);
  std::deque<std::tuple<Clock::time_point, uint64_t, uint64_t>> samples GODWIT_GUARDED_BY(mu);
  Clock::time_point applied_at GODWIT_GUARDED_BY(mu);
  double statement_ms GODWIT_GUARDED_BY(mu) = 0;
  double commit_ms GODWIT_GUARDED_BY(mu) = 0;
  uint64_t statements GODWIT_GUARDED_BY(mu) = 0;
  uint64_t commits GODWIT_GUARDED_BY(mu) = 0;
};

}  // namespace godwit
