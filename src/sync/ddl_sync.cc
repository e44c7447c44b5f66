#include "sync/ddl_sync.h"

#include <cctype>
#include <set>

#include <fmt/format.h>

#include "connector/session.h"
#include "schema/dialect.h"
#include "schema/table_conversion.h"
#include "sync/heartbeat.h"
#include "schema/statement_redaction.h"

namespace godwit {

Status DdlSync::LoadPgCatalog(Session& src, const std::vector<TableSchema>& migrated) {
  ASSIGN_OR_RETURN(pg_relations_, PgTablesByOid(src));
  pg_index_tables_.clear();
  for (const TableSchema& t : migrated) {
    for (const IndexDef& i : t.indexes) pg_index_tables_[TableRef{t.ref.schema, i.name}] = t.ref;
  }
  return Status();
}

Status DdlSync::FollowColumns(const ChangeEvent& e, uint64_t seq, Session& dst, PartitionedApplier& applier,
                              const std::function<Status()>& settle) {
  Status st = settle();
  if (st.ok()) st = SyncTable(e.table, {.detect_renames = true}, dst, applier, false, &e.columns);
  if (st.ok()) return st;
  if (!st.retryable()) {
    MutexLock lock(s_.mu);
    s_.status.failed_ddl = FailedDdl{seq, "(columns of " + e.table.ToString() + " changed)", st.message()};
  }
  return st.WithContext("changing " + e.table.ToString() + " on the destination to the source's columns");
}

Status DdlSync::HandleDdl(const ChangeEvent& e, uint64_t seq, Session& dst, PartitionedApplier& applier,
                          const std::function<Status()>& settle) {
  DdlStatement ddl =
      ClassifyDdl(e.ddl, e.ddl_schema.empty() ? s_.source_default_schema : e.ddl_schema, s_.opt.source.engine);
  if (ddl.kind == DdlKind::kOther || IsGodwitTable(ddl.table)) return Status();
  const bool relevant = s_.InScope(ddl.table) || (ddl.kind == DdlKind::kRenameTable && s_.InScope(ddl.new_table));
  if (!relevant) return Status();
  return RunDdlStep(seq, e.ddl, settle, [&] { return ApplyDdl(ddl, e.ddl, dst, applier); });
}

Status DdlSync::HandlePgDdl(const PgDdl& r, uint64_t seq, Session& dst, PartitionedApplier& applier,
                            const std::function<Status()>& settle) {
  DdlStatement ddl;
  ddl.table = r.table;
  const std::string& tag = r.command_tag;
  if (tag == "DROP INDEX") {
    auto it = pg_index_tables_.find(r.index);
    if (it == pg_index_tables_.end()) return Status();  // not an index of a migrated table
    ddl.kind = DdlKind::kDropIndex;
    ddl.table = it->second;
    pg_index_tables_.erase(it);
  } else if (tag == "DROP TABLE") {
    ddl.kind = DdlKind::kDropTable;
    pg_relations_.erase(r.relation_oid);
  } else {
    // Index commands record their table's oid and name too.
    auto known = pg_relations_.find(r.relation_oid);
    if (tag == "ALTER TABLE" && known != pg_relations_.end() && !(known->second == r.table)) {
      ddl.kind = DdlKind::kRenameTable;
      ddl.table = known->second;
      ddl.new_table = r.table;
    } else if (tag == "ALTER TABLE") {
      ddl.kind = DdlKind::kAlterTable;
      std::string upper = r.statement;
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      // The statement text may hold several statements (one query
      // string), so its classification is a hint, widened by the words
      // any type, nullability or default change has.
      ddl.changes_column_definitions =
          ClassifyDdl(r.statement, r.table.schema, s_.opt.source.engine).changes_column_definitions ||
          upper.find(" TYPE ") != std::string::npos || upper.find("ALTER COLUMN") != std::string::npos;
    } else {
      ddl.kind = tag == "CREATE INDEX" ? DdlKind::kCreateIndex : DdlKind::kCreateTable;
    }
    if (r.relation_oid != 0) pg_relations_[r.relation_oid] = r.table;
  }
  if (IsGodwitTable(ddl.table)) return Status();
  const bool relevant = s_.InScope(ddl.table) || (ddl.kind == DdlKind::kRenameTable && s_.InScope(ddl.new_table));
  if (!relevant) return Status();
  return RunDdlStep(seq, r.statement, settle, [&]() -> Status {
    if (ddl.kind == DdlKind::kRenameTable || ddl.kind == DdlKind::kDropTable) {
      return ApplyDdl(ddl, r.statement, dst, applier);
    }
    // The table as of the command (its recorded columns), not as the
    // catalog has it by now: later DDL on it has its own step.
    return SyncTable(ddl.table, ColumnChangeOptions(ddl, r.statement), dst, applier, false,
                     r.columns.empty() ? nullptr : &r.columns);
  });
}

Status DdlSync::RunDdlStep(uint64_t seq, const std::string& captured, const std::function<Status()>& settle,
                           const std::function<Status()>& apply) {
  // What is logged and reported of the captured text, its literals and
  // comments blanked: a credential sent with the DDL (ALTER ROLE ...
  // PASSWORD in the same query string, a FEDERATED table's CONNECTION, a
  // COMMENT) must not reach the logs, the API or the project's error. The
  // classification above read the text as captured (a MySQL statement is
  // kept whole in the change log; PostgreSQL's trigger recorded it
  // redacted), and `apply` never runs it: the destination's DDL is planned
  // from the source's catalog (SyncTable). Skip goes by `seq`, not text.
  const std::string statement = RedactStatement(captured, s_.opt.source.engine);
  if (s_.opt.skip_ddl_sequences.count(seq)) {
    s_.Warn(fmt::format("DDL at change {} skipped as asked: {}", seq, statement));
    return Status();
  }
  if (!s_.opt.ddl_sync) {
    s_.Warn("DDL sync is off; not applied to the destination: " + statement);
    return Status();
  }
  RETURN_IF_ERROR(settle());
  Status st = apply();
  if (st.ok()) return st;
  if (st.retryable()) return st;  // the destination went away: reconnect and apply it again
  {
    MutexLock lock(s_.mu);
    s_.status.failed_ddl = FailedDdl{seq, statement, st.message()};
  }
  return Status(st.code(),
                fmt::format("the DDL at change {} could not be applied to the destination: {} — {}", seq, statement,
                            st.message()),
                "Make the destination table match the source by hand if it needs the change, then skip this DDL "
                "(godwit skip-ddl ID, or POST /api/v1/projects/ID/skip_ddl): the skip is recorded and "
                "synchronization continues after it.",
                st.native_code());
}

TableChangeOptions DdlSync::ColumnChangeOptions(const DdlStatement& ddl, const std::string& statement) const {
  auto upper = statement;
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  TableChangeOptions o;
  o.detect_renames = MayRenameColumns(statement, s_.opt.source.engine);
  if (ddl.changes_column_definitions) {
    o.redefines = [upper](const std::string& column) {
      std::string c = column;
      for (char& ch : c) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
      return upper.find(c) != std::string::npos;
    };
  }
  return o;
}

Status DdlSync::ApplyDdl(const DdlStatement& ddl, const std::string& statement, Session& dst,
                         PartitionedApplier& applier) {
  const Dialect& d = DialectFor(s_.opt.destination.engine);
  switch (ddl.kind) {
    case DdlKind::kTruncateTable: {
      // MySQL writes TRUNCATE to the binlog as a statement, not as row
      // events (PostgreSQL's arrives as a truncate event instead).
      auto it = tables_.find(ddl.table);
      if (it == tables_.end()) return Status();
      RETURN_IF_ERROR(dst.Execute(d.TruncateInTransaction(it->second.ref)));
      AppliedDdl(RedactStatement(d.TruncateInTransaction(it->second.ref), d.engine()));
      return Status();
    }
    case DdlKind::kRenameTable: return ApplyRename(ddl, dst, applier);
    case DdlKind::kDropTable: return SyncTable(ddl.table, {}, dst, applier, true);
    default: return SyncTable(ddl.table, ColumnChangeOptions(ddl, statement), dst, applier, false);
  }
}

Status DdlSync::ApplyRename(const DdlStatement& ddl, Session& dst, PartitionedApplier& applier) {
  const Dialect& d = DialectFor(s_.opt.destination.engine);
  const bool from_in = s_.InScope(ddl.table) && tables_.count(ddl.table);
  const bool to_in = s_.InScope(ddl.new_table);
  if (from_in && to_in) {
    const TableRef from = tables_.at(ddl.table).ref;
    const TableRef to = s_.mapping->DestinationOf(ddl.new_table);
    if (from.schema != to.schema) {
      return Status(ErrorCode::kUnsupported, "the rename moves " + from.ToString() + " to another schema (" +
                                                 to.ToString() + ") on the destination");
    }
    const std::string sql = d.RenameTable(from, to);
    RETURN_IF_ERROR(dst.Execute(sql));
    AppliedDdl(RedactStatement(sql, d.engine()));
    tables_.erase(ddl.table);
    applier.SetTable(ddl.table, std::nullopt);
    return SyncTable(ddl.new_table, {}, dst, applier, false);
  }
  if (from_in) {
    // The table leaves the migration: its destination copy stays as it is.
    s_.Warn("table " + ddl.table.ToString() + " was renamed to " + ddl.new_table.ToString() +
            ", which the migration does not include: its changes are no longer applied");
    tables_.erase(ddl.table);
    applier.SetTable(ddl.table, std::nullopt);
    return Status();
  }
  return SyncTable(ddl.new_table, {}, dst, applier, false);  // a table comes into the migration
}

Status DdlSync::SyncTable(const TableRef& source, const TableChangeOptions& options, Session& dst,
                          PartitionedApplier& applier, bool allow_drop, const std::vector<std::string>* event_columns) {
  const Dialect& d = DialectFor(s_.opt.destination.engine);
  ASSIGN_OR_RETURN(auto src, Connect(s_.opt.source));
  ASSIGN_OR_RETURN(Catalog source_catalog, src->ReadCatalog([&](const TableRef& r) { return r == source; }));
  for (const TableSchema& t : source_catalog.tables) {
    for (const IndexDef& i : t.indexes) pg_index_tables_[TableRef{t.ref.schema, i.name}] = t.ref;
  }
  const TableRef dest_ref = s_.mapping->DestinationOf(source);
  std::optional<TableSchema> wanted;
  if (!source_catalog.tables.empty()) {
    ASSIGN_OR_RETURN(auto converted, ConvertTable(source_catalog.tables[0], dest_ref, src->engine(), d, &*s_.mapping));
    for (const auto& w : converted.warnings) s_.Warn(w);
    wanted = std::move(converted.table);
  } else if (!allow_drop) {
    // Gone by now: a later DROP in the log brings the destination along.
    s_.Warn("table " + source.ToString() +
            " no longer exists on the source; its DDL is left to the statements after it");
    return Status();
  }
  ASSIGN_OR_RETURN(Catalog dest_catalog, dst.ReadCatalog([&](const TableRef& r) { return r == dest_ref; }));
  std::optional<TableSchema> current;
  if (!dest_catalog.tables.empty()) current = dest_catalog.tables[0];
  if (event_columns && wanted) {
    ASSIGN_OR_RETURN(wanted, ShapeAsOfChange(*wanted, current, *event_columns, options.redefines));
  }
  ASSIGN_OR_RETURN(TableChange change, PlanTableChange(wanted, current, d, options));
  for (const auto& w : change.warnings) s_.Warn(w);
  RETURN_IF_ERROR(RunStatements(change.statements, dst));
  {
    MutexLock lock(s_.mu);
    // Shown in the API: the source's defaults and comments blanked.
    for (const auto& sql : change.statements) s_.status.applied_ddl.push_back(RedactStatement(sql, d.engine()));
    if (wanted && !s_.by_table.count(source))
      s_.by_table[source] = SyncTableStats{source.ToString(), dest_ref.ToString()};
  }
  columns_seen_.erase(source);
  if (wanted) {
    tables_[source] = *wanted;
  } else {
    tables_.erase(source);
  }
  applier.SetTable(source, wanted);
  return Status();
}

Status DdlSync::RunStatements(const std::vector<std::string>& statements, Session& dst) {
  if (statements.empty()) return Status();
  const Dialect& d = DialectFor(s_.opt.destination.engine);
  size_t failed = statements.size();
  Status st = ExecuteDdl(dst, d.TransactionalDdl(), statements, &failed);
  if (st.ok() || failed >= statements.size()) return st;
  // The statement carries the source's defaults and comments: shown with
  // its literals blanked, like the captured one.
  return Status(st.code(), "running " + RedactStatement(statements[failed], d.engine()) + ": " + st.message(),
                st.hint(), st.native_code());
}

void DdlSync::AppliedDdl(const std::string& sql) {
  MutexLock lock(s_.mu);
  s_.status.applied_ddl.push_back(sql);
}

bool DdlSync::ColumnsMatch(const ChangeEvent& e) {
  auto seen = columns_seen_.find(e.table);
  if (seen != columns_seen_.end() && seen->second == e.columns) return true;
  auto it = tables_.find(e.table);
  if (it == tables_.end()) return true;  // not a migrated table: the applier reports it
  std::set<std::string> want, got(e.columns.begin(), e.columns.end());
  for (const Column& c : it->second.columns) want.insert(c.name);
  if (want != got) return false;
  columns_seen_[e.table] = e.columns;
  return true;
}

}  // namespace godwit
