// The precheck's questions answered by MySQL/MariaDB (server_checks.h).
//
// Privileges come from SHOW GRANTS (mysql_grants.h), for the account the
// server matched (CURRENT_USER()). Reading the binary log needs
// REPLICATION SLAVE and REPLICATION CLIENT (MariaDB 10.5+ calls the latter
// BINLOG MONITOR).
//
// Settings: log_bin = ON, binlog_format = ROW, binlog_row_image = FULL
// (every column of the row before and after, so a change can be applied
// by key and verified), server_id != 0 (a server without one refuses
// binlog clients); binlog_row_metadata = FULL is recommended, never
// required: without it rows written before an ALTER that capture reads
// after it cannot be decoded, which only matters if DDL runs while capture
// is behind.
#include <map>
#include <memory>

#include "connector/mysql/mysql_grants.h"
#include "connector/server_checks.h"
#include "schema/dialect.h"

namespace godwit {
namespace mysql {
namespace {

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

std::string Quote(const std::string& name) { return DialectFor(Engine::kMysql).QuoteIdent(name); }

// The account the grants are checked for, as GRANT spells it: 'user'@'host'.
std::string Account(Session& session, const Endpoint& ep) {
  auto user = QueryTextRows(session, "SELECT CURRENT_USER()", 1);
  std::string current = user.ok() && !user->empty() ? (*user)[0][0].value_or("") : "";
  size_t at = current.rfind('@');
  if (at == std::string::npos) return "'" + ep.user + "'@'%'";
  return "'" + current.substr(0, at) + "'@'" + current.substr(at + 1) + "'";
}

Result<MysqlGrants> ReadGrants(Session& session, const Endpoint& ep, std::string& account) {
  ASSIGN_OR_RETURN(auto rows, QueryTextRows(session, "SHOW GRANTS", 1));
  std::vector<std::string> lines;
  for (const TextRow& row : rows) lines.push_back(row[0].value_or(""));
  account = Account(session, ep);
  return MysqlGrants::Parse(lines);
}

std::vector<SettingFinding> Findings(const std::map<std::string, std::string>& vars) {
  auto get = [&](const char* name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
  std::vector<SettingFinding> out;
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

class MysqlServerChecks : public ServerChecks {
 public:
  bool IsFile() const override { return false; }

  std::string AssumedDefaultSchema(const Endpoint& ep) const override { return ep.database; }

  Result<std::vector<SettingFinding>> CaptureSettings() const override {
    std::vector<SettingFinding> out = Findings({});
    for (SettingFinding& f : out) f = {f.name, f.title, false, "", "", f.advisory};
    return out;
  }

  Result<std::vector<SettingFinding>> ReadCaptureSettings(Session& db) const override {
    ASSIGN_OR_RETURN(auto rows, QueryTextRows(db,
                                              "SHOW GLOBAL VARIABLES WHERE Variable_name IN "
                                              "('log_bin', 'binlog_format', 'binlog_row_image', "
                                              "'binlog_row_metadata', 'server_id')",
                                              2));
    std::map<std::string, std::string> vars;
    for (const TextRow& row : rows) vars[row[0].value_or("")] = row[1].value_or("");
    return Findings(vars);
  }

  Result<TablePrivileges> ReadTablePrivileges(Session& db, const Endpoint& ep,
                                              const std::set<std::string>&) const override {
    std::string account;
    auto grants = ReadGrants(db, ep, account);
    if (!grants.ok())
      return Status(grants.status().code(), "cannot read the grants: " + grants.status().message(),
                    grants.status().hint());
    auto shared = std::make_shared<MysqlGrants>(std::move(*grants));
    return TablePrivileges{[shared](const std::string& privilege, const TableRef& t) {
                             return shared->HasOnTable(privilege, t.schema, t.name);
                           },
                           [account](const std::string& schema) {
                             return "GRANT INSERT, UPDATE, DELETE ON " + Quote(schema) + ".* TO " + account + ";";
                           }};
  }

  std::string GrantSelect(Session& db, const Endpoint& ep, const std::string& schema) const override {
    return "GRANT SELECT ON " + Quote(schema) + ".* TO " + Account(db, ep) + ";";
  }

  void CheckDestination(Session& db, const Endpoint& ep, const DestinationNeeds& needs,
                        std::vector<std::string>& problems, std::vector<std::string>& hints) const override;

  Verdict CheckReplication(Session& db, const Endpoint& ep) const override;
};

void MysqlServerChecks::CheckDestination(Session& db, const Endpoint& ep, const DestinationNeeds& needs,
                                         std::vector<std::string>& problems, std::vector<std::string>& hints) const {
  std::string account;
  auto grants = ReadGrants(db, ep, account);
  if (!grants.ok()) {
    problems.push_back("cannot read the grants: " + grants.status().message());
    return;
  }
  // A privilege missing on a database still counts when every chosen table
  // going there has it by a table grant (CREATE excepted: new tables need it
  // on the database).
  std::map<std::string, std::vector<TableRef>> tables_by_db;
  if (needs.tables) {
    for (const TableRef& ref : *needs.tables) tables_by_db[ref.schema].push_back(ref);
  }
  for (const std::string& database : needs.schemas) {
    std::vector<std::string> missing;
    for (const std::string& p : needs.privileges) {
      if (grants->HasOnDatabase(p, database)) continue;
      bool by_tables = p != "CREATE" && !tables_by_db[database].empty();
      for (const TableRef& ref : tables_by_db[database]) {
        by_tables = by_tables && grants->HasOnTable(p, database, ref.name);
      }
      if (!by_tables) missing.push_back(p);
    }
    if (!missing.empty()) {
      problems.push_back("the destination user lacks " + Join(missing) + " on database " + database);
      hints.push_back("GRANT " + Join(missing) + " ON " + Quote(database) + ".* TO " + account + ";");
    }
  }
}

Verdict MysqlServerChecks::CheckReplication(Session& db, const Endpoint& ep) const {
  std::string account;
  auto grants = ReadGrants(db, ep, account);
  if (!grants.ok()) {
    return {false, "cannot read the grants: " + grants.status().message(), grants.status().hint()};
  }
  std::vector<std::string> missing;
  if (!grants->HasGlobal("REPLICATION SLAVE")) missing.push_back("REPLICATION SLAVE");
  if (!grants->HasGlobal("REPLICATION CLIENT") && !grants->HasGlobal("BINLOG MONITOR")) {
    missing.push_back("REPLICATION CLIENT");
  }
  if (missing.empty()) return {true, account + " may read the binary log (REPLICATION SLAVE, REPLICATION CLIENT)", ""};
  return {false, account + " lacks " + Join(missing) + " on *.*, needed to read the binary log",
          "GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO " + account + ";"};
}

}  // namespace
}  // namespace mysql

const ServerChecks& MysqlServerChecksInstance() {
  static const mysql::MysqlServerChecks checks;
  return checks;
}

}  // namespace godwit
