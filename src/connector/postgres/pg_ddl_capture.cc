#include "connector/postgres/pg_ddl_capture.h"

#include <cctype>
#include <random>

#include <nlohmann/json.hpp>

#include "common/text.h"
#include "model/object_mapping.h"
#include "model/row_collector.h"
#include "schema/dialect.h"
#include "schema/statement_redaction.h"

namespace godwit {
namespace {

const Dialect& Pg() { return DialectFor(Engine::kPostgres); }
std::string Lit(const std::string& s) { return Pg().Literal(ColumnType{}, s); }

// A literal for the trigger function's body. The body is compiled in the
// session of whoever runs the DDL, under that session's
// standard_conforming_strings, which Godwit does not control: an E'...'
// literal (backslashes and quotes doubled) reads the same either way.
std::string BodyLit(const std::string& s) {
  std::string out = "E'";
  for (char c : s) {
    if (c == '\\' || c == '\'') out += c;
    out += c;
  }
  return out + "'";
}

// A dollar-quote tag for the function body that the body does not contain,
// fresh per creation: the body holds the include/exclude patterns and the
// stream's names, and a fixed tag inside one of them would end the body
// there and run the rest as SQL.
std::string DollarTagFor(const std::string& body) {
  std::random_device rd;
  while (true) {
    uint32_t random[4];
    for (auto& r : random) r = rd();
    std::string tag = "$godwit_" + HexLower(std::string_view(reinterpret_cast<const char*>(random), sizeof random));
    tag += "$";
    if (body.find(tag) == std::string::npos) return tag;
  }
}

// PL/pgSQL that sets `q_text` to current_query() with its literals and
// comments replaced by ***, always: the rule of schema/statement_redaction.h,
// in SQL so that the clear text never lands in the log table (a credential
// need not follow a word that says so: CREATE SERVER ... OPTIONS, a
// COMMENT, a DEFAULT). Both readings of backslashes are taken (the
// session's standard_conforming_strings may change within the query
// string), and whatever either sees as inside a literal is hidden. The
// characters are an array, so the scan is linear in the query's length.
// No backslash in here: see BodyLit.
constexpr const char* kRedactQuery = R"(  q_text := current_query();
  IF q_text IS NOT NULL THEN
    q_chars := string_to_array(q_text, NULL);
    q_n := coalesce(array_length(q_chars, 1), 0);
    q_hide := array_fill(false, ARRAY[q_n + 1]);
    FOR q_pass IN 0..1 LOOP
      q_i := 1;
      WHILE q_i <= q_n LOOP
        IF q_chars[q_i] = '''' THEN
          q_esc := q_pass = 1 OR (q_i > 1 AND q_chars[q_i - 1] IN ('E', 'e')
                                  AND (q_i = 2 OR q_chars[q_i - 2] !~ '[[:alnum:]_$]'));
          q_j := q_i + 1;
          WHILE q_j <= q_n LOOP
            IF q_esc AND q_chars[q_j] = chr(92) THEN
              q_j := q_j + 2;
            ELSIF q_chars[q_j] = '''' AND q_chars[q_j + 1] = '''' THEN
              q_j := q_j + 2;
            ELSIF q_chars[q_j] = '''' THEN
              EXIT;
            ELSE
              q_j := q_j + 1;
            END IF;
          END LOOP;
          FOR q_k IN q_i + 1 .. least(q_j, q_n + 1) - 1 LOOP q_hide[q_k] := true; END LOOP;
          q_i := q_j + 1;
        ELSIF q_chars[q_i] = '$' AND (q_i = 1 OR q_chars[q_i - 1] !~ '[[:alnum:]_$]') THEN
          q_j := q_i + 1;
          IF q_chars[q_j] ~ '[[:alpha:]_]' THEN
            WHILE q_j <= q_n AND q_chars[q_j] ~ '[[:alnum:]_]' LOOP q_j := q_j + 1; END LOOP;
          END IF;
          IF q_j > q_n OR q_chars[q_j] <> '$' THEN
            q_i := q_i + 1;
          ELSE
            q_tag := array_to_string(q_chars[q_i:q_j], '');
            q_d := q_j - q_i + 1;
            q_k := q_j + 1;
            WHILE q_k <= q_n AND NOT (q_chars[q_k] = '$' AND array_to_string(q_chars[q_k:q_k + q_d - 1], '') = q_tag) LOOP
              q_k := q_k + 1;
            END LOOP;
            FOR q_m IN q_j + 1 .. least(q_k, q_n + 1) - 1 LOOP q_hide[q_m] := true; END LOOP;
            q_i := q_k + q_d;
          END IF;
        ELSIF q_chars[q_i] = '"' THEN
          q_j := q_i + 1;
          WHILE q_j <= q_n AND q_chars[q_j] <> '"' LOOP q_j := q_j + 1; END LOOP;
          q_i := q_j + 1;
        ELSIF q_chars[q_i] = '-' AND q_chars[q_i + 1] = '-' THEN
          q_j := q_i + 2;
          WHILE q_j <= q_n AND q_chars[q_j] <> chr(10) LOOP q_hide[q_j] := true; q_j := q_j + 1; END LOOP;
          q_i := q_j + 1;
        ELSIF q_chars[q_i] = '/' AND q_chars[q_i + 1] = '*' THEN
          q_d := 1;
          q_j := q_i + 2;
          WHILE q_j <= q_n AND q_d > 0 LOOP
            IF q_chars[q_j] = '*' AND q_chars[q_j + 1] = '/' THEN
              q_d := q_d - 1;
              IF q_d > 0 THEN q_hide[q_j] := true; q_hide[q_j + 1] := true; END IF;
              q_j := q_j + 2;
            ELSIF q_chars[q_j] = '/' AND q_chars[q_j + 1] = '*' THEN
              q_d := q_d + 1;
              q_hide[q_j] := true; q_hide[q_j + 1] := true;
              q_j := q_j + 2;
            ELSE
              q_hide[q_j] := true;
              q_j := q_j + 1;
            END IF;
          END LOOP;
          q_i := q_j;
        ELSE
          q_i := q_i + 1;
        END IF;
      END LOOP;
    END LOOP;
    FOR q_k IN 1..q_n LOOP
      IF q_hide[q_k] THEN
        q_chars[q_k] := CASE WHEN q_k > 1 AND q_hide[q_k - 1] THEN '' ELSE '***' END;
      END IF;
    END LOOP;
    q_text := array_to_string(q_chars, '');
  END IF;
)";

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
  const std::string re = BodyLit("^(?:" + alternatives + ")$");
  return "(rel_schema || '.' || rel_name ~ " + re + " OR rel_name ~ " + re + ")";
}

std::string FunctionSql(const TableRef& fn, const TableRef& log, const std::string& publication,
                        const std::string& stream_id, const ObjectRules& objects) {
  const std::string in_scope = objects.include.empty() ? "true" : MatchesAny(objects.include);
  const std::string excluded = objects.exclude.empty() ? "false" : MatchesAny(objects.exclude);
  const std::string log_table = Pg().QualifiedName(log);
  const std::string system_schema =
      "r.schema_name IS NULL OR r.schema_name IN ('pg_catalog', 'information_schema') OR left(r.schema_name, 3) = "
      "'pg_'";
  // The body runs as the function's owner (SECURITY DEFINER): whoever runs
  // the DDL needs no rights on the log table or the publication. The
  // handler at the end turns any failure into a WARNING: the user's DDL
  // must never fail because Godwit could not record it. The statement
  // recorded is the query string, redacted (kRedactQuery).
  const std::string body =
      "DECLARE\n"
      "  r record; rel oid; rel_schema text; rel_name text; rel_kind text; idx_name text; cols text;\n"
      "  q_text text; q_chars text[]; q_hide boolean[]; q_n int; q_i int; q_j int; q_k int; q_d int;\n"
      "  q_esc boolean; q_tag text;\n"
      "BEGIN\n" +
      std::string(kRedactQuery) +
      "  IF TG_EVENT = 'sql_drop' THEN\n"
      "    FOR r IN SELECT * FROM pg_event_trigger_dropped_objects()\n"
      "             WHERE original AND object_type IN ('table', 'index') LOOP\n"
      "      CONTINUE WHEN " +
      system_schema +
      ";\n"
      "      INSERT INTO " +
      log_table +
      " (stream_id, command_tag, object_type, schema_name, object_identity, table_name, index_name,\n"
      "                          relation_oid, statement)\n"
      "      VALUES (" +
      BodyLit(stream_id) +
      ", TG_TAG, r.object_type, r.schema_name, r.object_identity,\n"
      "              CASE WHEN r.object_type = 'table' THEN r.object_name END,\n"
      "              CASE WHEN r.object_type = 'index' THEN r.object_name END, r.objid, q_text);\n"
      "    END LOOP;\n"
      "    RETURN;\n"
      "  END IF;\n"
      "  FOR r IN SELECT * FROM pg_event_trigger_ddl_commands()\n"
      "           WHERE object_type IN ('table', 'index', 'table column') LOOP\n"
      "    CONTINUE WHEN " +
      system_schema +
      ";\n"
      "    rel := r.objid; idx_name := NULL; rel_kind := NULL;\n"
      "    IF r.object_type = 'index' THEN\n"
      "      SELECT i.indrelid, c.relname INTO rel, idx_name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid\n"
      "       WHERE i.indexrelid = r.objid;\n"
      "    END IF;\n"
      "    SELECT n.nspname, c.relname, c.relkind::text INTO rel_schema, rel_name, rel_kind\n"
      "      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.oid = rel;\n"
      "    CONTINUE WHEN rel_kind IS NULL OR rel_kind NOT IN ('r', 'p')\n"
      "               OR rel_name IN ('" +
      std::string(kHeartbeatTableName) + "', '" + kCheckpointTableName + "', '" + kDdlLogTableName +
      "');\n"
      "    SELECT coalesce(json_agg(attname ORDER BY attnum), '[]')::text INTO cols FROM pg_attribute\n"
      "     WHERE attrelid = rel AND attnum > 0 AND NOT attisdropped;\n"
      "    INSERT INTO " +
      log_table +
      " (stream_id, command_tag, object_type, schema_name, object_identity, table_name, index_name,\n"
      "                        relation_oid, column_names, statement)\n"
      "    VALUES (" +
      BodyLit(stream_id) +
      ", r.command_tag, r.object_type, rel_schema, r.object_identity, rel_name, idx_name, rel, cols,\n"
      "            q_text);\n"
      // Publishing only identifiable tables: see the header.
      "    IF r.command_tag IN ('CREATE TABLE', 'CREATE TABLE AS', 'SELECT INTO', 'ALTER TABLE') AND rel_kind = 'r'\n"
      "       AND " +
      in_scope + " AND NOT " + excluded +
      "\n"
      "       AND EXISTS (SELECT 1 FROM pg_publication WHERE pubname = " +
      BodyLit(publication) +
      ")\n"
      "       AND NOT EXISTS (SELECT 1 FROM pg_publication_rel pr JOIN pg_publication p ON p.oid = pr.prpubid\n"
      "                        WHERE p.pubname = " +
      BodyLit(publication) +
      " AND pr.prrelid = rel)\n"
      "       AND EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = rel AND NOT c.relispartition AND (\n"
      "             c.relreplident = 'f'\n"
      "          OR (c.relreplident = 'd' AND EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = rel AND "
      "i.indisprimary))\n"
      "          OR (c.relreplident = 'i' AND EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = rel AND "
      "i.indisreplident))))\n"
      "    THEN\n"
      "      EXECUTE format('ALTER PUBLICATION %I ADD TABLE %I.%I', " +
      BodyLit(publication) +
      ", rel_schema, rel_name);\n"
      "    END IF;\n"
      "  END LOOP;\n"
      "EXCEPTION WHEN OTHERS THEN\n"
      "  RAISE WARNING 'Godwit (synchronization %) could not record this DDL, which is therefore not carried to the "
      "destination: %', " +
      BodyLit(stream_id) +
      ", SQLERRM;\n"
      "END\n";
  const std::string tag = DollarTagFor(body);
  return "CREATE OR REPLACE FUNCTION " + Pg().QualifiedName(fn) +
         "() RETURNS event_trigger LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS " + tag +
         "\n" + body + tag;
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

Result<std::map<int64_t, TableRef>> PgTablesByOid(Session& source) {
  ASSIGN_OR_RETURN(auto rels,
                   QueryTextRows(source,
                                 "SELECT c.oid::text, n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON "
                                 "n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN "
                                 "('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'",
                                 3));
  std::map<int64_t, TableRef> out;
  for (const auto& r : rels) out[std::stoll(r[0].value_or("0"))] = TableRef{r[1].value_or(""), r[2].value_or("")};
  return out;
}

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
    source.Execute("ROLLBACK").IgnoreBecause("ending the failed DDL-capture setup, whose own error is reported");
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
  auto published =
      QueryFirstRow(source,
                    "SELECT (SELECT count(*) FROM pg_publication WHERE pubname = " + Lit(publication) +
                        "), (SELECT count(*) FROM pg_publication_tables WHERE pubname = " + Lit(publication) +
                        " AND schemaname = " + Lit(log.schema) + " AND tablename = " + Lit(log.name) + ")",
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
  ASSIGN_OR_RETURN(
      auto had,
      QueryFirstRow(source, "SELECT count(*) FROM pg_event_trigger WHERE evtname = " + Lit(TriggerName(publication)),
                    1));
  // One statement per Execute (sessions run exactly one).
  RETURN_IF_ERROR(source.Execute("DROP EVENT TRIGGER IF EXISTS " + Pg().QuoteIdent(TriggerName(publication))));
  RETURN_IF_ERROR(source.Execute("DROP EVENT TRIGGER IF EXISTS " + Pg().QuoteIdent(DropTriggerName(publication))));
  RETURN_IF_ERROR(source.Execute("DROP FUNCTION IF EXISTS " + Pg().QualifiedName(fn) + "()"));
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
  // Rows written by a trigger older than the redaction in SQL (or by one
  // that redacted only statements mentioning a password) hold the query
  // string as it was sent.
  out.statement = RedactStatement(Text(e, "statement"), Engine::kPostgres);
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
