#include "connector/mysql/binlog_retention.h"

#include <algorithm>

#include <fmt/format.h>

#include "common/text.h"

namespace godwit {

std::string BinlogRetentionAlert(const BinlogRetention& r) {
  if (r.expire_seconds <= 0 || r.reading_current_file) return {};
  if (r.needed_age_seconds <= 0.75 * r.expire_seconds) return {};
  return fmt::format(
      "the Store still needs binlog from {:.0f} minutes ago; the source expires binlogs after {:.0f} minutes "
      "(binlog_expire_logs_seconds), about {:.0f} minutes from now: resume the project, or raise "
      "binlog_expire_logs_seconds",
      r.needed_age_seconds / 60, r.expire_seconds / 60, std::max(0.0, r.expire_seconds - r.needed_age_seconds) / 60);
}

double BinlogExpireSeconds(Session& db) {
  // binlog_expire_logs_seconds (MariaDB 10.6+, MySQL 8) wins; older
  // servers have only expire_logs_days, MySQL 8.4 only the former.
  double seconds = 0;
  if (auto secs = QueryFirstRow(db, "SELECT @@binlog_expire_logs_seconds", 1); secs.ok())
    seconds = NumberOrZero((*secs)[0]);
  if (seconds == 0) {
    if (auto days = QueryFirstRow(db, "SELECT @@expire_logs_days", 1); days.ok())
      seconds = NumberOrZero((*days)[0]) * 86400;
  }
  return seconds;
}

}  // namespace godwit
