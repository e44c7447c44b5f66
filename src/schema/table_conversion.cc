#include "schema/table_conversion.h"

#include <cctype>

#include "schema/source_statement.h"
#include "schema/sql_lexer.h"

namespace godwit {
namespace {

// Removes PostgreSQL "::type" casts, including multi-word types
// ("::character varying", "::timestamp without time zone"), qualified and
// quoted names, modifiers ("::numeric(10,2)") and arrays ("::text[]").
std::vector<sql::Token> StripPgCasts(const std::vector<sql::Token>& in) {
  static const char* kTypeWords[] = {"character varying",
                                     "double precision",
                                     "timestamp without time zone",
                                     "timestamp with time zone",
                                     "time without time zone",
                                     "time with time zone",
                                     "bit varying"};
  auto punct = [&](size_t k, char c) {
    return k < in.size() && in[k].kind == sql::TokenKind::kPunct && in[k].text[0] == c;
  };
  auto name = [&](size_t k) {
    return k < in.size() && (in[k].kind == sql::TokenKind::kWord || in[k].kind == sql::TokenKind::kQuotedIdent);
  };
  std::vector<sql::Token> out;
  size_t i = 0;
  while (i < in.size()) {
    if (!(punct(i, ':') && punct(i + 1, ':'))) {
      out.push_back(in[i++]);
      continue;
    }
    size_t j = i + 2;
    bool matched = false;
    for (const char* w : kTypeWords) {
      // "a b c" is the words a, b, c with one space between each.
      std::string_view rest(w);
      size_t k = j;
      bool ok = true;
      while (ok && !rest.empty()) {
        size_t sp = rest.find(' ');
        std::string_view word = rest.substr(0, sp);
        ok = k < in.size() && sql::IsWord(in[k], word);
        ++k;
        if (sp == std::string_view::npos) {
          rest = {};
        } else {
          rest.remove_prefix(sp + 1);
          ok = ok && k < in.size() && in[k].kind == sql::TokenKind::kSpace && in[k].text == " ";
          ++k;
        }
      }
      if (ok) {
        j = k;
        matched = true;
        break;
      }
    }
    if (!matched && name(j)) {
      ++j;
      while (punct(j, '.') && name(j + 1)) j += 2;
    }
    if (punct(j, '(')) {
      int depth = 0;
      for (; j < in.size(); ++j) {
        if (punct(j, '(')) ++depth;
        if (punct(j, ')') && --depth == 0) {
          ++j;
          break;
        }
      }
    }
    while (punct(j, '[') && punct(j + 1, ']')) j += 2;
    i = j;
  }
  return out;
}

// Removes "`schema`." in front of names.
std::vector<sql::Token> DropQualifier(const std::vector<sql::Token>& in, std::string_view schema) {
  std::vector<sql::Token> out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i].kind == sql::TokenKind::kQuotedIdent && in[i].value == schema && i + 1 < in.size() &&
        in[i + 1].kind == sql::TokenKind::kPunct && in[i + 1].text == ".") {
      ++i;
      continue;
    }
    out.push_back(in[i]);
  }
  return out;
}

// Whether the source compares a text column's values by their exact
// characters, so that 'a' and 'A' (or 'é' and 'e') are distinct keys.
// PostgreSQL's collations are deterministic unless created otherwise (a
// nondeterministic ICU collation is treated as case-sensitive too: the
// destination then keeps apart values the source would equate, which never
// rejects a row the source holds). SQLite is bytewise unless NOCASE.
bool CaseSensitiveSource(Engine engine, const ColumnType& t) {
  switch (engine) {
    case Engine::kPostgres: return true;
    case Engine::kSqlite: return t.collation != "NOCASE" && t.collation != "nocase";
    case Engine::kMysql: {
      const std::string& c = t.collation;
      auto ends_with = [&](std::string_view s) {
        return c.size() >= s.size() && c.compare(c.size() - s.size(), s.size(), s) == 0;
      };
      return c == "binary" || ends_with("_bin") || ends_with("_cs");
    }
  }
  return true;
}

// Whether a MySQL expression names `name`: quoted, or bare as a word
// (case-insensitive, as MySQL's column names are), never inside a string
// literal. Text that cannot be read counts as naming it.
bool MentionsIdentifier(const std::string& expr, const std::string& name) {
  auto tokens = sql::Tokenize(expr, Engine::kMysql);
  if (!tokens.ok()) return true;
  auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  const std::string n = lower(name);
  for (const sql::Token& t : *tokens) {
    if ((t.kind == sql::TokenKind::kWord || t.kind == sql::TokenKind::kQuotedIdent) && lower(t.value) == n) return true;
  }
  return false;
}

bool IsCollatedText(TypeKind k) {
  return k == TypeKind::kChar || k == TypeKind::kVarchar || k == TypeKind::kText || k == TypeKind::kEnum ||
         k == TypeKind::kSet;
}

// Collations across engines (docs/type-mapping.md, "Collation"). Same
// engine: kept. To MySQL from a case-sensitive source: every text column
// (not only keys, so that foreign keys and joins between key and non-key
// columns compare alike) gets utf8mb4_bin; otherwise the destination's
// default. To other engines: dropped (PostgreSQL and SQLite compare
// bytewise by default).
void ConvertCollation(Column& c, Engine from, Engine to) {
  if (from == to) return;
  bool case_sensitive = CaseSensitiveSource(from, c.type);
  c.type.charset.clear();
  c.type.collation.clear();
  if (to == Engine::kMysql && IsCollatedText(c.type.kind) && case_sensitive) {
    c.type.charset = "utf8mb4";
    c.type.collation = "utf8mb4_bin";
  }
}

// Why an index of `kind` is not created on `to`, or empty. MySQL's
// FULLTEXT becomes a GIN index on PostgreSQL (PostgresDialect::CreateIndex).
std::string IndexKindNotCarried(IndexKind kind, Engine to) {
  if (kind == IndexKind::kFulltext && to == Engine::kSqlite) {
    return "a FULLTEXT index has no SQLite equivalent (SQLite's full-text search is a separate FTS5 virtual table); "
           "create one by hand if the application searches the text";
  }
  if (kind == IndexKind::kSpatial && to != Engine::kMysql) {
    return "a SPATIAL index has no " + std::string(EngineName(to)) + " equivalent Godwit creates; create one by hand";
  }
  return {};
}

}  // namespace

Result<std::string> TranslateExpression(const std::string& expr, Engine from, Engine to,
                                        std::string_view drop_qualifier) {
  ASSIGN_OR_RETURN(std::vector<sql::Token> tokens, sql::Tokenize(expr, from));
  if (from == Engine::kPostgres && to != Engine::kPostgres) tokens = StripPgCasts(tokens);
  if (!drop_qualifier.empty()) tokens = DropQualifier(tokens, drop_qualifier);
  return sql::Render(tokens, from, to);
}

Result<ConvertedTable> ConvertTable(const TableSchema& source, const TableRef& destination_ref, Engine source_engine,
                                    const Dialect& destination, const ObjectMapping* mapping) {
  ConvertedTable out;
  TableSchema& t = out.table;
  t = source;
  t.ref = destination_ref;
  const Engine dst_engine = destination.engine();
  const bool same_engine = source_engine == dst_engine;

  if (!same_engine) t.default_collation.clear();
  // A domain's CHECKs stand in for the domain where it does not exist.
  if (same_engine) std::erase_if(t.checks, [](const CheckConstraint& ck) { return ck.from_domain; });
  for (Column& c : t.columns) {
    if (same_engine && dst_engine == Engine::kPostgres && !c.type.native.empty()) c.type.declared = c.type.native;
    if (c.type.user_type.IsSet()) {
      const UserType& ut = c.type.user_type;
      if (same_engine) {
        std::string schema = mapping != nullptr                ? mapping->SchemaOf(ut.schema)
                             : ut.schema == source.ref.schema ? destination_ref.schema
                                                              : ut.schema;
        c.type.declared = destination.QuoteIdent(schema) + "." + destination.QuoteIdent(ut.name);
        for (uint32_t d = 0; d < ut.array_dims; ++d) c.type.declared += "[]";
      } else if (ut.domain_not_null) {
        c.nullable = false;
      }
    }
    // Source text written into the CREATE TABLE: one clause each, or a
    // hostile server's "int, extra text" would add a column.
    if (same_engine && !c.type.declared.empty()) {
      RETURN_IF_ERROR(CheckOneClause(c.type.declared, source_engine,
                                     "the type of column " + c.name + " of " + source.ref.ToString()));
    }
    // The same engine declares the default as the source prints it (a
    // serial's nextval is the pipeline's to set: SchemaObjects).
    if (same_engine && !c.default_text.empty()) {
      RETURN_IF_ERROR(CheckOneClause(c.default_text, source_engine,
                                     "the default of column " + c.name + " of " + source.ref.ToString()));
      c.default_kind = Column::DefaultKind::kExpression;
      c.default_value = c.default_text;
      c.auto_increment = false;  // a serial's nextval: its sequence is carried
    }
    ConvertCollation(c, source_engine, dst_engine);
    if (c.type.kind == TypeKind::kNative && !same_engine) {
      return Status(ErrorCode::kUnsupported,
                    "column " + c.name + " of " + source.ref.ToString() + " has type " + c.type.native + ", which " +
                        std::string(EngineName(dst_engine)) + " cannot hold",
                    "Exclude the table, change the column's type on the source, or create the table on the "
                    "destination by hand with a type of your choice (Godwit loads into an existing empty table).");
    }
    if (c.default_kind == Column::DefaultKind::kUuid && dst_engine == Engine::kSqlite) {
      out.warnings.push_back("default (random UUID) of " + source.ref.ToString() + "." + c.name +
                             " was not carried over: SQLite has no UUID function; the application must set it");
      c.default_kind = Column::DefaultKind::kNone;
    }
    if (c.on_update_current_timestamp && dst_engine != Engine::kMysql) {
      out.warnings.push_back("column " + source.ref.ToString() + "." + c.name +
                             " is set to the current time on every update by MySQL's ON UPDATE CURRENT_TIMESTAMP, "
                             "which " + std::string(EngineName(dst_engine)) +
                             " has no clause for: the column is carried without it (a trigger can do it there)");
      c.on_update_current_timestamp = false;
    }
    if (c.default_kind == Column::DefaultKind::kExpression && !same_engine) {
      out.warnings.push_back("default (" + c.default_value + ") of " + source.ref.ToString() + "." + c.name +
                             " is an expression of " + std::string(EngineName(source_engine)) +
                             " and was not carried over; set it on the destination by hand if it is needed");
      c.default_kind = Column::DefaultKind::kNone;
      c.default_value.clear();
    }
  }

  // Index names: MySQL's are per table, PostgreSQL's per schema and
  // SQLite's per database, so names from MySQL get the table's name in
  // front where collisions would otherwise follow (every sysbench table has
  // an index k_1).
  if (source_engine == Engine::kMysql && dst_engine != Engine::kMysql) {
    for (IndexDef& idx : t.indexes) {
      if (idx.name.rfind(t.ref.name + "_", 0) != 0) idx.name = t.ref.name + "_" + idx.name;
    }
  }
  for (IndexDef& idx : t.indexes) {
    if (same_engine && !idx.native_definition.empty()) {
      idx.unsupported_reason.clear();  // the source's own definition carries it
    } else {
      idx.native_definition.clear();
      idx.constraint = false;
    }
  }
  if (!same_engine) {
    for (ForeignKey& fk : t.foreign_keys) {
      fk.match_full = fk.deferrable = fk.initially_deferred = false;
    }
  }
  std::vector<IndexDef> kept;
  for (IndexDef& idx : t.indexes) {
    if (!idx.unsupported_reason.empty()) {
      out.warnings.push_back("index " + idx.name + " of " + source.ref.ToString() +
                             " was skipped: " + idx.unsupported_reason + "; create it on the destination by hand");
      continue;
    }
    if (std::string why = IndexKindNotCarried(idx.kind, dst_engine); !why.empty()) {
      out.warnings.push_back("index " + idx.name + " of " + source.ref.ToString() + " was skipped: " + why);
      continue;
    }
    if (dst_engine != Engine::kMysql) {
      for (auto& ic : idx.columns) ic.prefix_length = 0;  // prefixes exist only in MySQL
    }
    kept.push_back(idx);
  }
  t.indexes = std::move(kept);

  // A CHECK whose text cannot be carried safely is left out with a
  // warning rather than failing the table: the rows do not depend on it.
  std::vector<CheckConstraint> checks;
  for (CheckConstraint& ck : t.checks) {
    auto translated = TranslateExpression(ck.expression, source_engine, dst_engine);
    if (!translated.ok()) {
      out.warnings.push_back("CHECK " + ck.name + " of " + source.ref.ToString() + " was not carried over: " +
                             translated.status().message() + "; create it on the destination by hand");
      continue;
    }
    ck.expression = std::move(*translated);
    checks.push_back(std::move(ck));
  }
  t.checks = std::move(checks);
  if (dst_engine == Engine::kMysql) {
    // MariaDB refuses a CHECK that reads an AUTO_INCREMENT column (error
    // 1901), as a SQLite INTEGER PRIMARY KEY or PostgreSQL identity becomes.
    std::erase_if(t.checks, [&](const CheckConstraint& ck) {
      for (const Column& c : t.columns) {
        if (!c.auto_increment || !MentionsIdentifier(ck.expression, c.name)) continue;
        out.warnings.push_back("CHECK " + ck.name + " of " + source.ref.ToString() + " reads the auto-increment " +
                               "column " + c.name + ", which MySQL does not allow; it was not carried over");
        return true;
      }
      return false;
    });
  }
  // The dialect is the judge of what it can create: generating the DDL now
  // refuses the table before any work is done on it.
  if (auto ddl = destination.CreateTable(t); !ddl.ok()) return ddl.status().WithContext(source.ref.ToString());
  return out;
}

}  // namespace godwit
