#include "pipeline/schema_objects.h"

#include <algorithm>

#include "schema/source_statement.h"
#include "schema/sql_lexer.h"

namespace godwit {
namespace {

// SQLSTATEs of a statement naming an object that does not exist (yet):
// undefined table, object (type), function, schema.
bool MissingDependency(const Status& st) {
  const std::string& code = st.native_code();
  return code == "42P01" || code == "42704" || code == "42883" || code == "3F000";
}

// SQLSTATEs of "already exists": duplicate object, table/relation, function.
bool AlreadyExists(const Status& st) {
  const std::string& code = st.native_code();
  return code == "42710" || code == "42P07" || code == "42723";
}

// The first words each kind's statements may begin with: PostgreSQL's
// printers and the comments the reader assembles; MySQL's SHOW CREATE
// (without DEFINER) after the sql_mode the reader sets.
std::vector<std::string_view> Heads(ObjectKind kind, Engine engine) {
  if (engine == Engine::kMysql) {
    switch (kind) {
      case ObjectKind::kFunction:
      case ObjectKind::kProcedure:
        return {"SET SESSION sql_mode", "CREATE FUNCTION", "CREATE PROCEDURE", "CREATE AGGREGATE FUNCTION"};
      case ObjectKind::kTrigger: return {"SET SESSION sql_mode", "CREATE TRIGGER"};
      case ObjectKind::kEvent: return {"SET SESSION sql_mode", "SET SESSION time_zone", "CREATE EVENT"};
      default: return {};
    }
  }
  switch (kind) {
    case ObjectKind::kExtension: return {"CREATE EXTENSION"};
    case ObjectKind::kType: return {"CREATE TYPE", "COMMENT ON TYPE"};
    case ObjectKind::kDomain: return {"CREATE DOMAIN", "COMMENT ON DOMAIN"};
    case ObjectKind::kSequence: return {"CREATE SEQUENCE", "COMMENT ON SEQUENCE"};
    case ObjectKind::kFunction:
    case ObjectKind::kProcedure:
      return {"CREATE OR REPLACE FUNCTION", "CREATE OR REPLACE PROCEDURE", "COMMENT ON FUNCTION",
              "COMMENT ON PROCEDURE"};
    case ObjectKind::kAggregate: return {"CREATE AGGREGATE", "COMMENT ON AGGREGATE"};
    case ObjectKind::kTrigger: return {"CREATE TRIGGER", "CREATE CONSTRAINT TRIGGER", "COMMENT ON TRIGGER"};
    case ObjectKind::kMaterializedView: return {"CREATE MATERIALIZED VIEW", "COMMENT ON MATERIALIZED VIEW"};
    case ObjectKind::kEvent: return {"CREATE EVENT"};
  }
  return {};
}

std::string Capitalised(std::string_view s) {
  std::string out(s);
  if (!out.empty()) out[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(out[0])));
  return out;
}

// An object's statements as one text, for a record the DBA reads.
std::string Definition(const SchemaObject& o) {
  std::string out;
  for (const std::string& s : o.statements) out += (out.empty() ? "" : ";\n") + s;
  return out;
}

bool IsInteger(std::string_view s) {
  if (!s.empty() && s.front() == '-') s.remove_prefix(1);
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

SchemaObjects::SchemaObjects(SchemaObjectsContext context, std::vector<SchemaObject> objects,
                             std::set<TableRef> tables)
    : ctx_(context), tables_(std::move(tables)) {
  std::set<std::string> done;
  if (auto records = ctx_.meta.LoadTables(); records.ok()) {
    for (const TableRecord& r : *records) {
      if (r.status == "completed" || r.status == "manual") done.insert(r.key);
    }
  }
  std::set<std::string> schemas;
  for (SchemaObject& o : objects) {
    // A trigger belongs to its table: not migrated, not taken.
    if (o.kind == ObjectKind::kTrigger && !tables_.count(o.table)) continue;
    // Godwit's own tables' sequences stay where Godwit made them.
    if (o.kind == ObjectKind::kSequence && IsGodwitTable(o.table)) continue;
    Item item;
    item.key = std::string(ObjectKindName(o.kind)) + " " +
               (o.identity.find('.') != std::string::npos || o.ref.schema.empty() ? o.identity
                                                                                   : o.ref.schema + "." + o.identity);
    item.done = done.count(item.key) > 0;
    schemas.insert(o.ref.schema);
    item.object = std::move(o);
    items_.push_back(std::move(item));
  }
  for (const std::string& s : schemas) {
    std::string to = ctx_.mapping.SchemaOf(s);
    if (to != s) schema_renames_[s] = to;
  }
  for (const TableRef& t : tables_) {
    TableRef to = ctx_.mapping.DestinationOf(t);
    if (to.name != t.name) table_renames_[t] = to;
  }
}

std::map<std::pair<TableRef, std::string>, std::string> SchemaObjects::SerialDefaults() const {
  std::map<std::pair<TableRef, std::string>, std::string> out;
  if (!SameEngine() || ctx_.destination.engine() != Engine::kPostgres) return out;
  for (const Item& item : items_) {
    const SchemaObject& o = item.object;
    if (o.kind != ObjectKind::kSequence || o.owned_by_column.empty() || !tables_.count(o.table)) continue;
    TableRef seq{ctx_.mapping.SchemaOf(o.ref.schema), o.ref.name};
    auto name = sql::QuoteString(ctx_.destination.QualifiedName(seq), Engine::kPostgres);
    if (!name.ok()) continue;
    out[{o.table, o.owned_by_column}] = "nextval(" + *name + "::regclass)";
  }
  return out;
}

std::vector<SchemaObjects::Item*> SchemaObjects::Pending(std::initializer_list<ObjectKind> kinds) {
  std::vector<Item*> out;
  for (Item& item : items_) {
    if (item.done) continue;
    if (std::find(kinds.begin(), kinds.end(), item.object.kind) != kinds.end()) out.push_back(&item);
  }
  return out;
}

Result<std::vector<std::string>> SchemaObjects::Statements(const Item& item) const {
  const SchemaObject& o = item.object;
  if (!o.unsupported_reason.empty()) {
    return Status(ErrorCode::kUnsupported, Capitalised(ObjectKindName(o.kind)) + " " + item.key.substr(
                                               item.key.find(' ') + 1) + " is " + o.unsupported_reason +
                                               ", which Godwit does not carry",
                  "Create it on the destination by hand.");
  }
  const std::vector<std::string_view> heads = Heads(o.kind, ctx_.source_engine);
  SourceStatementRules rules;
  rules.heads = heads;
  rules.compound_body = ctx_.source_engine == Engine::kMysql;
  rules.schema_renames = &schema_renames_;
  rules.table_renames = &table_renames_;
  std::vector<std::string> out;
  for (const std::string& text : o.statements) {
    ASSIGN_OR_RETURN(std::string sql, SourceStatement(text, ctx_.source_engine, rules));
    out.push_back(std::move(sql));
  }
  return out;
}

void SchemaObjects::Completed(Item& item, const std::string& note) {
  item.done = true;
  const std::string destination = item.object.ref.schema.empty()
                                      ? item.object.ref.name
                                      : ctx_.mapping.SchemaOf(item.object.ref.schema) + "." + item.object.ref.name;
  ctx_.progress.SetTable({item.key, destination, 0, 0, "completed", ""});
  if (!note.empty()) ctx_.progress.AddWarning(item.key + ": " + note);
  ctx_.meta.SaveTable({item.key, destination, TablePhase::kCompleted, "completed", 0, 0, ""})
      .IgnoreBecause("an object without its record is created again on resume, which finds it there");
}

void SchemaObjects::Failed(Item& item, const Status& st) {
  item.done = true;  // for this run; a resume tries it again
  const std::string definition = Definition(item.object);
  std::string err = st.ToStringWithHint() + " — create it on the destination by hand, or exclude what needs it";
  if (!definition.empty()) err += ". Its definition on the source: " + definition;
  ctx_.progress.SetTable({item.key, "", 0, 0, "failed", err});
  ctx_.meta.SaveTable({item.key, "", TablePhase::kPending, "failed", 0, 0, err})
      .IgnoreBecause("the object's failure is counted and reported by this run");
  failed_.push_back(item.key);
}

void SchemaObjects::RecordManualItems() {
  if (SameEngine()) return;
  const std::string from(EngineName(ctx_.source_engine));
  const std::string to(EngineName(ctx_.destination.engine()));
  for (Item& item : items_) {
    const SchemaObject& o = item.object;
    if (item.done) continue;
    // Types and domains travel with their columns, an extension's objects
    // with whatever uses them; a serial's sequence is the auto-increment.
    if (o.kind == ObjectKind::kType || o.kind == ObjectKind::kDomain || o.kind == ObjectKind::kExtension) continue;
    if (o.kind == ObjectKind::kSequence && !o.owned_by_column.empty() && tables_.count(o.table)) continue;
    const std::string definition = Definition(o);
    std::string note = "a " + from + " " + std::string(ObjectKindName(o.kind)) + " is not carried to " + to +
                       ": recreate it by hand if the application needs it (it is a manual item of the "
                       "switchover). Its definition on the source: " +
                       (definition.empty() ? o.unsupported_reason : definition);
    item.done = true;
    ctx_.progress.AddWarning(item.key + " is a manual item: " + from + " " + std::string(ObjectKindName(o.kind)) +
                             "s are not carried to " + to + "; its record holds its definition");
    ctx_.progress.SetTable({item.key, "", 0, 0, "manual", note});
    ctx_.meta.SaveTable({item.key, "", TablePhase::kCompleted, "manual", 0, 0, note})
        .IgnoreBecause("a manual item without its record is listed again on resume");
  }
}

Status SchemaObjects::Run(Session& dst, const std::vector<std::string>& statements, size_t* failed_at) {
  Status st = ExecuteDdl(dst, ctx_.destination.TransactionalDdl(), statements, failed_at);
  if (ctx_.destination.engine() == Engine::kMysql) {
    // A MySQL object's statements set the sql_mode (and an event's time
    // zone) it was created under: the session goes back to its own.
    std::vector<std::string> own = ctx_.destination.ScriptSettings();
    own.push_back("SET time_zone = '+00:00'");  // as every Godwit MySQL session (connector/mysql)
    for (const std::string& sql : own) {
      if (Status restored = dst.Execute(sql); !restored.ok() && st.ok()) st = restored;
    }
  }
  return st;
}

void SchemaObjects::CreateInPasses(Session& dst, const std::vector<Item*>& items, bool defer_missing) {
  std::vector<Item*> pending = items;
  std::map<Item*, Status> last_error;
  bool progressed = true;
  while (progressed && !pending.empty()) {
    progressed = false;
    std::vector<Item*> again;
    for (Item* item : pending) {
      auto statements = Statements(*item);
      Status st = statements.status();
      size_t failed_at = 0;
      if (st.ok()) st = Run(dst, *statements, &failed_at);
      if (st.ok()) {
        Completed(*item);
        progressed = true;
      } else if (AlreadyExists(st)) {
        // A kill after the object committed and before its record: or the
        // DBA's own, which is used as it is, as an existing table is.
        Completed(*item, "already existed on the destination and was kept as it is");
        progressed = true;
      } else if (MissingDependency(st)) {
        last_error[item] = st;
        again.push_back(item);
      } else {
        Failed(*item, st);
      }
    }
    pending = std::move(again);
  }
  if (defer_missing) return;
  for (Item* item : pending) Failed(*item, last_error[item]);
}

void SchemaObjects::BeforeTables(Session& dst) {
  if (!SameEngine()) return;
  if (ctx_.destination.engine() == Engine::kPostgres) {
    // As pg_dump does: a SQL function's body may name tables not created
    // yet; it is checked when it runs.
    dst.Execute("SET check_function_bodies = off")
        .IgnoreBecause("without it, a function naming a table is created after the tables");
  }
  CreateInPasses(dst,
                 Pending({ObjectKind::kExtension, ObjectKind::kType, ObjectKind::kDomain, ObjectKind::kSequence,
                          ObjectKind::kFunction, ObjectKind::kProcedure, ObjectKind::kAggregate}),
                 true);
}

void SchemaObjects::AfterTables(Session& dst) {
  if (!SameEngine()) return;
  CreateInPasses(dst,
                 Pending({ObjectKind::kExtension, ObjectKind::kType, ObjectKind::kDomain, ObjectKind::kSequence,
                          ObjectKind::kFunction, ObjectKind::kProcedure, ObjectKind::kAggregate}),
                 false);
  if (ctx_.destination.engine() != Engine::kPostgres) return;
  // A serial's sequence belongs to its column, so that dropping the column
  // or the table drops it, as on the source. Idempotent: run every time.
  for (const Item& item : items_) {
    const SchemaObject& o = item.object;
    if (o.kind != ObjectKind::kSequence || o.owned_by_column.empty() || !tables_.count(o.table)) continue;
    TableRef table = ctx_.mapping.DestinationOf(o.table);
    std::string sql = "ALTER SEQUENCE " +
                      ctx_.destination.QualifiedName({ctx_.mapping.SchemaOf(o.ref.schema), o.ref.name}) +
                      " OWNED BY " + ctx_.destination.QualifiedName(table) + "." +
                      ctx_.destination.QuoteIdent(o.owned_by_column);
    if (Status st = dst.Execute(sql); !st.ok()) {
      ctx_.progress.AddWarning("sequence " + item.key.substr(9) + " could not be made to belong to " +
                               table.ToString() + "." + o.owned_by_column + ": " + st.ToString());
    }
  }
}

void SchemaObjects::AfterViews(Session& dst) {
  if (!SameEngine()) return;
  CreateInPasses(dst, Pending({ObjectKind::kMaterializedView}), false);
}

void SchemaObjects::AfterData(Session& src, Session& dst) {
  if (!SameEngine()) return;
  std::vector<Item*> triggers = Pending({ObjectKind::kTrigger, ObjectKind::kEvent});
  for (Item* item : triggers) {
    const SchemaObject& o = item->object;
    if (o.kind == ObjectKind::kTrigger && ctx_.synchronizes && ctx_.destination.engine() == Engine::kMysql) {
      // MySQL cannot disable a trigger, and one created now would fire on
      // every row synchronization replays: the switchover creates it.
      item->done = true;
      const std::string note =
          "not created yet: MySQL cannot disable a trigger, and this one would fire on the rows synchronization "
          "replays, which the source's trigger already acted on; the switchover creates it";
      ctx_.progress.AddWarning(item->key + " is " + note);
      ctx_.progress.SetTable({item->key, "", 0, 0, "deferred", note});
      ctx_.meta.SaveTable({item->key, "", TablePhase::kPending, "deferred", 0, 0, note})
          .IgnoreBecause("a deferred trigger without its record is deferred again on resume");
      continue;
    }
    // Created and disabled in one transaction (PostgreSQL): a trigger
    // never fires on rows that synchronization replays.
    auto statements = Statements(*item);
    Status st = statements.status();
    if (st.ok() && (ctx_.synchronizes || !o.enabled) && o.kind == ObjectKind::kTrigger &&
        ctx_.destination.engine() == Engine::kPostgres) {
      statements->push_back("ALTER TABLE " + ctx_.destination.QualifiedName(ctx_.mapping.DestinationOf(o.table)) +
                            " DISABLE TRIGGER " + ctx_.destination.QuoteIdent(o.ref.name));
    }
    if (st.ok() && o.kind == ObjectKind::kEvent) {
      // An event would run its statements on the destination on its own
      // schedule, beside the source's: it waits, disabled, for the DBA.
      statements->push_back("ALTER EVENT " + ctx_.destination.QuoteIdent(o.ref.name) + " DISABLE");
    }
    if (st.ok()) st = Run(dst, *statements);
    if (st.ok()) {
      Completed(*item, o.kind == ObjectKind::kEvent ? "created disabled: enable it once the destination is in use"
                       : ctx_.synchronizes && o.enabled
                           ? "created disabled: synchronization replays rows its source trigger already acted on; "
                             "the switchover enables it"
                           : "");
    } else if (AlreadyExists(st)) {
      Completed(*item, "already existed on the destination and was kept as it is");
    } else {
      Failed(*item, st);
    }
  }

  // Sequences: the source's values now. Run every time (idempotent): a
  // resumed run reads them again.
  if (ctx_.destination.engine() != Engine::kPostgres) return;
  std::vector<std::string> schemas;
  for (const Item& item : items_) {
    if (item.object.kind == ObjectKind::kSequence) schemas.push_back(item.object.ref.schema);
  }
  if (schemas.empty()) return;
  std::sort(schemas.begin(), schemas.end());
  schemas.erase(std::unique(schemas.begin(), schemas.end()), schemas.end());
  auto now = src.ReadObjects(schemas);
  if (!now.ok()) {
    ctx_.progress.AddWarning("the sequences' current values could not be read from the source (" +
                             now.status().ToString() + "); set them on the destination by hand");
    return;
  }
  for (const SchemaObject& o : *now) {
    if (o.kind != ObjectKind::kSequence || !o.sequence_last_value || !IsInteger(*o.sequence_last_value)) continue;
    auto name = sql::QuoteString(
        ctx_.destination.QualifiedName({ctx_.mapping.SchemaOf(o.ref.schema), o.ref.name}), Engine::kPostgres);
    if (!name.ok()) continue;
    if (Status st = dst.Execute("SELECT pg_catalog.setval(" + *name + ", " + *o.sequence_last_value + ", true)");
        !st.ok()) {
      ctx_.progress.AddWarning("sequence " + o.ref.ToString() + " could not be set to the source's value " +
                               *o.sequence_last_value + ": " + st.ToString());
    }
  }
}

}  // namespace godwit
