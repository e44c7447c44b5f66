// Incremental synchronization: what the source's engine demands of every
// captured table beyond a key (connector/server_checks.h). PostgreSQL
// demands rows a publication can identify (replica identity): once a table
// without them is in Godwit's publication, PostgreSQL refuses UPDATE and
// DELETE on it on the source, breaking the application. So the precheck
// fails and names each table with the ways out.
#include "connector/server_checks.h"
#include "precheck/check.h"

namespace godwit::precheck {

void CheckReplicaIdentity(const PrecheckContext& context, std::vector<PrecheckItem>& items) {
  if (!context.request.incremental) return;
  const ServerChecks& checks = ServerChecksFor(context.request.source.engine);
  const std::optional<CapturedTablesCheck> demand = checks.CapturedTablesDemand();
  if (!demand) return;
  const std::string id = "source." + demand->name;
  if (!context.source) return items.push_back(Skipped(id, demand->title, context.source_unavailable));
  if (!context.tables) return items.push_back(Skipped(id, demand->title, context.tables_unavailable));
  std::vector<TableRef> refs;
  for (const TableSchema& t : *context.tables) refs.push_back(t.ref);
  const Verdict verdict = checks.CheckCapturedTables(*context.source, refs);
  items.push_back(verdict.ok ? Passed(id, demand->title, verdict.message)
                             : Failed(id, demand->title, verdict.message, verdict.hint));
}

}  // namespace godwit::precheck
