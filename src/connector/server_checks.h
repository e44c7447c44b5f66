// What the precheck asks of a database that only its engine can answer:
// what the user may do (grants, roles, table ownership) and the server
// settings change capture needs. One implementation per engine in
// connector/<engine>/<engine>_server_checks.cc; precheck/ stays the
// engine-neutral runner that asks these questions for the stages chosen
// and turns the answers into items.
//
// Answers are in a DBA's words: a problem says what is lacking ("the
// destination user lacks CREATE on database shop"), a hint is the
// statement that fixes it ("GRANT CREATE ON `shop`.* TO 'u'@'%';"). The
// checks only read: catalogs, grants, settings.
//
// Thread-safety: implementations keep no state; ServerChecksFor's objects
// live for the program and may be used from any thread. A Session is used
// by one thread at a time, as always.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "connector/endpoint.h"
#include "connector/session.h"
#include "model/row_collector.h"

namespace godwit {

// A server setting change capture needs, as read from the server.
struct SettingFinding {
  std::string name;  // "binlog_format": the precheck's item id is "<side>.<name>"
  std::string title;
  bool ok = false;
  std::string message;
  std::string hint;  // what to change when not ok
  // Not ok is a warning even when change capture is chosen: capture works
  // without it, with a limit the message names.
  bool advisory = false;
};

// What the user may do on the tables the precheck asked about.
struct TablePrivileges {
  // True when the user holds `privilege` ("INSERT") on `table`.
  std::function<bool(const std::string& privilege, const TableRef& table)> has;
  // The statement granting INSERT, UPDATE, DELETE on every table of `schema`.
  std::function<std::string(const std::string& schema)> grant_writes;
};

// What the destination's stages will do there.
struct DestinationNeeds {
  std::vector<std::string> privileges;  // "CREATE", "ALTER", "INDEX", "INSERT", "UPDATE", "DELETE", "SELECT"
  bool creates = false;                 // the schema or full migration creates schemas and tables
  std::set<std::string> schemas;        // where the chosen tables go
  // The destination names of the chosen tables; nullopt when the source
  // catalog could not be read.
  std::optional<std::vector<TableRef>> tables;
};

// A yes/no answer with what was found and, when no, what to do.
struct Verdict {
  bool ok = false;
  std::string message;
  std::string hint;
};

// A check an engine adds on the tables change capture will read.
struct CapturedTablesCheck {
  std::string name;  // the precheck's item id is "source.<name>"
  std::string title;
};

class ServerChecks {
 public:
  virtual ~ServerChecks() = default;

  // True for a database that is a local file (SQLite): it has no users or
  // grants, Godwit may do what the file system lets it, and a destination
  // that does not exist yet is created by the migration. The privilege
  // questions below are then not asked.
  virtual bool IsFile() const = 0;

  // The schema tables of `ep` go to when none is named, without asking
  // the server (for when the connection failed).
  virtual std::string AssumedDefaultSchema(const Endpoint& ep) const = 0;

  // The settings change capture needs, with ok = false and no message
  // (for items that could not be checked). kUnsupported, saying so, when
  // the engine keeps no change log Godwit can read.
  virtual Result<std::vector<SettingFinding>> CaptureSettings() const = 0;
  // The same settings as `db`'s server has them.
  virtual Result<std::vector<SettingFinding>> ReadCaptureSettings(Session& db) const = 0;

  // What the user of `db` (connected as `ep` says) may do on the tables of
  // `schemas`. The error's message says what could not be read.
  virtual Result<TablePrivileges> ReadTablePrivileges(Session& db, const Endpoint& ep,
                                                      const std::set<std::string>& schemas) const = 0;
  // The statements granting SELECT on every table of `schema` (and access
  // to the schema where that is separate).
  virtual std::string GrantSelect(Session& db, const Endpoint& ep, const std::string& schema) const = 0;

  // Whether the destination's user may do what `needs` says: appends what
  // it lacks to `problems` and the statements that grant it to `hints`.
  virtual void CheckDestination(Session& db, const Endpoint& ep, const DestinationNeeds& needs,
                                std::vector<std::string>& problems, std::vector<std::string>& hints) const = 0;

  // Whether the user may read the change log (replication privileges).
  virtual Verdict CheckReplication(Session& db, const Endpoint& ep) const = 0;

  // What change capture demands of every captured table beyond what all
  // engines need, when this engine demands something (PostgreSQL: rows a
  // publication can identify, or the source refuses UPDATE and DELETE on
  // them once they are in it). nullopt: nothing.
  virtual std::optional<CapturedTablesCheck> CapturedTablesDemand() const { return std::nullopt; }
  // Whether `tables` meet that demand; asked only when there is one.
  virtual Verdict CheckCapturedTables(Session&, std::span<const TableRef>) const { return {true, "", ""}; }
};

// The checks for `engine`; lives for the program.
const ServerChecks& ServerChecksFor(Engine engine);

// "a, b, c" of at most `limit` names, then "and N more": how answers (and
// the precheck's items) list tables.
std::string NameList(const std::vector<std::string>& names, size_t limit = 20, const std::string& separator = ", ");

}  // namespace godwit
