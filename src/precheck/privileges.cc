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
// MySQL grants come from SHOW GRANTS (mysql_grants.h); PostgreSQL's from
// has_database_privilege / has_schema_privilege / has_table_privilege, and
// a table that already exists on the destination must be owned by the user
// for ALTER TABLE and CREATE INDEX. SQLite has no users: the source file
// must be readable, the destination file (or its directory, when it does
// not exist yet) writable — the directory too, for SQLite's WAL files.
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "precheck/check.h"
#include "precheck/mysql_grants.h"
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

std::string LiteralList(Engine engine, const std::set<std::string>& values) {
  std::string out;
  for (const auto& v : values) out += (out.empty() ? "" : ", ") + TextLiteral(engine, v);
  return out;
}

// ---------------------------------------------------------------- SQLite

void CheckSqliteFile(const PrecheckContext& context, Side side, std::vector<PrecheckItem>& items) {
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
    auto rows = QueryText(src, "SELECT 1 FROM " + d.QualifiedName(t.ref) + " WHERE 1 = 0", 1);
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

struct PgTableAccess {
  bool select = false, insert = false, update = false, remove = false, owner = false;
  bool Has(const std::string& privilege) const {
    if (privilege == "SELECT") return select;
    if (privilege == "INSERT") return insert;
    if (privilege == "UPDATE") return update;
    if (privilege == "DELETE") return remove;
    return owner;  // ALTER, INDEX: only the owner may
  }
};

// The current user's access to every table in `schemas`.
Result<std::map<TableRef, PgTableAccess>> ReadPgTableAccess(Session& session, const std::set<std::string>& schemas) {
  std::map<TableRef, PgTableAccess> out;
  if (schemas.empty()) return out;
  ASSIGN_OR_RETURN(auto rows, QueryText(session,
                                        "SELECT n.nspname, c.relname, has_table_privilege(c.oid, 'SELECT'), "
                                        "has_table_privilege(c.oid, 'INSERT'), has_table_privilege(c.oid, 'UPDATE'), "
                                        "has_table_privilege(c.oid, 'DELETE'), pg_has_role(c.relowner, 'USAGE') "
                                        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                                        "WHERE c.relkind IN ('r', 'p') AND n.nspname IN (" +
                                            LiteralList(Engine::kPostgres, schemas) + ")",
                                        7));
  for (const TextRow& row : rows) {
    auto yes = [&](int i) { return row[i] && *row[i] == "t"; };
    out[TableRef{row[0].value_or(""), row[1].value_or("")}] = {yes(2), yes(3), yes(4), yes(5), yes(6)};
  }
  return out;
}

// The account the grants are checked for, as GRANT spells it: 'user'@'host'.
std::string MysqlAccount(Session& session, const Endpoint& ep) {
  auto user = QueryText(session, "SELECT CURRENT_USER()", 1);
  std::string current = user.ok() && !user->empty() ? (*user)[0][0].value_or("") : "";
  size_t at = current.rfind('@');
  if (at == std::string::npos) return "'" + ep.user + "'@'%'";
  return "'" + current.substr(0, at) + "'@'" + current.substr(at + 1) + "'";
}

Result<MysqlGrants> ReadMysqlGrants(Session& session, const Endpoint& ep, std::string& account) {
  ASSIGN_OR_RETURN(auto rows, QueryText(session, "SHOW GRANTS", 1));
  std::vector<std::string> lines;
  for (const TextRow& row : rows) lines.push_back(row[0].value_or(""));
  account = MysqlAccount(session, ep);
  return MysqlGrants::Parse(lines);
}

std::string MysqlQuote(const std::string& name) { return DialectFor(Engine::kMysql).QuoteIdent(name); }
std::string PgQuote(const std::string& name) { return DialectFor(Engine::kPostgres).QuoteIdent(name); }

void CheckSourceTables(const PrecheckContext& context, std::vector<PrecheckItem>& items) {
  const PrecheckRequest& r = context.request;
  const std::string id = PrivilegesId(Side::kSource);
  if (r.source.engine == Engine::kSqlite) return CheckSqliteFile(context, Side::kSource, items);
  if (!context.source) return items.push_back(Skipped(id, SourceTitle(r), context.source_unavailable));
  if (!context.tables) return items.push_back(Skipped(id, SourceTitle(r), context.tables_unavailable));
  Session& src = *context.source;

  std::vector<std::string> problems, hints;
  std::set<std::string> schemas_lacking_select;
  ProbeSourceSelect(context, problems, schemas_lacking_select);

  std::vector<std::string> writes = SourceTablePrivileges(r);
  writes.erase(writes.begin());             // SELECT was probed above
  std::vector<std::string> lacking_writes;  // "t (INSERT, DELETE)"
  std::set<std::string> schemas_lacking_writes;
  if (!writes.empty()) {
    std::set<std::string> schemas;
    for (const TableSchema& t : *context.tables) schemas.insert(t.ref.schema);
    if (src.engine() == Engine::kMysql) {
      std::string account;
      auto grants = ReadMysqlGrants(src, r.source, account);
      if (!grants.ok()) {
        problems.push_back("cannot read the grants: " + grants.status().message());
      } else {
        for (const TableSchema& t : *context.tables) {
          std::vector<std::string> missing;
          for (const auto& p : writes) {
            if (!grants->HasOnTable(p, t.ref.schema, t.ref.name)) missing.push_back(p);
          }
          if (!missing.empty()) {
            lacking_writes.push_back(t.ref.ToString() + " (" + Join(missing) + ")");
            schemas_lacking_writes.insert(t.ref.schema);
          }
        }
        for (const auto& s : schemas_lacking_writes) {
          hints.push_back("GRANT INSERT, UPDATE, DELETE ON " + MysqlQuote(s) + ".* TO " + account + ";");
        }
      }
    } else {
      auto access = ReadPgTableAccess(src, schemas);
      if (!access.ok()) {
        problems.push_back("cannot read table privileges: " + access.status().message());
      } else {
        for (const TableSchema& t : *context.tables) {
          auto it = access->find(t.ref);
          std::vector<std::string> missing;
          for (const auto& p : writes) {
            if (it == access->end() || !it->second.Has(p)) missing.push_back(p);
          }
          if (!missing.empty()) {
            lacking_writes.push_back(t.ref.ToString() + " (" + Join(missing) + ")");
            schemas_lacking_writes.insert(t.ref.schema);
          }
        }
        for (const auto& s : schemas_lacking_writes) {
          hints.push_back("GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA " + PgQuote(s) + " TO " +
                          PgQuote(r.source.user) + ";");
        }
      }
    }
    if (!lacking_writes.empty()) {
      problems.push_back("reverse synchronization cannot write to " + NameList(lacking_writes));
    }
  }

  for (const auto& s : schemas_lacking_select) {
    if (src.engine() == Engine::kMysql) {
      hints.insert(hints.begin(), "GRANT SELECT ON " + MysqlQuote(s) + ".* TO " + MysqlAccount(src, r.source) + ";");
    } else {
      hints.insert(hints.begin(), "GRANT USAGE ON SCHEMA " + PgQuote(s) + " TO " + PgQuote(r.source.user) +
                                      "; GRANT SELECT ON ALL TABLES IN SCHEMA " + PgQuote(s) + " TO " +
                                      PgQuote(r.source.user) + ";");
    }
  }
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

void CheckMysqlDestination(const PrecheckContext& context, const std::vector<std::string>& needed,
                           std::vector<std::string>& problems, std::vector<std::string>& hints) {
  Session& dst = *context.destination;
  std::string account;
  auto grants = ReadMysqlGrants(dst, context.request.destination, account);
  if (!grants.ok()) {
    problems.push_back("cannot read the grants: " + grants.status().message());
    return;
  }
  // A privilege missing on a database still counts when every chosen table
  // going there has it by a table grant (CREATE excepted: new tables need it
  // on the database).
  std::map<std::string, std::vector<TableRef>> tables_by_db;
  if (context.tables) {
    for (const TableSchema& t : *context.tables) {
      TableRef ref = context.DestinationOf(t.ref);
      tables_by_db[ref.schema].push_back(ref);
    }
  }
  for (const std::string& db : DestinationSchemas(context)) {
    std::vector<std::string> missing;
    for (const std::string& p : needed) {
      if (grants->HasOnDatabase(p, db)) continue;
      bool by_tables = p != "CREATE" && !tables_by_db[db].empty();
      for (const TableRef& ref : tables_by_db[db]) by_tables = by_tables && grants->HasOnTable(p, db, ref.name);
      if (!by_tables) missing.push_back(p);
    }
    if (!missing.empty()) {
      problems.push_back("the destination user lacks " + Join(missing) + " on database " + db);
      hints.push_back("GRANT " + Join(missing) + " ON " + MysqlQuote(db) + ".* TO " + account + ";");
    }
  }
}

void CheckPostgresDestination(const PrecheckContext& context, const std::vector<std::string>& needed,
                              std::vector<std::string>& problems, std::vector<std::string>& hints) {
  const PrecheckRequest& r = context.request;
  Session& dst = *context.destination;
  const bool creates = r.schema || r.full;
  const std::string user = PgQuote(r.destination.user);
  std::set<std::string> schemas = DestinationSchemas(context);

  auto db = QueryText(dst, "SELECT current_database(), has_database_privilege(current_database(), 'CREATE')", 2);
  auto ns = QueryText(dst,
                      "SELECT nspname, has_schema_privilege(oid, 'CREATE'), has_schema_privilege(oid, 'USAGE') "
                      "FROM pg_namespace WHERE nspname IN (" +
                          LiteralList(Engine::kPostgres, schemas) + ")",
                      3);
  auto access = ReadPgTableAccess(dst, schemas);
  for (const Status* st : {&db.status(), &ns.status(), &access.status()}) {
    if (!st->ok()) {
      problems.push_back("cannot read the destination's privileges: " + st->message());
      return;
    }
  }
  const std::string database = (*db)[0][0].value_or("");
  const bool may_create_schemas = (*db)[0][1].value_or("") == "t";
  std::map<std::string, std::pair<bool, bool>> schema_access;  // name -> (CREATE, USAGE)
  for (const TextRow& row : *ns) {
    schema_access[row[0].value_or("")] = {row[1].value_or("") == "t", row[2].value_or("") == "t"};
  }
  for (const std::string& s : schemas) {
    auto it = schema_access.find(s);
    if (it == schema_access.end()) {
      if (!creates) {
        problems.push_back("schema " + s + " does not exist on the destination, and no stage chosen creates it");
        hints.push_back("CREATE SCHEMA " + PgQuote(s) + " AUTHORIZATION " + user +
                        "; (or choose the schema migration)");
      } else if (!may_create_schemas) {
        problems.push_back("schema " + s + " does not exist and the user may not create schemas in database " +
                           database);
        hints.push_back("GRANT CREATE ON DATABASE " + PgQuote(database) + " TO " + user + ";");
      }
      continue;
    }
    auto [create, usage] = it->second;
    if (!usage) {
      problems.push_back("no USAGE on schema " + s);
      hints.push_back("GRANT USAGE ON SCHEMA " + PgQuote(s) + " TO " + user + ";");
    }
    if (creates && !create) {
      problems.push_back("no CREATE on schema " + s);
      hints.push_back("GRANT CREATE ON SCHEMA " + PgQuote(s) + " TO " + user + ";");
    }
  }
  // Tables that already exist on the destination are loaded as they are;
  // the user needs the row privileges on them and, to add indexes and
  // constraints, to own them.
  if (!context.tables) return;
  std::vector<std::string> lacking;
  std::vector<std::string> table_privileges;
  bool needs_owner = false;
  for (const std::string& p : needed) {
    if (p == "ALTER" || p == "INDEX")
      needs_owner = true;
    else if (p != "CREATE")
      table_privileges.push_back(p);
  }
  std::vector<std::string> grant_hints;
  for (const TableSchema& t : *context.tables) {
    TableRef ref = context.DestinationOf(t.ref);
    auto it = access->find(ref);
    if (it == access->end()) continue;  // created by the migration, owned by the user
    std::vector<std::string> missing;
    for (const auto& p : table_privileges) {
      if (!it->second.Has(p)) missing.push_back(p);
    }
    if (needs_owner && !it->second.owner) missing.push_back("ownership (for ALTER TABLE and CREATE INDEX)");
    if (!missing.empty()) {
      lacking.push_back(ref.ToString() + " (" + Join(missing) + ")");
      const std::string name = DialectFor(Engine::kPostgres).QualifiedName(ref);
      if (!it->second.owner && needs_owner) grant_hints.push_back("ALTER TABLE " + name + " OWNER TO " + user + ";");
      if (!table_privileges.empty())
        grant_hints.push_back("GRANT " + Join(table_privileges) + " ON " + name + " TO " + user + ";");
    }
  }
  if (!lacking.empty()) {
    problems.push_back("existing destination tables lack " + NameList(lacking));
    for (size_t i = 0; i < grant_hints.size() && i < 6; ++i) hints.push_back(grant_hints[i]);
  }
}

void CheckDestination(const PrecheckContext& context, std::vector<PrecheckItem>& items) {
  const PrecheckRequest& r = context.request;
  const std::vector<std::string> needed = DestinationPrivileges(r);
  if (needed.empty()) return;  // no stage writes to or reads from the destination's tables
  const std::string id = PrivilegesId(Side::kDestination);
  const std::string title = DestinationTitle(needed);
  if (r.destination.engine == Engine::kSqlite) return CheckSqliteFile(context, Side::kDestination, items);
  if (!context.destination) return items.push_back(Skipped(id, title, context.destination_unavailable));

  std::vector<std::string> problems, hints;
  if (r.destination.engine == Engine::kMysql) {
    CheckMysqlDestination(context, needed, problems, hints);
  } else {
    CheckPostgresDestination(context, needed, problems, hints);
  }
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
  if (ep.engine == Engine::kSqlite) return;  // no change log at all; server_settings.cc says so
  const std::string id = ReplicationId(side);
  const std::string title = side == Side::kSource
                                ? "replication privileges on the source, for incremental synchronization"
                                : "replication privileges on the destination, for reverse synchronization";
  Session* session = context.session(side);
  if (!session) return items.push_back(Skipped(id, title, context.unavailable(side)));

  if (ep.engine == Engine::kMysql) {
    std::string account;
    auto grants = ReadMysqlGrants(*session, ep, account);
    if (!grants.ok()) {
      return items.push_back(
          Failed(id, title, "cannot read the grants: " + grants.status().message(), grants.status().hint()));
    }
    std::vector<std::string> missing;
    if (!grants->HasGlobal("REPLICATION SLAVE")) missing.push_back("REPLICATION SLAVE");
    if (!grants->HasGlobal("REPLICATION CLIENT") && !grants->HasGlobal("BINLOG MONITOR")) {
      missing.push_back("REPLICATION CLIENT");
    }
    if (missing.empty()) {
      return items.push_back(
          Passed(id, title, account + " may read the binary log (REPLICATION SLAVE, REPLICATION CLIENT)"));
    }
    return items.push_back(Failed(id, title,
                                  account + " lacks " + Join(missing) + " on *.*, needed to read the binary log",
                                  "GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO " + account + ";"));
  }

  auto rows = QueryText(*session,
                        "SELECT current_user, rolreplication, rolsuper FROM pg_roles WHERE rolname = current_user", 3);
  if (!rows.ok() || rows->empty()) {
    std::string why = rows.ok() ? "the role is not in pg_roles" : rows.status().message();
    return items.push_back(Failed(id, title, "cannot read the role's attributes: " + why, ""));
  }
  const TextRow& row = (*rows)[0];
  const std::string role = row[0].value_or("");
  if (row[1].value_or("") == "t" || row[2].value_or("") == "t") {
    return items.push_back(Passed(id, title, "role " + role + " may use logical replication"));
  }
  items.push_back(Failed(id, title,
                         "role " + role +
                             " has neither the REPLICATION attribute nor superuser, needed to create a "
                             "replication slot and stream changes",
                         "ALTER ROLE " + PgQuote(role) +
                             " REPLICATION; and allow it replication connections in "
                             "pg_hba.conf (host replication " +
                             role + " ...)."));
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
