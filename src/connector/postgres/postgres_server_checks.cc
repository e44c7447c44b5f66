// The precheck's questions answered by PostgreSQL (server_checks.h).
//
// Privileges come from has_database_privilege / has_schema_privilege /
// has_table_privilege; a table that already exists on the destination
// must be owned by the user for ALTER TABLE and CREATE INDEX. Logical
// replication needs the REPLICATION attribute or superuser.
//
// Settings: wal_level = logical, a free replication slot
// (max_replication_slots minus slots in use) and a free WAL sender
// (max_wal_senders minus walsender backends).
//
// Captured tables: each must let logical replication identify its rows.
#include <cstdlib>
#include <map>
#include <memory>

#include "connector/postgres/pg_change_stream.h"
#include "connector/server_checks.h"
#include "schema/dialect.h"

namespace godwit {
namespace pg {
namespace {

std::string Join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : ", ") + p;
  return out;
}

const Dialect& PgDialect() { return DialectFor(Engine::kPostgres); }
std::string Quote(const std::string& name) { return PgDialect().QuoteIdent(name); }

std::string LiteralList(const std::set<std::string>& values) {
  ColumnType text;
  text.kind = TypeKind::kText;
  std::string out;
  for (const auto& v : values) out += (out.empty() ? "" : ", ") + PgDialect().Literal(text, v);
  return out;
}

struct TableAccess {
  bool select = false, insert = false, update = false, remove = false, owner = false;
  bool Has(const std::string& privilege) const {
    if (privilege == "SELECT") return select;
    if (privilege == "INSERT") return insert;
    if (privilege == "UPDATE") return update;
    if (privilege == "DELETE") return remove;
    return owner;  // ALTER, INDEX: only the owner may
  }
};
using AccessMap = std::map<TableRef, TableAccess>;

// The current user's access to every table in `schemas`.
Result<AccessMap> ReadTableAccess(Session& session, const std::set<std::string>& schemas) {
  AccessMap out;
  if (schemas.empty()) return out;
  ASSIGN_OR_RETURN(auto rows, QueryTextRows(session,
                                            "SELECT n.nspname, c.relname, has_table_privilege(c.oid, 'SELECT'), "
                                            "has_table_privilege(c.oid, 'INSERT'), "
                                            "has_table_privilege(c.oid, 'UPDATE'), "
                                            "has_table_privilege(c.oid, 'DELETE'), pg_has_role(c.relowner, 'USAGE') "
                                            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                                            "WHERE c.relkind IN ('r', 'p') AND n.nspname IN (" +
                                                LiteralList(schemas) + ")",
                                            7));
  for (const TextRow& row : rows) {
    auto yes = [&](int i) { return row[i] && *row[i] == "t"; };
    out[TableRef{row[0].value_or(""), row[1].value_or("")}] = {yes(2), yes(3), yes(4), yes(5), yes(6)};
  }
  return out;
}

// Each destination schema must exist (or be creatable) and be usable.
void CheckSchemas(const std::string& database, bool may_create_schemas, const std::vector<TextRow>& namespaces,
                  const DestinationNeeds& needs, const std::string& user, std::vector<std::string>& problems,
                  std::vector<std::string>& hints) {
  std::map<std::string, std::pair<bool, bool>> schema_access;  // name -> (CREATE, USAGE)
  for (const TextRow& row : namespaces) {
    schema_access[row[0].value_or("")] = {row[1].value_or("") == "t", row[2].value_or("") == "t"};
  }
  for (const std::string& s : needs.schemas) {
    auto it = schema_access.find(s);
    if (it == schema_access.end()) {
      if (!needs.creates) {
        problems.push_back("schema " + s + " does not exist on the destination, and no stage chosen creates it");
        hints.push_back("CREATE SCHEMA " + Quote(s) + " AUTHORIZATION " + user + "; (or choose the schema migration)");
      } else if (!may_create_schemas) {
        problems.push_back("schema " + s + " does not exist and the user may not create schemas in database " +
                           database);
        hints.push_back("GRANT CREATE ON DATABASE " + Quote(database) + " TO " + user + ";");
      }
      continue;
    }
    auto [create, usage] = it->second;
    if (!usage) {
      problems.push_back("no USAGE on schema " + s);
      hints.push_back("GRANT USAGE ON SCHEMA " + Quote(s) + " TO " + user + ";");
    }
    if (needs.creates && !create) {
      problems.push_back("no CREATE on schema " + s);
      hints.push_back("GRANT CREATE ON SCHEMA " + Quote(s) + " TO " + user + ";");
    }
  }
}

// Tables that already exist on the destination are loaded as they are;
// the user needs the row privileges on them and, to add indexes and
// constraints, to own them.
void CheckExistingTables(const AccessMap& access, const DestinationNeeds& needs, const std::string& user,
                         std::vector<std::string>& problems, std::vector<std::string>& hints) {
  std::vector<std::string> lacking;
  std::vector<std::string> table_privileges;
  bool needs_owner = false;
  for (const std::string& p : needs.privileges) {
    if (p == "ALTER" || p == "INDEX")
      needs_owner = true;
    else if (p != "CREATE")
      table_privileges.push_back(p);
  }
  std::vector<std::string> grant_hints;
  for (const TableRef& ref : *needs.tables) {
    auto it = access.find(ref);
    if (it == access.end()) continue;  // created by the migration, owned by the user
    std::vector<std::string> missing;
    for (const auto& p : table_privileges) {
      if (!it->second.Has(p)) missing.push_back(p);
    }
    if (needs_owner && !it->second.owner) missing.push_back("ownership (for ALTER TABLE and CREATE INDEX)");
    if (!missing.empty()) {
      lacking.push_back(ref.ToString() + " (" + Join(missing) + ")");
      const std::string name = PgDialect().QualifiedName(ref);
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

std::vector<SettingFinding> Findings(const std::string& wal_level, long long max_slots, long long used_slots,
                                     long long max_senders, long long used_senders) {
  std::vector<SettingFinding> out;
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

class PostgresServerChecks : public ServerChecks {
 public:
  bool IsFile() const override { return false; }

  std::string AssumedDefaultSchema(const Endpoint&) const override { return "public"; }

  Result<std::vector<SettingFinding>> CaptureSettings() const override {
    std::vector<SettingFinding> out = Findings("", 0, 0, 0, 0);
    for (SettingFinding& f : out) f = {f.name, f.title, false, "", "", f.advisory};
    return out;
  }

  Result<std::vector<SettingFinding>> ReadCaptureSettings(Session& db) const override {
    ASSIGN_OR_RETURN(auto rows,
                     QueryTextRows(db,
                                   "SELECT current_setting('wal_level'), current_setting('max_replication_slots'), "
                                   "(SELECT count(*) FROM pg_replication_slots), current_setting('max_wal_senders'), "
                                   "(SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'walsender')",
                                   5));
    if (rows.empty()) return Status(ErrorCode::kReadFailed, "the server returned no settings");
    const TextRow& row = rows[0];
    auto number = [&](int i) { return std::atoll(row[i].value_or("0").c_str()); };
    return Findings(row[0].value_or(""), number(1), number(2), number(3), number(4));
  }

  Result<TablePrivileges> ReadTablePrivileges(Session& db, const Endpoint& ep,
                                              const std::set<std::string>& schemas) const override {
    auto access = ReadTableAccess(db, schemas);
    if (!access.ok()) {
      return Status(access.status().code(), "cannot read table privileges: " + access.status().message(),
                    access.status().hint());
    }
    auto shared = std::make_shared<AccessMap>(std::move(*access));
    const std::string user = Quote(ep.user);
    return TablePrivileges{[shared](const std::string& privilege, const TableRef& t) {
                             auto it = shared->find(t);
                             return it != shared->end() && it->second.Has(privilege);
                           },
                           [user](const std::string& schema) {
                             return "GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA " + Quote(schema) + " TO " +
                                    user + ";";
                           }};
  }

  std::string GrantSelect(Session&, const Endpoint& ep, const std::string& schema) const override {
    const std::string user = Quote(ep.user);
    return "GRANT USAGE ON SCHEMA " + Quote(schema) + " TO " + user + "; GRANT SELECT ON ALL TABLES IN SCHEMA " +
           Quote(schema) + " TO " + user + ";";
  }

  void CheckDestination(Session& db, const Endpoint& ep, const DestinationNeeds& needs,
                        std::vector<std::string>& problems, std::vector<std::string>& hints) const override {
    auto database =
        QueryTextRows(db, "SELECT current_database(), has_database_privilege(current_database(), 'CREATE')", 2);
    auto namespaces = QueryTextRows(db,
                                    "SELECT nspname, has_schema_privilege(oid, 'CREATE'), "
                                    "has_schema_privilege(oid, 'USAGE') FROM pg_namespace WHERE nspname IN (" +
                                        LiteralList(needs.schemas) + ")",
                                    3);
    auto access = ReadTableAccess(db, needs.schemas);
    for (const Status* st : {&database.status(), &namespaces.status(), &access.status()}) {
      if (!st->ok()) {
        problems.push_back("cannot read the destination's privileges: " + st->message());
        return;
      }
    }
    const std::string user = Quote(ep.user);
    CheckSchemas((*database)[0][0].value_or(""), (*database)[0][1].value_or("") == "t", *namespaces, needs, user,
                 problems, hints);
    if (needs.tables) CheckExistingTables(*access, needs, user, problems, hints);
  }

  Verdict CheckReplication(Session& db, const Endpoint&) const override {
    auto rows = QueryTextRows(
        db, "SELECT current_user, rolreplication, rolsuper FROM pg_roles WHERE rolname = current_user", 3);
    if (!rows.ok() || rows->empty()) {
      std::string why = rows.ok() ? "the role is not in pg_roles" : rows.status().message();
      return {false, "cannot read the role's attributes: " + why, ""};
    }
    const TextRow& row = (*rows)[0];
    const std::string role = row[0].value_or("");
    if (row[1].value_or("") == "t" || row[2].value_or("") == "t") {
      return {true, "role " + role + " may use logical replication", ""};
    }
    return {false,
            "role " + role +
                " has neither the REPLICATION attribute nor superuser, needed to create a replication slot and "
                "stream changes",
            "ALTER ROLE " + Quote(role) +
                " REPLICATION; and allow it replication connections in pg_hba.conf (host replication " + role +
                " ...)."};
  }

  std::optional<CapturedTablesCheck> CapturedTablesDemand() const override {
    return CapturedTablesCheck{"replica_identity",
                               "PostgreSQL can identify the rows of every chosen table (replica identity)"};
  }

  Verdict CheckCapturedTables(Session& db, std::span<const TableRef> tables) const override;
};

// A table without a primary key and with REPLICA IDENTITY DEFAULT (or
// NOTHING) cannot be identified by logical replication; once it is in
// Godwit's publication, PostgreSQL refuses UPDATE and DELETE on it on the
// source, breaking the application.
Verdict PostgresServerChecks::CheckCapturedTables(Session& db, std::span<const TableRef> tables) const {
  auto unidentified = TablesWithoutReplicaIdentity(db, tables);
  if (!unidentified.ok()) {
    return {false, "could not read the replica identities: " + unidentified.status().message(),
            "Grant the migration user SELECT on pg_class and pg_index (the default)."};
  }
  if (unidentified->empty()) return {true, "every chosen table has a primary key or a replica identity", ""};
  std::vector<std::string> names;
  for (const TableRef& t : *unidentified) names.push_back(t.ToString());
  return {false,
          std::to_string(names.size()) + " table(s) have no primary key and REPLICA IDENTITY DEFAULT or NOTHING: " +
              NameList(names) + ". In the publication, PostgreSQL would refuse UPDATE and DELETE on them on the source",
          "For each: add a primary key, or ALTER TABLE ... REPLICA IDENTITY FULL (or USING INDEX on a unique index "
          "over NOT NULL columns); or exclude the tables from the migration."};
}

}  // namespace
}  // namespace pg

const ServerChecks& PostgresServerChecksInstance() {
  static const pg::PostgresServerChecks checks;
  return checks;
}

}  // namespace godwit
