// PostgresSession::ReadCatalog: tables, columns, keys, indexes, foreign
// keys, checks, comments and views from pg_catalog, in six queries whatever
// the number of tables (each later query takes the accepted table oids as
// one array parameter).
#include <cstdlib>
#include <map>
#include <unordered_map>

#include "connector/postgres/postgres_session.h"
#include "connector/postgres/postgres_types.h"
#include "schema/sql_lexer.h"

namespace godwit::pg {
namespace {

constexpr const char* kRelationsSql = R"sql(
SELECT c.oid, n.nspname, c.relname, c.relkind,
  CASE WHEN c.relkind = 'p' THEN
         COALESCE((SELECT sum(GREATEST(p.reltuples, 0))::bigint
                   FROM pg_partition_tree(c.oid) t JOIN pg_class p ON p.oid = t.relid WHERE t.isleaf), 0)
       ELSE GREATEST(c.reltuples, 0)::bigint END,
  CASE WHEN c.relkind = 'p' THEN
         COALESCE((SELECT sum(pg_relation_size(t.relid))::bigint FROM pg_partition_tree(c.oid) t WHERE t.isleaf), 0)
       WHEN c.relkind = 'v' THEN 0
       ELSE pg_relation_size(c.oid) END,
  obj_description(c.oid, 'pg_class'),
  CASE WHEN c.relkind = 'v' THEN pg_get_viewdef(c.oid) END,
  c.relkind = 'r' AND EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhparent = c.oid)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind IN ('r', 'p', 'v') AND NOT c.relispartition AND c.relpersistence <> 't'
  AND n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname NOT LIKE 'pg\_toast%' AND n.nspname NOT LIKE 'pg\_temp\_%'
  AND NOT EXISTS (SELECT 1 FROM pg_depend d
                  WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
ORDER BY n.nspname, c.relname)sql";

// Columns 12 on: the user-defined type (domain, enum, composite, range)
// the column is declared with, directly or as an array's element, and a
// domain's base type.
constexpr const char* kColumnsSql = R"sql(
SELECT a.attrelid, a.attname, a.atttypid, a.atttypmod, t.typtype, format_type(a.atttypid, a.atttypmod),
  a.attnotnull, pg_get_expr(d.adbin, d.adrelid), a.attidentity, a.attgenerated, col_description(a.attrelid, a.attnum),
  co.collname,
  ut.oid, un.nspname, ut.typname, ut.typtype, t.typcategory = 'A', ut.typnotnull,
  ut.typbasetype, ut.typtypmod, bt.typtype, format_type(ut.typbasetype, ut.typtypmod)
FROM pg_attribute a
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_type ut ON ut.oid = CASE WHEN t.typcategory = 'A' THEN t.typelem ELSE t.oid END
  AND ut.typtype IN ('d', 'e', 'c', 'r', 'm')
  AND ut.typnamespace NOT IN ('pg_catalog'::regnamespace, 'information_schema'::regnamespace)
LEFT JOIN pg_namespace un ON un.oid = ut.typnamespace
LEFT JOIN pg_type bt ON bt.oid = ut.typbasetype
LEFT JOIN pg_collation co ON co.oid = a.attcollation
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE a.attrelid = ANY($1::oid[]) AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum)sql";

// The CHECKs of the domains columns are declared with.
constexpr const char* kDomainChecksSql = R"sql(
SELECT c.contypid, c.conname, pg_get_constraintdef(c.oid)
FROM pg_constraint c
WHERE c.contype = 'c' AND c.contypid IN (SELECT a.atttypid FROM pg_attribute a WHERE a.attrelid = ANY($1::oid[]))
ORDER BY c.contypid, c.conname)sql";

constexpr const char* kEnumsSql = R"sql(
SELECT e.enumtypid, e.enumlabel FROM pg_enum e
WHERE e.enumtypid IN (SELECT a.atttypid FROM pg_attribute a WHERE a.attrelid = ANY($1::oid[])
                      UNION ALL
                      SELECT t.typbasetype FROM pg_type t JOIN pg_attribute a ON a.atttypid = t.oid
                      WHERE a.attrelid = ANY($1::oid[]) AND t.typtype = 'd')
ORDER BY e.enumtypid, e.enumsortorder)sql";

// One row per key column of each index; expression columns have attnum 0
// and so no name. INCLUDE columns (beyond indnkeyatts) are not carried.
constexpr const char* kIndexesSql = R"sql(
SELECT i.indrelid, ic.relname, i.indisunique, i.indisprimary, am.amname,
  i.indexprs IS NOT NULL, i.indpred IS NOT NULL, pg_get_indexdef(i.indexrelid),
  a.attname, pg_index_column_has_property(i.indexrelid, k.ord::int, 'desc'),
  con.contype, pg_get_constraintdef(con.oid)
FROM pg_index i
JOIN pg_class ic ON ic.oid = i.indexrelid
JOIN pg_am am ON am.oid = ic.relam
LEFT JOIN pg_constraint con ON con.conindid = i.indexrelid AND con.conrelid = i.indrelid AND con.contype IN ('u', 'x')
CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum AND k.attnum > 0
WHERE i.indrelid = ANY($1::oid[]) AND k.ord <= i.indnkeyatts
ORDER BY i.indrelid, ic.relname, k.ord)sql";

// conparentid <> 0 are the clones PostgreSQL makes for partitions of a
// referenced partitioned table; the parent constraint stands for them.
constexpr const char* kForeignKeysSql = R"sql(
SELECT c.conrelid, c.conname, c.confupdtype, c.confdeltype, fn.nspname, fc.relname, a.attname, fa.attname,
  c.confmatchtype = 'f', c.condeferrable, c.condeferred
FROM pg_constraint c
JOIN pg_class fc ON fc.oid = c.confrelid
JOIN pg_namespace fn ON fn.oid = fc.relnamespace
CROSS JOIN LATERAL unnest(c.conkey, c.confkey) WITH ORDINALITY AS k(att, fatt, ord)
JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.att
JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = k.fatt
WHERE c.contype = 'f' AND c.conrelid = ANY($1::oid[]) AND c.conparentid = 0
ORDER BY c.conrelid, c.conname, k.ord)sql";

constexpr const char* kChecksSql = R"sql(
SELECT c.conrelid, c.conname, pg_get_constraintdef(c.oid)
FROM pg_constraint c
WHERE c.contype = 'c' AND c.conrelid = ANY($1::oid[])
ORDER BY c.conrelid, c.conname)sql";

std::string FkAction(char code) {
  switch (code) {
    case 'c': return "CASCADE";
    case 'n': return "SET NULL";
    case 'd': return "SET DEFAULT";
    case 'r': return "RESTRICT";
    case 'a': return "NO ACTION";
    default: return "";
  }
}

// "<col> IS NOT NULL" on a column that is NOT NULL anyway says nothing the
// column does not; such checks are not carried.
bool IsRedundantNotNullCheck(const std::string& expr, const TableSchema& t) {
  constexpr std::string_view kSuffix = " IS NOT NULL";
  if (expr.size() <= kSuffix.size() || expr.compare(expr.size() - kSuffix.size(), kSuffix.size(), kSuffix) != 0) {
    return false;
  }
  std::string name = expr.substr(0, expr.size() - kSuffix.size());
  if (name.size() >= 2 && name.front() == '"' && name.back() == '"') name = name.substr(1, name.size() - 2);
  const Column* c = t.FindColumn(name);
  return c != nullptr && !c->nullable;
}

// What follows the table's name in pg_get_indexdef's "CREATE [UNIQUE]
// INDEX name ON [ONLY] schema.table USING ...": from USING on, found by the
// lexer (a name may hold the word); "" when it cannot be read.
std::string IndexDefinitionTail(std::string_view indexdef) {
  auto tokens = sql::Tokenize(indexdef, Engine::kPostgres);
  if (!tokens.ok()) return "";
  for (size_t i = 0; i < tokens->size(); ++i) {
    if (!sql::IsWord((*tokens)[i], "USING")) continue;
    std::string tail;
    for (size_t k = i; k < tokens->size(); ++k) tail += (*tokens)[k].text;
    return tail;
  }
  return "";
}

// A domain's CHECK (on VALUE) as a CHECK on `column`: VALUE is a word
// outside literals, found by the lexer.
Result<std::string> DomainCheckOnColumn(const std::string& expr, const std::string& column) {
  ASSIGN_OR_RETURN(std::vector<sql::Token> tokens, sql::Tokenize(expr, Engine::kPostgres));
  ASSIGN_OR_RETURN(std::string quoted, sql::QuoteIdentifier(column, Engine::kPostgres));
  for (sql::Token& t : tokens) {
    if (t.kind != sql::TokenKind::kWord || !sql::IsWord(t, "VALUE")) continue;
    t.kind = sql::TokenKind::kQuotedIdent;
    t.text = quoted;
    t.value = column;
  }
  return sql::Render(tokens, Engine::kPostgres, Engine::kPostgres);
}

}  // namespace

Result<Catalog> PostgresSession::ReadCatalog(const ObjectFilter& filter) {
  PGconn* c = conn_.get();
  constexpr ErrorCode kFail = ErrorCode::kReadFailed;
  Catalog catalog;
  std::unordered_map<std::string, size_t> table_at;  // oid text -> index in catalog.tables
  std::string oids = "{";

  ASSIGN_OR_RETURN(ResultPtr rels, Exec(c, kRelationsSql, kFail, "reading the table list"));
  for (int i = 0, n = PQntuples(rels.get()); i < n; ++i) {
    const PGresult* r = rels.get();
    TableRef ref{std::string(Get(r, i, 1)), std::string(Get(r, i, 2))};
    if (filter && !filter(ref)) continue;
    std::string comment = IsNull(r, i, 6) ? "" : std::string(Get(r, i, 6));
    if (Get(r, i, 3) == "v") {
      std::string def(Get(r, i, 7));
      while (!def.empty() && (def.back() == ';' || def.back() == '\n' || def.back() == ' ')) def.pop_back();
      size_t start = def.find_first_not_of(" \n");
      catalog.views.push_back(
          ViewDef{std::move(ref), start == std::string::npos ? "" : def.substr(start), std::move(comment)});
      continue;
    }
    TableSchema t;
    t.ref = std::move(ref);
    t.estimated_rows = GetInt(r, i, 4);
    t.estimated_bytes = GetInt(r, i, 5);
    t.comment = std::move(comment);
    t.inheritance_parent = GetBool(r, i, 8);
    std::string oid(Get(r, i, 0));
    if (oids.size() > 1) oids += ",";
    oids += oid;
    table_at.emplace(std::move(oid), catalog.tables.size());
    catalog.tables.push_back(std::move(t));
  }
  oids += "}";
  if (catalog.tables.empty()) return catalog;
  const std::string params[] = {oids};

  std::map<std::string, std::vector<std::string>> enum_labels;  // type oid -> labels in order
  {
    ASSIGN_OR_RETURN(ResultPtr res, ExecParams(c, kEnumsSql, params, kFail, "reading enum labels"));
    for (int i = 0, n = PQntuples(res.get()); i < n; ++i) {
      enum_labels[std::string(Get(res.get(), i, 0))].emplace_back(Get(res.get(), i, 1));
    }
  }
  std::map<std::string, std::vector<CheckConstraint>> domain_checks;  // domain oid -> its checks, on VALUE
  {
    ASSIGN_OR_RETURN(ResultPtr res, ExecParams(c, kDomainChecksSql, params, kFail, "reading domain checks"));
    for (int i = 0, n = PQntuples(res.get()); i < n; ++i) {
      domain_checks[std::string(Get(res.get(), i, 0))].push_back(
          CheckConstraint{std::string(Get(res.get(), i, 1)), CheckExpression(Get(res.get(), i, 2)), true});
    }
  }
  {
    ASSIGN_OR_RETURN(ResultPtr res, ExecParams(c, kColumnsSql, params, kFail, "reading columns"));
    const PGresult* r = res.get();
    for (int i = 0, n = PQntuples(r); i < n; ++i) {
      TableSchema& t = catalog.tables[table_at.at(std::string(Get(r, i, 0)))];
      Column col;
      col.name = std::string(Get(r, i, 1));
      std::string type_oid(Get(r, i, 2));
      char typtype = Get(r, i, 4).empty() ? 'b' : Get(r, i, 4)[0];
      std::vector<std::string> labels;
      if (typtype == 'e') {
        if (auto it = enum_labels.find(type_oid); it != enum_labels.end()) labels = it->second;
      }
      col.type = MapType(static_cast<uint32_t>(std::strtoul(type_oid.c_str(), nullptr, 10)),
                         static_cast<int32_t>(GetInt(r, i, 3)), typtype, Get(r, i, 5), std::move(labels));
      if (!IsNull(r, i, 12)) {
        UserType& ut = col.type.user_type;
        ut.schema = std::string(Get(r, i, 13));
        ut.name = std::string(Get(r, i, 14));
        ut.array_dims = GetBool(r, i, 16) ? 1 : 0;
        char user_typtype = Get(r, i, 15).empty() ? 'b' : Get(r, i, 15)[0];
        if (user_typtype == 'd' && ut.array_dims == 0) {
          // Other engines get the domain's base type, its NOT NULL and its
          // CHECKs on the column. A domain over a domain stays native.
          ut.domain_not_null = GetBool(r, i, 17);
          char base_typtype = Get(r, i, 20).empty() ? 'b' : Get(r, i, 20)[0];
          if (base_typtype != 'd') {
            std::vector<std::string> base_labels;
            if (base_typtype == 'e') {
              if (auto it = enum_labels.find(std::string(Get(r, i, 18))); it != enum_labels.end()) {
                base_labels = it->second;
              }
            }
            UserType keep = std::move(ut);
            col.type = MapType(static_cast<uint32_t>(std::strtoul(PQgetvalue(r, i, 18), nullptr, 10)),
                               static_cast<int32_t>(GetInt(r, i, 19)), base_typtype, Get(r, i, 21),
                               std::move(base_labels));
            col.type.user_type = std::move(keep);
          }
          if (auto it = domain_checks.find(type_oid); it != domain_checks.end()) {
            for (const CheckConstraint& ck : it->second) {
              auto on_column = DomainCheckOnColumn(ck.expression, col.name);
              // A CHECK that cannot be read stays with the domain, which the
              // same engine creates; other engines are told (ConvertTable
              // warns of checks it cannot translate) by its text kept as is.
              t.checks.push_back(CheckConstraint{col.name + "_" + ck.name,
                                                 on_column.ok() ? *on_column : ck.expression, true});
            }
          }
        }
      }
      col.nullable = !GetBool(r, i, 6);
      std::string_view identity = Get(r, i, 8);
      std::string_view generated = Get(r, i, 9);
      if (!identity.empty()) col.auto_increment = true;  // 'a' ALWAYS or 'd' BY DEFAULT
      // A stored generated column (attgenerated 's') has its expression in
      // pg_attrdef; it is carried as a plain column holding the computed
      // values, as the model has no generated columns.
      if (!IsNull(r, i, 7) && generated.empty()) {
        col.default_text = std::string(Get(r, i, 7));
        NormalisedDefault d = NormaliseDefault(Get(r, i, 7), col.type);
        col.default_kind = d.kind;
        col.default_value = std::move(d.value);
        if (d.auto_increment) col.auto_increment = true;
      }
      if (!IsNull(r, i, 10)) col.comment = std::string(Get(r, i, 10));
      if (!IsNull(r, i, 11)) col.type.collation = std::string(Get(r, i, 11));
      t.columns.push_back(std::move(col));
    }
  }
  {
    ASSIGN_OR_RETURN(ResultPtr res, ExecParams(c, kIndexesSql, params, kFail, "reading indexes"));
    const PGresult* r = res.get();
    std::string current_table, current_index;
    IndexDef idx;
    auto flush = [&] {
      if (current_index.empty()) return;
      TableSchema& t = catalog.tables[table_at.at(current_table)];
      if (idx.primary) {
        t.primary_key = std::move(idx);
      } else {
        t.indexes.push_back(std::move(idx));
      }
      idx = IndexDef{};
    };
    for (int i = 0, n = PQntuples(r); i < n; ++i) {
      std::string table(Get(r, i, 0));
      std::string name(Get(r, i, 1));
      if (table != current_table || name != current_index) {
        flush();
        current_table = table;
        current_index = name;
        idx.name = name;
        idx.unique = GetBool(r, i, 2);
        idx.primary = GetBool(r, i, 3);
        std::string_view method = Get(r, i, 4);
        std::string reason;
        if (GetBool(r, i, 5))
          reason = "expression index";
        else if (GetBool(r, i, 6))
          reason = "partial index";
        else if (method != "btree")
          reason = std::string(method) + " index method";
        if (!reason.empty()) idx.unsupported_reason = reason + ": " + std::string(Get(r, i, 7));
        if (!IsNull(r, i, 10)) {
          idx.constraint = true;
          idx.native_definition = std::string(Get(r, i, 11));
          // An exclusion constraint is not a unique index elsewhere.
          if (Get(r, i, 10) == "x" && idx.unsupported_reason.empty()) {
            idx.unsupported_reason = "exclusion constraint: " + idx.native_definition;
          }
        } else {
          idx.native_definition = IndexDefinitionTail(Get(r, i, 7));
        }
      }
      IndexColumn ic;
      if (!IsNull(r, i, 8)) ic.name = std::string(Get(r, i, 8));
      ic.descending = GetBool(r, i, 9);
      idx.columns.push_back(std::move(ic));
    }
    flush();
  }
  {
    ASSIGN_OR_RETURN(ResultPtr res, ExecParams(c, kForeignKeysSql, params, kFail, "reading foreign keys"));
    const PGresult* r = res.get();
    std::string current_table, current_name;
    for (int i = 0, n = PQntuples(r); i < n; ++i) {
      std::string table(Get(r, i, 0));
      std::string name(Get(r, i, 1));
      TableSchema& t = catalog.tables[table_at.at(table)];
      if (table != current_table || name != current_name) {
        current_table = table;
        current_name = name;
        ForeignKey fk;
        fk.name = name;
        fk.on_update = FkAction(Get(r, i, 2).empty() ? 0 : Get(r, i, 2)[0]);
        fk.on_delete = FkAction(Get(r, i, 3).empty() ? 0 : Get(r, i, 3)[0]);
        fk.ref_table = TableRef{std::string(Get(r, i, 4)), std::string(Get(r, i, 5))};
        fk.match_full = GetBool(r, i, 8);
        fk.deferrable = GetBool(r, i, 9);
        fk.initially_deferred = GetBool(r, i, 10);
        t.foreign_keys.push_back(std::move(fk));
      }
      t.foreign_keys.back().columns.emplace_back(Get(r, i, 6));
      t.foreign_keys.back().ref_columns.emplace_back(Get(r, i, 7));
    }
  }
  {
    ASSIGN_OR_RETURN(ResultPtr res, ExecParams(c, kChecksSql, params, kFail, "reading CHECK constraints"));
    const PGresult* r = res.get();
    for (int i = 0, n = PQntuples(r); i < n; ++i) {
      TableSchema& t = catalog.tables[table_at.at(std::string(Get(r, i, 0)))];
      std::string expr = CheckExpression(Get(r, i, 2));
      if (IsRedundantNotNullCheck(expr, t)) continue;
      t.checks.push_back(CheckConstraint{std::string(Get(r, i, 1)), std::move(expr)});
    }
  }
  return catalog;
}

}  // namespace godwit::pg
