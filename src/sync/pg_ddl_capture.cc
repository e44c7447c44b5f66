#include "sync/pg_ddl_capture.h"

#include <cctype>

#include <nlohmann/json.hpp>

#include "pipeline/object_mapping.h"
#include "schema/dialect.h"

namespace godwit {
namespace {

const Dialect& Pg() { return DialectFor(Engine::kPostgres); }
std::string Lit(const std::string& s) { return Pg().Literal(ColumnType{}, s); }

// Object names per stream, from its publication (= slot) name, which is
// unique per project and at most 63 bytes; PostgreSQL would cut longer
// names itself, silently.
std::string Limit(std::string name) {
  if (name.size() > 63) name.resize(63);
  return name;
}
std::string TriggerName(const std::string& publication) { return Limit("godwit_ddl_" + publication); }
std::string DropTriggerName(const std::string& publication) { return Limit("godwit_ddl_drop_" + publication); }

// Whether "schema.table" or the bare table name matches one of `globs`,
// as SQL over the variables of the trigger function.
std::string MatchesAny(const std::vector<std::string>& globs) {
  std::string alternatives;
  for (const auto& g : globs) alternatives += (alternatives.empty() ? "" : "|") + GlobToPgRegex(g);
  const std::string re = Lit("^(?:" + alternatives + ")$");
  return "(rel_schema || '.' || rel_name ~ " + re + " OR rel_name ~ " + re + ")";
}

std::string FunctionSql(const TableRef& fn, const TableRef& log, const std::string& publication,
                        const std::string& stream_id, const ObjectRules& objects) {
  const std::string in_scope = objects.include.empty() ? "true" : MatchesAny(objects.include);
  const std::string excluded = objects.exclude.empty() ? "false" : MatchesAny(objects.exclude);
  const std::string log_table = Pg().QualifiedName(log);
  const std::string system_schema =
      "r.schema_name IS NULL OR r.schema_name IN ('pg_catalog', 'information_schema') OR r.schema_name LIKE 'pg\\_%'";
  // The body runs as the function's owner (SECURITY DEFINER): whoever runs
  // the DDL needs no rights on the log table or the publication. The
  // handler at the end turns any failure into a WARNING: the user's DDL
  // must never fail because Godwit could not record it.
  return "CREATE OR REPLACE FUNCTION " + Pg().QualifiedName(fn) +
         "() RETURNS event_trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS "
         "$godwit$\n"
         "DECLARE\n"
         "  r record; rel oid; rel_schema text; rel_name text; rel_kind text; idx_name text; cols text;\n"
         "BEGIN\n"
         "  IF TG_EVENT = 'sql_drop' THEN\n"
         "    FOR r IN SELECT * FROM pg_event_trigger_dropped_objects()\n"
         "             WHERE original AND object_type IN ('table', 'index') LOOP\n"
         "      CONTINUE WHEN " + system_schema + ";\n"
         "      INSERT INTO " + log_table +
         " (stream_id, command_tag, object_type, schema_name, object_identity, table_name, index_name,\n"
         "                          relation_oid, statement)\n"
         "      VALUES (" + Lit(stream_id) + ", TG_TAG, r.object_type, r.schema_name, r.object_identity,\n"
         "              CASE WHEN r.object_type = 'table' THEN r.object_name END,\n"
         "              CASE WHEN r.object_type = 'index' THEN r.object_name END, r.objid, current_query());\n"
         "    END LOOP;\n"
         "    RETURN;\n"
         "  END IF;\n"
         "  FOR r IN SELECT * FROM pg_event_trigger_ddl_commands()\n"
         "           WHERE object_type IN ('table', 'index', 'table column') LOOP\n"
         "    CONTINUE WHEN " + system_schema + ";\n"
         "    rel := r.objid; idx_name := NULL; rel_kind := NULL;\n"
         "    IF r.object_type = 'index' THEN\n"
         "      SELECT i.indrelid, c.relname INTO rel, idx_name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid\n"
         "       WHERE i.indexrelid = r.objid;\n"
         "    END IF;\n"
         "    SELECT n.nspname, c.relname, c.relkind::text INTO rel_schema, rel_name, rel_kind\n"
         "      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = rel;\n"
         "    CONTINUE WHEN rel_kind IS NULL OR rel_kind NOT IN ('r', 'p')\n"
         "               OR rel_name IN ('" + std::string(kHeartbeatTableName) + "', '" + kCheckpointTableName +
         "', '" + kDdlLogTableName + "');\n"
         "    SELECT coalesce(json_agg(attname ORDER BY attnum), '[]')::text INTO cols FROM pg_attribute\n"
         "     WHERE attrelid = rel AND attnum > 0 AND NOT attisdropped;\n"
         "    INSERT INTO " + log_table +
         " (stream_id, command_tag, object_type, schema_name, object_identity, table_name, index_name,\n"
         "                        relation_oid, column_names, statement)\n"
         "    VALUES (" + Lit(stream_id) +
         ", r.command_tag, r.object_type, rel_schema, r.object_identity, rel_name, idx_name, rel, cols,\n"
         "            current_query());\n"
         // Publishing only identifiable tables: see the header.
         "    IF r.command_tag IN ('CREATE TABLE', 'CREATE TABLE AS', 'SELECT INTO', 'ALTER TABLE') AND rel_kind = 'r'\n"
         "       AND " + in_scope + " AND NOT " + excluded + "\n"
         "       AND EXISTS (SELECT 1 FROM pg_publication WHERE pubname = " + Lit(publication) + ")\n"
         "       AND NOT EXISTS (SELECT 1 FROM pg_publication_rel pr JOIN pg_publication p ON p.oid = pr.prpubid\n"
         "                        WHERE p.pubname = " + Lit(publication) + " AND pr.prrelid = rel)\n"
         "       AND EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = rel AND NOT c.relispartition AND (\n"
         "             c.relreplident = 'f'\n"
         "          OR (c.relreplident = 'd' AND EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = rel AND i.indisprimary))\n"
         "          OR (c.relreplident = 'i' AND EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = rel AND i.indisreplident))))\n"
         "    THEN\n"
         "      EXECUTE format('ALTER PUBLICATION %I ADD TABLE %I.%I', " + Lit(publication) + ", rel_schema, rel_name);\n"
         "    END IF;\n"
         "  END LOOP;\n"
         "EXCEPTION WHEN OTHERS THEN\n"
         "  RAISE WARNING 'Godwit (synchronization %) could not record this DDL, which is therefore not carried to the "
         "destination: %', " + Lit(stream_id) + ", SQLERRM;\n"
         "END\n"
         "$godwit$";
}

const FieldValue* Field(const ChangeEvent& e, const std::string& name) {
  for (size_t i = 0; i < e.columns.size() && i < e.after.size(); ++i) {
    if (e.columns[i] == name) return &e.after[i];
  }
  return nullptr;
}

std::string Text(const ChangeEvent& e, const std::string& name) {
  const FieldValue* v = Field(e, name);
  return v && v->state == FieldValue::State::kValue ? v->bytes : std::string();
}

}  // namespace

TableRef DdlLogTable(Session& source) { return TableRef{source.default_schema(), kDdlLogTableName}; }

std::string GlobToPgRegex(const std::string& glob) {
  std::string out;
  for (size_t i = 0; i < glob.size(); ++i) {
    const char c = glob[i];
    if (c == '*') {
      out += ".*";
    } else if (c == '?') {
      out += '.';
    } else if (c == '\\' && i + 1 < glob.size()) {
      const char next = glob[++i];
      if (!std::isalnum(static_cast<unsigned char>(next)) && static_cast<unsigned char>(next) < 0x80) out += '\\';
      out += next;
    } else if (c == '[') {
      // fnmatch: "[!...]" negates, and a ']' first in the set is a member.
      size_t j = i + 1;
      if (j < glob.size() && (glob[j] == '!' || glob[j] == '^')) ++j;
      if (j < glob.size() && glob[j] == ']') ++j;
      while (j < glob.size() && glob[j] != ']') ++j;
      if (j >= glob.size()) {
        out += "\\[";
        continue;
      }
      out += '[';
      size_t k = i + 1;
      if (glob[k] == '!' || glob[k] == '^') {
        out += '^';
        ++k;
      }
      for (; k < j; ++k) {
        if (glob[k] == '\\') out += '\\';  // a backslash escapes in a PostgreSQL bracket expression
        out += glob[k];
      }
      out += ']';
      i = j;
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || static_cast<unsigned char>(c) >= 0x80) {
      out += c;
    } else {
      out += '\\';
      out += c;
    }
  }
  return out;
}

Status EnsurePgDdlCapture(Session& source, const std::string& publication, const std::string& stream_id,
                          const ObjectRules& objects) {
  const TableRef log = DdlLogTable(source);
  const TableRef fn{source.default_schema(), TriggerName(publication)};
  const std::string tags_end = "'CREATE TABLE', 'CREATE TABLE AS', 'SELECT INTO', 'ALTER TABLE', 'CREATE INDEX'";
  // One statement per Execute (sessions run exactly one), in one transaction.
  const std::vector<std::string> statements = {
      "BEGIN",
      "CREATE TABLE IF NOT EXISTS " + Pg().QualifiedName(log) +
      " (id bigserial PRIMARY KEY, stream_id text NOT NULL, command_tag text NOT NULL, object_type text, "
      "schema_name text, object_identity text, table_name text, index_name text, relation_oid bigint, "
      "column_names text, statement text, at timestamptz NOT NULL DEFAULT now())",
      FunctionSql(fn, log, publication, stream_id, objects),
      "DROP EVENT TRIGGER IF EXISTS " + Pg().QuoteIdent(TriggerName(publication)),
      "CREATE EVENT TRIGGER " + Pg().QuoteIdent(TriggerName(publication)) + " ON ddl_command_end WHEN TAG IN (" +
          tags_end + ") EXECUTE FUNCTION " + Pg().QualifiedName(fn) + "()",
      "DROP EVENT TRIGGER IF EXISTS " + Pg().QuoteIdent(DropTriggerName(publication)),
      "CREATE EVENT TRIGGER " + Pg().QuoteIdent(DropTriggerName(publication)) +
          " ON sql_drop WHEN TAG IN ('DROP TABLE', 'DROP INDEX') EXECUTE FUNCTION " + Pg().QualifiedName(fn) + "()",
      "COMMIT"};
  Status st;
  for (size_t i = 0; i < statements.size() && st.ok(); ++i) st = source.Execute(statements[i]);
  if (!st.ok()) {
    source.Execute("ROLLBACK").IgnoreError();
    const std::string what =
        "DDL on the PostgreSQL source is not captured (" + st.message() +
        "): tables created, renamed or dropped, column type changes and index changes are not carried to the "
        "destination; added, dropped and renamed columns still are, from the rows";
    if (st.code() == ErrorCode::kPermissionDenied) {
      return Status(st.code(), what,
                    "Capturing DDL needs an event trigger, which only a superuser may create: run the project with a "
                    "superuser on the source, or make such changes on the destination by hand (docs/incremental.md, "
                    "\"DDL during synchronization\").",
                    st.native_code());
    }
    return Status(st.code(), what, st.hint(), st.native_code());
  }
  // An existing publication (a project's own, or an older one) must carry
  // the log table; a new one is created with it by the caller.
  auto published = QueryFirstRow(source,
                                 "SELECT (SELECT count(*) FROM pg_publication WHERE pubname = " + Lit(publication) +
                                     "), (SELECT count(*) FROM pg_publication_tables WHERE pubname = " +
                                     Lit(publication) + " AND schemaname = " + Lit(log.schema) +
                                     " AND tablename = " + Lit(log.name) + ")",
                                 2);
  if (!published.ok()) return published.status();
  if ((*published)[0] != "0" && (*published)[1] == "0") {
    return source.Execute("ALTER PUBLICATION " + Pg().QuoteIdent(publication) + " ADD TABLE " +
                          Pg().QualifiedName(log));
  }
  return Status();
}

Result<bool> DropPgDdlCapture(Session& source, const std::string& publication, const std::string& stream_id) {
  const TableRef log = DdlLogTable(source);
  const TableRef fn{source.default_schema(), TriggerName(publication)};
  ASSIGN_OR_RETURN(auto had, QueryFirstRow(source,
                                           "SELECT count(*) FROM pg_event_trigger WHERE evtname = " +
                                               Lit(TriggerName(publication)),
                                           1));
  RETURN_IF_ERROR(source.Execute("DROP EVENT TRIGGER IF EXISTS " + Pg().QuoteIdent(TriggerName(publication)) +
                                 "; DROP EVENT TRIGGER IF EXISTS " +
                                 Pg().QuoteIdent(DropTriggerName(publication)) + "; DROP FUNCTION IF EXISTS " +
                                 Pg().QualifiedName(fn) + "()"));
  ASSIGN_OR_RETURN(auto exists, QueryFirstRow(source, "SELECT to_regclass(" + Lit(Pg().QualifiedName(log)) + ")", 1));
  if (exists[0].empty()) return had[0] != "0";
  RETURN_IF_ERROR(source.Execute("DELETE FROM " + Pg().QualifiedName(log) + " WHERE stream_id = " + Lit(stream_id)));
  // Another stream's trigger still writes here (possibly nothing yet).
  ASSIGN_OR_RETURN(auto others, QueryFirstRow(source,
                                              "SELECT (SELECT count(*) FROM pg_event_trigger WHERE evtname LIKE "
                                              "'godwit\\_ddl\\_%'), (SELECT count(*) FROM " +
                                                  Pg().QualifiedName(log) + ")",
                                              2));
  if (others[0] == "0" && others[1] == "0") {
    RETURN_IF_ERROR(source.Execute("DROP TABLE IF EXISTS " + Pg().QualifiedName(log)));
  }
  return had[0] != "0";
}

std::optional<PgDdl> ParsePgDdl(const ChangeEvent& e, const TableRef& log_table, const std::string& stream_id) {
  if (e.kind != ChangeKind::kInsert || !(e.table == log_table)) return std::nullopt;
  if (Text(e, "stream_id") != stream_id) return std::nullopt;
  PgDdl out;
  out.command_tag = Text(e, "command_tag");
  const std::string schema = Text(e, "schema_name");
  out.table = TableRef{schema, Text(e, "table_name")};
  if (const std::string index = Text(e, "index_name"); !index.empty()) out.index = TableRef{schema, index};
  out.statement = Text(e, "statement");
  try {
    if (const std::string oid = Text(e, "relation_oid"); !oid.empty()) out.relation_oid = std::stoll(oid);
    if (const std::string cols = Text(e, "column_names"); !cols.empty()) {
      out.columns = nlohmann::json::parse(cols).get<std::vector<std::string>>();
    }
  } catch (const std::exception&) {
    return std::nullopt;  // not written by Godwit's trigger
  }
  return out;
}

}  // namespace godwit
