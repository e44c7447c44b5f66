// Early warning before the source discards what synchronization still
// needs: the WAL a PostgreSQL slot retains against max_slot_wal_keep_size,
// the binlog the Store has yet to read against the MySQL expiry. Checked
// every 30 s while a synchronization runs and, by the service, for paused
// and failed projects — when nothing reads the source, the risk grows.
//
// The decisions are pure functions (unit-tested); RetentionWatch reads the
// figures from the source.
//
// Thread-safety: a RetentionWatch is used by one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "common/status.h"
#include "connector/change_capture.h"
#include "connector/session.h"
#include "model/position.h"

namespace godwit {

struct SlotRetention {
  std::string slot;
  std::string wal_status;                // reserved, extended, unreserved, lost
  std::optional<double> safe_wal_bytes;  // nullopt: no max_slot_wal_keep_size
  double retained_bytes = 0;             // from the slot's restart_lsn to now
  std::string max_slot_wal_keep_size;    // as the server prints it
  double wal_bytes_per_second = 0;       // 0 when not measured yet
};
// Empty when the slot is safe; otherwise what is at risk and how long is left.
std::string SlotRetentionAlert(const SlotRetention& r);

struct BinlogRetention {
  double expire_seconds = 0;  // 0: binlogs never expire
  bool reading_current_file = false;
  double needed_age_seconds = 0;  // age of the oldest change not yet stored
};
std::string BinlogRetentionAlert(const BinlogRetention& r);

// Reads the figures from a source. Remembers the WAL position between
// calls to estimate the WAL rate.
class RetentionWatch {
 public:
  // PostgreSQL: the slot (empty result when it does not exist: capture
  // reports that). MySQL: `needed` is the position the Store continues from
  // and `needed_time_us` the commit time of the last change it stored
  // (0 when unknown: no alert).
  // `capture` is the source's (connector/change_capture.h): where its log ends.
  Result<std::string> Check(Session& source, ChangeCapture& capture, const std::string& pg_slot, const Position& needed,
                            int64_t needed_time_us);

 private:
  std::optional<std::pair<std::chrono::steady_clock::time_point, double>> last_wal_;
};

}  // namespace godwit
