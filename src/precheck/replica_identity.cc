// PostgreSQL source with incremental synchronization: every chosen table
// must let logical replication identify its rows. A table without a
// primary key and with REPLICA IDENTITY DEFAULT (or NOTHING) cannot; once
// it is in Godwit's publication, PostgreSQL refuses UPDATE and DELETE on
// it on the source, breaking the application. So the precheck fails and
// names each table with the ways out.
#include "connector/postgres/pg_change_stream.h"
#include "precheck/check.h"

namespace godwit::precheck {
namespace {

constexpr const char* kId = "source.replica_identity";
constexpr const char* kTitle = "PostgreSQL can identify the rows of every chosen table (replica identity)";

}  // namespace

void CheckReplicaIdentity(const PrecheckContext& context, std::vector<PrecheckItem>& items) {
  if (!context.request.incremental || context.request.source.engine != Engine::kPostgres) return;
  if (!context.source) return items.push_back(Skipped(kId, kTitle, context.source_unavailable));
  if (!context.tables) return items.push_back(Skipped(kId, kTitle, context.tables_unavailable));
  std::vector<TableRef> refs;
  for (const TableSchema& t : *context.tables) refs.push_back(t.ref);
  auto unidentified = pg::TablesWithoutReplicaIdentity(*context.source, refs);
  if (!unidentified.ok()) {
    return items.push_back(Failed(kId, kTitle, "could not read the replica identities: " +
                                                   unidentified.status().message(),
                                  "Grant the migration user SELECT on pg_class and pg_index (the default)."));
  }
  if (unidentified->empty()) {
    return items.push_back(Passed(kId, kTitle, "every chosen table has a primary key or a replica identity"));
  }
  std::vector<std::string> names;
  for (const TableRef& t : *unidentified) names.push_back(t.ToString());
  items.push_back(Failed(kId, kTitle,
                         std::to_string(names.size()) +
                             " table(s) have no primary key and REPLICA IDENTITY DEFAULT or NOTHING: " +
                             NameList(names) +
                             ". In the publication, PostgreSQL would refuse UPDATE and DELETE on them on the source",
                         "For each: add a primary key, or ALTER TABLE ... REPLICA IDENTITY FULL (or USING INDEX on a "
                         "unique index over NOT NULL columns); or exclude the tables from the migration."));
}

}  // namespace godwit::precheck
