// Privileges: does each side's user hold what the stages chosen will do?
//
//   source       SELECT on every chosen table — probed with
//                `SELECT 1 FROM t WHERE 1 = 0`, which answers for grants,
//                roles and schema USAGE alike; reverse synchronization also
//                writes back: INSERT, UPDATE, DELETE.
//   destination  schema/full: CREATE, ALTER, INDEX (tables, then indexes
//                and constraints after the rows); full: INSERT, DELETE
//                (a retried chunk deletes its key range first);
//                incremental: INSERT, UPDATE, DELETE; verification: SELECT.
//   replication  incremental on the source, reverse on the destination:
//                MySQL REPLICATION SLAVE + REPLICATION CLIENT (MariaDB
//                10.5+ calls the latter BINLOG MONITOR); PostgreSQL the
//                REPLICATION attribute or superuser.
//
// What the user holds is each engine's to say (connector/server_checks.h:
// MySQL from SHOW GRANTS, PostgreSQL from has_*_privilege and table
// ownership); this file decides what to ask for the stages chosen and
// turns the answers into items. A database that is a file (SQLite) has no
// users: the source file must be readable, the destination file (or its
// directory, when it does not exist yet) writable — the directory too, for
// SQLite's WAL files.
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "connector/server_checks.h"
#include "precheck/check.h"
#include "schema/dialect.h"

namespace godwit::precheck {
namespace {

std::string PrivilegesId(Side side) { return std::string(SideName(side)) + ".privileges"; }
std::string ReplicationId(Side side) { return std::string(SideName(side)) + ".replication_privileges"; }

std::string Join(const std::vector<std::string>& parts, const std::string& sep = ", ") {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : sep) + p;
  return out;
}

void AddUnique(std::vector<std::string>& list, const std::string& value) {
  if (std::find(list.begin(), list.end(), value) == list.end()) list.push_back(value);
}

// What each side's user must be allowed to do on tables, by stage.
std::vector<std::string> SourceTablePrivileges(const PrecheckRequest& r) {
  std::vector<std::string> out = {"SELECT"};
  if (r.reverse) out.insert(out.end(), {"INSERT", "UPDATE", "DELETE"});
  return out;
}

std::vector<std::string> DestinationPrivileges(const PrecheckRequest& r) {
  std::vector<std::string> out;
  if (r.schema || r.full) {
    for (const char* p : {"CREATE", "ALTER", "INDEX"}) AddUnique(out, p);
  }
  if (r.full) {
    for (const char* p : {"INSERT", "DELETE"}) AddUnique(out, p);
  }
  if (r.incremental) {
    for (const char* p : {"INSERT", "UPDATE", "DELETE"}) AddUnique(out, p);
  }
  if (r.verification) AddUnique(out, "SELECT");
  return out;
}

std::string SourceTitle(const PrecheckRequest& r) {
  return r.reverse ? "SELECT on the chosen source tables, and INSERT, UPDATE, DELETE for reverse synchronization"
                   : "SELECT on the chosen source tables";
}

std::string DestinationTitle(const std::vector<std::string>& privileges) {
  return Join(privileges) + " on the destination";
}

// The destination schemas the chosen tables go to (the default one when
// the tables are not known).
std::set<std::string> DestinationSchemas(const PrecheckContext& context) {
  std::set<std::string> out;
  if (context.tables) {
    for (const TableSchema& t : *context.tables) out.insert(context.DestinationOf(t.ref).schema);
  } else if (context.destination) {
    out.insert(context.destination->default_schema());
  }
  return out;
}

// ---------------------------------------------------------------- a file (SQLite)

void CheckFile(const PrecheckContext& context, Side side, std::vector<PrecheckItem>& items) {
  const std::string& path = context.endpoint(side).path;
  std::filesystem::path dir = std::filesystem::path(path).parent_path();
  if (dir.empty()) dir = ".";
  const bool writes = side == Side::kDestination || context.request.reverse;
  const std::string id = PrivilegesId(side);
  const std::string title = writes ? "the SQLite file and its directory are writable" : "the SQLite file is readable";
  if (!context.unavailable(side).empty()) return items.push_back(Skipped(id, title, context.unavailable(side)));
  std::error_code ec;
  const bool exists = std::filesystem::exists(path, ec);
  std::vector<std::string> problems;
  if (exists && access(path.c_str(), R_OK) != 0) problems.push_back(path + " is not readable");
  if (exists && writes && access(path.c_str(), W_OK) != 0) problems.push_back(path + " is not writable");
  if (writes && std::filesystem::is_directory(dir, ec) && access(dir.c_str(), W_OK | X_OK) != 0) {
    problems.push_back("the directory " + dir.string() + " is not writable (SQLite keeps its journal beside the file)");
  }
  if (problems.empty()) {
    items.push_back(Passed(id, title, writes ? path + " can be written" : path + " can be read"));
  } else {
    items.push_back(Failed(id, title, Join(problems, "; "),
                           "Give the user Godwit runs as access (chmod/chown), or choose another path."));
  }
}

// ---------------------------------------------------------------- source tables

// Probes SELECT on each chosen table; the probe reads no row.
void ProbeSourceSelect(const PrecheckContext& context, std::vector<std::string>& problems,
                       std::set<std::string>& schemas_lacking) {
  Session& src = *context.source;
  const Dialect& d = DialectFor(src.engine());
  std::vector<std::string> denied;
  std::string first_error;
  for (const TableSchema& t : *context.tables) {
    auto rows = QueryTextRows(src, "SELECT 1 FROM " + d.QualifiedName(t.ref) + " WHERE 1 = 0", 1);
    if (!rows.ok()) {
      denied.push_back(t.ref.ToString());
      schemas_lacking.insert(t.ref.schema);
      if (first_error.empty()) first_error = rows.status().message();
    }
  }
  if (!denied.empty()) {
    problems.push_back("cannot read " + NameList(denied) + " (" + first_error + ")");
  }
}

// Reverse synchronization writes back to the source: INSERT, UPDATE,
// DELETE (`writes`) on every chosen table.
void CheckSourceWrites(const PrecheckContext& context, const ServerChecks& checks,
                       const std::vector<std::string>& writes, std::vector<std::string>& problems,
                       std::vector<std::string>& hints) {
  std::set<std::string> schemas;
  for (const TableSchema& t : *context.tables) schemas.insert(t.ref.schema);
  auto privileges = checks.ReadTablePrivileges(*context.source, context.request.source, schemas);
  if (!privileges.ok()) return problems.push_back(privileges.status().message());
  std::vector<std::string> lacking;  // "t (INSERT, DELETE)"
  std::set<std::string> schemas_lacking;
  for (const TableSchema& t : *context.tables) {
    std::vector<std::string> missing;
    for (const auto& p : writes) {
      if (!privileges->has(p, t.ref)) missing.push_back(p);
    }
    if (!missing.empty()) {
      lacking.push_back(t.ref.ToString() + " (" + Join(missing) + ")");
      schemas_lacking.insert(t.ref.schema);
    }
  }
  for (const auto& s : schemas_lacking) hints.push_back(privileges->grant_writes(s));
  if (!lacking.empty()) problems.push_back("reverse synchronization cannot write to " + NameList(lacking));
}

void CheckSourceTables(const PrecheckContext& context, std::vector<PrecheckItem>& items) {
  const PrecheckRequest& r = context.request;
  const std::string id = PrivilegesId(Side::kSource);
  const ServerChecks& checks = ServerChecksFor(r.source.engine);
  if (checks.IsFile()) return CheckFile(context, Side::kSource, items);
  if (!context.source) return items.push_back(Skipped(id, SourceTitle(r), context.source_unavailable));
  if (!context.tables) return items.push_back(Skipped(id, SourceTitle(r), context.tables_unavailable));
  Session& src = *context.source;

  std::vector<std::string> problems, hints;
  std::set<std::string> schemas_lacking_select;
  ProbeSourceSelect(context, problems, schemas_lacking_select);

  std::vector<std::string> writes = SourceTablePrivileges(r);
  writes.erase(writes.begin());  // SELECT was probed above
  if (!writes.empty()) CheckSourceWrites(context, checks, writes, problems, hints);

  for (const auto& s : schemas_lacking_select) hints.insert(hints.begin(), checks.GrantSelect(src, r.source, s));
  if (problems.empty()) {
    items.push_back(Passed(id, SourceTitle(r),
                           "the source user may " + Join(SourceTablePrivileges(r)) + " on all " +
                               std::to_string(context.tables->size()) + " chosen table(s)"));
  } else {
    items.push_back(Failed(id, SourceTitle(r), Join(problems, "; "),
                           hints.empty() ? "Grant the missing privileges to the source user." : Join(hints, " ")));
  }
}

// ---------------------------------------------------------------- destination

void CheckDestination(const PrecheckContext& context, std::vector<PrecheckItem>& items) {
  const PrecheckRequest& r = context.request;
  const std::vector<std::string> needed = DestinationPrivileges(r);
  if (needed.empty()) return;  // no stage writes to or reads from the destination's tables
  const std::string id = PrivilegesId(Side::kDestination);
  const std::string title = DestinationTitle(needed);
  const ServerChecks& checks = ServerChecksFor(r.destination.engine);
  if (checks.IsFile()) return CheckFile(context, Side::kDestination, items);
  if (!context.destination) return items.push_back(Skipped(id, title, context.destination_unavailable));

  DestinationNeeds needs{needed, r.schema || r.full, DestinationSchemas(context), std::nullopt};
  if (context.tables) {
    needs.tables.emplace();
    for (const TableSchema& t : *context.tables) needs.tables->push_back(context.DestinationOf(t.ref));
  }
  std::vector<std::string> problems, hints;
  checks.CheckDestination(*context.destination, r.destination, needs, problems, hints);
  if (problems.empty()) {
    std::string scope = context.tables ? "" : " (tables not checked: " + context.tables_unavailable + ")";
    items.push_back(Passed(id, title, "the destination user holds " + Join(needed) + scope));
  } else {
    items.push_back(Failed(id, title, Join(problems, "; "), Join(hints, " ")));
  }
}

// ---------------------------------------------------------------- replication

void CheckReplication(const PrecheckContext& context, Side side, std::vector<PrecheckItem>& items) {
  const Endpoint& ep = context.endpoint(side);
  // No change log at all (SQLite); server_settings.cc says so.
  if (!ServerChecksFor(ep.engine).CaptureSettings().ok()) return;
  const std::string id = ReplicationId(side);
  const std::string title = side == Side::kSource
                                ? "replication privileges on the source, for incremental synchronization"
                                : "replication privileges on the destination, for reverse synchronization";
  Session* session = context.session(side);
  if (!session) return items.push_back(Skipped(id, title, context.unavailable(side)));

  const Verdict verdict = ServerChecksFor(ep.engine).CheckReplication(*session, ep);
  items.push_back(verdict.ok ? Passed(id, title, verdict.message) : Failed(id, title, verdict.message, verdict.hint));
}

}  // namespace

void CheckPrivileges(const PrecheckContext& context, std::vector<PrecheckItem>& items) {
  const PrecheckRequest& r = context.request;
  CheckSourceTables(context, items);
  CheckDestination(context, items);
  if (r.incremental) CheckReplication(context, Side::kSource, items);
  if (r.reverse) CheckReplication(context, Side::kDestination, items);
}

}  // namespace godwit::precheck
