// Server settings that change capture needs, read from the server itself:
//
//   MySQL/MariaDB  log_bin = ON, binlog_format = ROW, binlog_row_image =
//                  FULL (every column of the row before and after, so a
//                  change can be applied by key and verified), server_id
//                  != 0 (a server without one refuses binlog clients);
//                  binlog_row_metadata = FULL is recommended, never
//                  required: without it rows written before an ALTER that
//                  capture reads after it cannot be decoded, which only
//                  matters if DDL runs while capture is behind
//   PostgreSQL     wal_level = logical, a free replication slot
//                  (max_replication_slots minus slots in use) and a free
//                  WAL sender (max_wal_senders minus walsender backends)
//   SQLite         no change log at all
//
// On the source they fail the precheck when incremental synchronization is
// chosen and are warnings otherwise (fixing them often needs a restart, so
// it is worth knowing before the project that needs them). On the
// destination they are checked only when reverse synchronization is
// chosen, since only then is it read as a source.
#include <cstdlib>
#include <map>
#include <optional>

#include "precheck/check.h"

namespace godwit::precheck {
namespace {

struct Finding {
  std::string name;  // "binlog_format": the id is "<side>.<name>"
  std::string title;
  bool ok;
  std::string message;
  std::string hint;  // what to change when not ok
  bool advisory = false;  // not ok is a warning even when the setting's purpose is chosen
};

std::vector<Finding> MysqlFindings(const std::map<std::string, std::string>& vars) {
  auto get = [&](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  std::vector<Finding> out;
  std::string log_bin = get("log_bin").value_or("OFF");
  bool bin_on = log_bin == "ON" || log_bin == "1";
  out.push_back({"log_bin", "binary logging is on (log_bin)", bin_on, "log_bin is " + log_bin,
                 "Enable the binary log (log_bin=<basename> in the server's configuration; MySQL 8 has it on unless "
                 "skip-log-bin is set), then restart the server."});
  std::string format = get("binlog_format").value_or("(unknown)");
  out.push_back({"binlog_format", "binary log format is ROW (binlog_format)", format == "ROW",
                 "binlog_format is " + format,
                 "SET GLOBAL binlog_format = 'ROW'; and binlog_format=ROW in the server's configuration so that it "
                 "survives a restart (sessions already open keep their format until they reconnect)."});
  // Servers older than MariaDB 10.1.6 / MySQL 5.6 have no binlog_row_image
  // and always log full rows.
  auto image = get("binlog_row_image");
  out.push_back({"binlog_row_image", "binary log row image is FULL (binlog_row_image)", !image || *image == "FULL",
                 image ? "binlog_row_image is " + *image : "the server always logs full row images",
                 "SET GLOBAL binlog_row_image = 'FULL'; and binlog_row_image=FULL in the server's configuration."});
  // MariaDB 10.5+ and MySQL 8.0.1+ can name the columns in every TABLE_MAP
  // (binlog_decoder.h); older servers have no such setting.
  auto metadata = get("binlog_row_metadata");
  const bool full_metadata = metadata && *metadata == "FULL";
  out.push_back({"binlog_row_metadata", "binary log row metadata is FULL (binlog_row_metadata)", full_metadata,
                 full_metadata ? "binlog_row_metadata is FULL"
                               : (metadata ? "binlog_row_metadata is " + *metadata
                                           : std::string("the server cannot write column names into the binary log "
                                                         "(MariaDB 10.5 or MySQL 8.0 needed)")) +
                                     ": rows written before an ALTER TABLE but read by capture after it cannot be "
                                     "decoded, and synchronization stops at them",
                 metadata ? "SET GLOBAL binlog_row_metadata = 'FULL'; and binlog_row_metadata=FULL in the server's "
                            "configuration (no restart needed; it applies to events written from then on). Until then, "
                            "run ALTER TABLE on migrated tables only while capture is caught up."
                          : "Run ALTER TABLE on migrated tables only while capture is caught up, or upgrade the "
                            "server.",
                 true});
  std::string server_id = get("server_id").value_or("0");
  out.push_back({"server_id", "server_id is set", server_id != "0", "server_id is " + server_id,
                 "Set server_id to a non-zero value unique among the servers that replicate together (server_id=N in "
                 "the server's configuration, or SET GLOBAL server_id = N)."});
  return out;
}

Result<std::vector<Finding>> ReadMysql(Session& session) {
  ASSIGN_OR_RETURN(auto rows, QueryText(session,
                                        "SHOW GLOBAL VARIABLES WHERE Variable_name IN "
                                        "('log_bin', 'binlog_format', 'binlog_row_image', 'binlog_row_metadata', "
                                        "'server_id')",
                                        2));
  std::map<std::string, std::string> vars;
  for (const TextRow& row : rows) vars[row[0].value_or("")] = row[1].value_or("");
  return MysqlFindings(vars);
}

Result<std::vector<Finding>> ReadPostgres(Session& session) {
  ASSIGN_OR_RETURN(auto rows,
                   QueryText(session,
                             "SELECT current_setting('wal_level'), current_setting('max_replication_slots'), "
                             "(SELECT count(*) FROM pg_replication_slots), current_setting('max_wal_senders'), "
                             "(SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'walsender')",
                             5));
  if (rows.empty()) return Status(ErrorCode::kReadFailed, "the server returned no settings");
  const TextRow& row = rows[0];
  auto number = [&](int i) { return std::atoll(row[i].value_or("0").c_str()); };
  std::string wal_level = row[0].value_or("");
  long long max_slots = number(1), used_slots = number(2), max_senders = number(3), used_senders = number(4);
  std::vector<Finding> out;
  out.push_back({"wal_level", "write-ahead log carries logical changes (wal_level)", wal_level == "logical",
                 "wal_level is " + wal_level, "ALTER SYSTEM SET wal_level = logical; then restart PostgreSQL."});
  out.push_back({"replication_slots", "a replication slot is free", max_slots - used_slots >= 1,
                 std::to_string(used_slots) + " of max_replication_slots = " + std::to_string(max_slots) + " in use",
                 "Drop replication slots no longer used (see pg_replication_slots; SELECT "
                 "pg_drop_replication_slot('name')), or raise max_replication_slots (ALTER SYSTEM SET "
                 "max_replication_slots = N; then restart PostgreSQL)."});
  out.push_back({"wal_senders", "a WAL sender is free", max_senders - used_senders >= 1,
                 std::to_string(used_senders) + " of max_wal_senders = " + std::to_string(max_senders) + " in use",
                 "Raise max_wal_senders (ALTER SYSTEM SET max_wal_senders = N; then restart PostgreSQL), or end "
                 "replication connections no longer used."});
  return out;
}

// The setting names each engine reports, for skipped items.
std::vector<std::pair<std::string, std::string>> SettingNames(Engine engine) {
  if (engine == Engine::kMysql) {
    return {{"log_bin", "binary logging is on (log_bin)"},
            {"binlog_format", "binary log format is ROW (binlog_format)"},
            {"binlog_row_image", "binary log row image is FULL (binlog_row_image)"},
            {"binlog_row_metadata", "binary log row metadata is FULL (binlog_row_metadata)"},
            {"server_id", "server_id is set"}};
  }
  return {{"wal_level", "write-ahead log carries logical changes (wal_level)"},
          {"replication_slots", "a replication slot is free"},
          {"wal_senders", "a WAL sender is free"}};
}

void CheckSide(const PrecheckContext& context, Side side, bool required, std::vector<PrecheckItem>& items) {
  const Engine engine = context.endpoint(side).engine;
  const std::string prefix = std::string(SideName(side)) + ".";
  const char* purpose = side == Side::kSource ? "incremental synchronization" : "reverse synchronization";
  if (engine == Engine::kSqlite) {
    if (required) {
      items.push_back(
          Failed(prefix + "change_log", std::string("the ") + SideName(side) + " keeps a change log",
                 std::string("SQLite keeps no change log Godwit can read, so ") + purpose + " cannot start from it",
                 std::string("Leave ") + purpose +
                     " out of the migration type, or migrate from MySQL/MariaDB "
                     "or PostgreSQL."));
    }
    return;
  }
  Session* session = context.session(side);
  if (!session) {
    for (const auto& [name, title] : SettingNames(engine)) {
      items.push_back(Skipped(prefix + name, title, context.unavailable(side)));
    }
    return;
  }
  auto findings = engine == Engine::kMysql ? ReadMysql(*session) : ReadPostgres(*session);
  if (!findings.ok()) {
    const Status& st = findings.status();
    for (const auto& [name, title] : SettingNames(engine)) {
      PrecheckItem item = Failed(prefix + name, title, "cannot read the server's settings: " + st.message(), st.hint());
      if (!required || name == "binlog_row_metadata") item.status = PrecheckStatus::kWarning;
      items.push_back(std::move(item));
    }
    return;
  }
  for (Finding& f : *findings) {
    if (f.ok) {
      items.push_back(Passed(prefix + f.name, f.title, f.message));
    } else if (f.advisory) {
      items.push_back(Warning(prefix + f.name, f.title, f.message, f.hint));
    } else if (required) {
      items.push_back(Failed(prefix + f.name, f.title, f.message + ", which " + purpose + " cannot work with", f.hint));
    } else {
      items.push_back(Warning(prefix + f.name, f.title, f.message + " — needed later for " + purpose, f.hint));
    }
  }
}

}  // namespace

void CheckServerSettings(const PrecheckContext& context, std::vector<PrecheckItem>& items) {
  CheckSide(context, Side::kSource, context.request.incremental, items);
  if (context.request.reverse) CheckSide(context, Side::kDestination, true, items);
}

}  // namespace godwit::precheck
