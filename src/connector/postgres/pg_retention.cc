#include "connector/postgres/pg_retention.h"

#include <algorithm>

#include <fmt/format.h>

#include "common/text.h"
#include "schema/dialect.h"

namespace godwit {

std::string SlotRetentionAlert(const SlotRetention& r) {
  if (r.wal_status == "lost") {
    return "the replication slot " + r.slot +
           " has lost WAL it needed (max_slot_wal_keep_size = " + r.max_slot_wal_keep_size +
           "): synchronization cannot continue; release the project and migrate again";
  }
  if (r.wal_status == "unreserved") {
    return "the replication slot " + r.slot + " retains more WAL than max_slot_wal_keep_size (" +
           r.max_slot_wal_keep_size +
           "): PostgreSQL may remove WAL it needs at the next checkpoint — resume the project now";
  }
  if (!r.safe_wal_bytes) return {};
  const double safe = *r.safe_wal_bytes;
  const double limit = r.retained_bytes + safe;
  if (limit <= 0 || safe >= 0.25 * limit) return {};
  std::string alert = fmt::format(
      "the replication slot {} retains {:.0f} MB of WAL; PostgreSQL drops the slot's WAL {:.0f} MB from now "
      "(max_slot_wal_keep_size = {})",
      r.slot, r.retained_bytes / 1048576, safe / 1048576, r.max_slot_wal_keep_size);
  if (r.wal_bytes_per_second > 0) {
    alert += fmt::format(", about {:.0f} minutes at the current WAL rate", safe / r.wal_bytes_per_second / 60);
  }
  return alert + ": resume the project, or raise max_slot_wal_keep_size";
}

Result<std::string> SlotRetentionWatch::Check(Session& db, const std::string& slot) {
  const Dialect& d = DialectFor(Engine::kPostgres);
  ASSIGN_OR_RETURN(auto r, QueryFirstRow(db,
                                         "SELECT s.wal_status, coalesce(s.safe_wal_size::text, ''), "
                                         "pg_wal_lsn_diff(pg_current_wal_lsn(), s.restart_lsn)::bigint::text, "
                                         "pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint::text, "
                                         "current_setting('max_slot_wal_keep_size') FROM pg_replication_slots s "
                                         "WHERE s.slot_name = " +
                                             d.Literal(ColumnType{}, slot),
                                         5));
  if (r[0].empty()) return std::string();
  SlotRetention in;
  in.slot = slot;
  in.wal_status = r[0];
  if (!r[1].empty()) in.safe_wal_bytes = NumberOrZero(r[1]);
  in.retained_bytes = NumberOrZero(r[2]);
  in.max_slot_wal_keep_size = r[4];
  const double wal_now = NumberOrZero(r[3]);
  const auto now = std::chrono::steady_clock::now();
  if (last_wal_) {
    const double secs = std::chrono::duration<double>(now - last_wal_->first).count();
    if (secs > 0) in.wal_bytes_per_second = std::max(0.0, (wal_now - last_wal_->second) / secs);
  }
  last_wal_ = {now, wal_now};
  return SlotRetentionAlert(in);
}

}  // namespace godwit
