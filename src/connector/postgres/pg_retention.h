// Early warning before PostgreSQL discards WAL a replication slot still
// needs: the WAL the slot retains against max_slot_wal_keep_size (PgCapture's
// ChangeCapture::RetentionAlert, connector/change_capture.h).
//
// The decision is a pure function (unit-tested); SlotRetentionWatch reads
// the figures from the server.
//
// Thread-safety: a SlotRetentionWatch is used by one thread at a time.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>

#include "common/status.h"
#include "connector/session.h"

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

// Reads `slot`'s figures from a server. Remembers the WAL position between
// calls to estimate the WAL rate.
class SlotRetentionWatch {
 public:
  // SlotRetentionAlert of the slot as `db` has it now; empty when the slot
  // does not exist (capture reports that).
  Result<std::string> Check(Session& db, const std::string& slot);

 private:
  std::optional<std::pair<std::chrono::steady_clock::time_point, double>> last_wal_;
};

}  // namespace godwit
