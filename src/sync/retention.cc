#include "sync/retention.h"

#include <algorithm>

#include <fmt/format.h>

#include "schema/dialect.h"
#include "sync/heartbeat.h"

namespace godwit {
namespace {

double Number(const std::string& s) {
  try {
    return s.empty() ? 0 : std::stod(s);
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace

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

std::string BinlogRetentionAlert(const BinlogRetention& r) {
  if (r.expire_seconds <= 0 || r.reading_current_file) return {};
  if (r.needed_age_seconds <= 0.75 * r.expire_seconds) return {};
  return fmt::format(
      "the Store still needs binlog from {:.0f} minutes ago; the source expires binlogs after {:.0f} minutes "
      "(binlog_expire_logs_seconds), about {:.0f} minutes from now: resume the project, or raise "
      "binlog_expire_logs_seconds",
      r.needed_age_seconds / 60, r.expire_seconds / 60, std::max(0.0, r.expire_seconds - r.needed_age_seconds) / 60);
}

Result<std::string> RetentionWatch::Check(Session& src, ChangeCapture& capture, const std::string& pg_slot,
                                          const Position& needed, int64_t needed_time_us) {
  if (src.engine() == Engine::kPostgres) {
    const Dialect& d = DialectFor(Engine::kPostgres);
    ASSIGN_OR_RETURN(auto r, QueryFirstRow(src,
                                           "SELECT s.wal_status, coalesce(s.safe_wal_size::text, ''), "
                                           "pg_wal_lsn_diff(pg_current_wal_lsn(), s.restart_lsn)::bigint::text, "
                                           "pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::bigint::text, "
                                           "current_setting('max_slot_wal_keep_size') FROM pg_replication_slots s "
                                           "WHERE s.slot_name = " +
                                               d.Literal(ColumnType{}, pg_slot),
                                           5));
    if (r[0].empty()) return std::string();
    SlotRetention in;
    in.slot = pg_slot;
    in.wal_status = r[0];
    if (!r[1].empty()) in.safe_wal_bytes = Number(r[1]);
    in.retained_bytes = Number(r[2]);
    in.max_slot_wal_keep_size = r[4];
    const double wal_now = Number(r[3]);
    const auto now = std::chrono::steady_clock::now();
    if (last_wal_) {
      const double secs = std::chrono::duration<double>(now - last_wal_->first).count();
      if (secs > 0) in.wal_bytes_per_second = std::max(0.0, (wal_now - last_wal_->second) / secs);
    }
    last_wal_ = {now, wal_now};
    return SlotRetentionAlert(in);
  }
  BinlogRetention in;
  // binlog_expire_logs_seconds (MariaDB 10.6+, MySQL 8) wins; older
  // servers have only expire_logs_days, MySQL 8.4 only the former.
  if (auto secs = QueryFirstRow(src, "SELECT @@binlog_expire_logs_seconds", 1); secs.ok())
    in.expire_seconds = Number((*secs)[0]);
  if (in.expire_seconds == 0) {
    if (auto days = QueryFirstRow(src, "SELECT @@expire_logs_days", 1); days.ok()) {
      in.expire_seconds = Number((*days)[0]) * 86400;
    }
  }
  if (in.expire_seconds <= 0 || needed_time_us == 0) return std::string();
  auto log_end = capture.LogEnd(src);
  const auto* pos = std::get_if<MysqlBinlogPos>(&needed);
  const auto* end = log_end.ok() ? std::get_if<MysqlBinlogPos>(&*log_end) : nullptr;
  in.reading_current_file = pos && end && pos->file == end->file;
  in.needed_age_seconds = static_cast<double>(NowMicros() - needed_time_us) / 1e6;
  return BinlogRetentionAlert(in);
}

}  // namespace godwit
