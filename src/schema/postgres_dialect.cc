// The PostgreSQL Dialect: quoting, literals, canonical -> native types and
// DDL. The type mapping is documented in docs/type-mapping/postgres.md.
#include "schema/postgres_dialect.h"

#include "common/text.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "schema/dialects.h"
#include "schema/literal_text.h"
#include "schema/source_statement.h"
#include "schema/sql_lexer.h"

namespace godwit {
namespace pg {
namespace {

constexpr size_t kMaxIdentifierBytes = 63;
constexpr uint32_t kMaxCharLength = 10485760;  // character(n) / varchar(n) limit

// A random UUID default (PostgreSQL 13+ has gen_random_uuid() built in);
// a text column takes its text form.
std::string RandomUuid(const ColumnType& t) {
  return t.kind == TypeKind::kUuid ? "gen_random_uuid()" : "(gen_random_uuid())::text";
}
constexpr uint32_t kMaxNumericPrecision = 1000;

uint32_t Fnv1a(std::string_view s) {
  uint32_t h = 2166136261u;
  for (unsigned char c : s) {
    h ^= c;
    h *= 16777619u;
  }
  return h;
}

std::string Quote(std::string_view name) {
  std::string id = PgIdentifier(name);
  std::string out;
  out.reserve(id.size() + 2);
  out.push_back('"');
  for (char c : id) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

// A string literal that means the same whatever standard_conforming_strings
// says: a value holding a backslash is written E'...' with the backslash
// doubled (read as an escape with the setting off, a plain '...' would let
// `x\` escape its closing quote), any other value '...' (no backslash, so
// nothing for the setting to change). Every literal of this dialect goes
// through here: copy, replay, corrections (file and --apply), defaults.
std::string PgString(std::string_view text) {
  if (text.find('\\') == std::string_view::npos) return SqlStringLiteral(text);
  std::string out = "E'";
  for (char c : text) {
    if (c == '\'' || c == '\\') out.push_back(c);
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

bool IsVaryingBit(const ColumnType& t) {
  return StartsWith(t.native, "bit varying") || StartsWith(t.native, "varbit") || StartsWith(t.native, "BIT VARYING") ||
         StartsWith(t.native, "VARBIT");
}

// PostgreSQL identity columns must be smallint, integer or bigint.
bool CanBeIdentity(const Column& c) { return c.auto_increment && c.type.IsInteger(); }

// Rule for index and primary-key names, which PostgreSQL requires to be
// unique per schema while MySQL only per table (every MySQL primary key is
// "PRIMARY", unique keys default to the column name): a name that does not
// already start with "<table>_" is prefixed with it.
std::string ScopedIndexName(const TableSchema& table, std::string_view name, std::string_view fallback) {
  std::string prefix = table.ref.name + "_";
  if (name.empty()) return prefix + std::string(fallback);
  if (StartsWith(name, prefix)) return std::string(name);
  return prefix + std::string(name);
}

std::string ColumnList(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) {
    if (i != 0) out += ", ";
    out += Quote(names[i]);
  }
  return out;
}

class PostgresDialectImpl final : public Dialect {
 public:
  Engine engine() const override { return Engine::kPostgres; }

  std::string QuoteIdent(std::string_view name) const override { return Quote(name); }
  std::string FromTable(const TableSchema& table) const override {
    return table.inheritance_parent ? "ONLY " + QualifiedName(table.ref) : QualifiedName(table.ref);
  }

  // A NULL Value's bytes() is a view with a null data pointer; such a
  // `canonical` gives NULL.
  std::string Literal(const ColumnType& type, std::string_view canonical) const override {
    if (canonical.data() == nullptr) return "NULL";
    switch (type.kind) {
      case TypeKind::kInt8:
      case TypeKind::kInt16:
      case TypeKind::kInt24:
      case TypeKind::kInt32:
      case TypeKind::kInt64:
      case TypeKind::kYear:
      case TypeKind::kDecimal:
      case TypeKind::kFloat:
      case TypeKind::kDouble:
        // Bare only in the strict shape of a number (`1--` would comment
        // out the rest of the line); anything else, NaN and Infinity
        // included, is quoted and the column's type reads it (or refuses
        // it, as data).
        return IsNumberText(canonical) ? std::string(canonical) : PgString(canonical);
      case TypeKind::kBool:
        if (canonical == "1") return "true";
        if (canonical == "0") return "false";
        return PgString(canonical);
      case TypeKind::kBinary:
      case TypeKind::kVarbinary:
      case TypeKind::kBlob: {
        // E'\\x..': the same bytes whatever standard_conforming_strings says.
        std::string out = "E'\\\\x";
        AppendHexLower(canonical, out);
        out += "'::bytea";
        return out;
      }
      case TypeKind::kBit: {
        // Anything but 0s and 1s quoted: the cast to bit refuses it.
        return IsBitText(canonical) ? "B'" + std::string(canonical) + "'" : PgString(canonical);
      }
      case TypeKind::kTimestampTz: {
        std::string text;
        AppendTimestampTzInput(canonical, text);
        return PgString(text);
      }
      default: return PgString(canonical);
    }
  }

  // json has no equality operator; jsonb's compares the documents (key
  // order and spacing aside), which is what matching a row image needs.
  std::string ExactKeyExpr(const Column& c) const override {
    if (c.type.kind == TypeKind::kJson) return Quote(c.name) + "::jsonb";
    return Quote(c.name);
  }

  // ctid is the row's physical address: stable within the transaction,
  // which is all an UPDATE/DELETE of one row needs.
  std::string OneRowCondition(const TableSchema& table, std::string_view predicate) const override {
    return "ctid = (SELECT ctid FROM " + QualifiedName(table.ref) + " WHERE " + std::string(predicate) + " LIMIT 1)";
  }

  std::string TruncateInTransaction(const TableRef& table) const override {
    return "TRUNCATE TABLE " + QualifiedName(table);
  }

  // What every Godwit connection sets (connector/postgres/pg_conn.cc) and
  // the literals are written for.
  std::vector<std::string> ScriptSettings() const override {
    return {"SET standard_conforming_strings = on", "SET client_encoding = 'UTF8'"};
  }

  Result<std::vector<std::string>> ModifyColumn(const TableSchema& table, const Column& c) const override {
    if (c.type.kind == TypeKind::kEnum) {
      return Status(ErrorCode::kUnsupported, "changing column " + c.name + " of " + table.ref.ToString() +
                                                 " to an enum during synchronization is not supported");
    }
    ASSIGN_OR_RETURN(std::string type, ColumnTypeSql(c.type));
    const std::string alter = "ALTER TABLE " + QualifiedName(table.ref) + " ALTER COLUMN " + Quote(c.name);
    std::vector<std::string> out;
    out.push_back(alter + " TYPE " + type + " USING " + Quote(c.name) + "::" + type);
    out.push_back(alter + (c.nullable ? " DROP NOT NULL" : " SET NOT NULL"));
    switch (c.default_kind) {
      case Column::DefaultKind::kNone:
      case Column::DefaultKind::kNull: out.push_back(alter + " DROP DEFAULT"); break;
      case Column::DefaultKind::kLiteral:
        out.push_back(alter + " SET DEFAULT " + Literal(c.type, c.default_value));
        break;
      case Column::DefaultKind::kCurrentTimestamp: out.push_back(alter + " SET DEFAULT CURRENT_TIMESTAMP"); break;
      case Column::DefaultKind::kCurrentDate: out.push_back(alter + " SET DEFAULT CURRENT_DATE"); break;
      case Column::DefaultKind::kUuid: out.push_back(alter + " SET DEFAULT " + RandomUuid(c.type)); break;
      case Column::DefaultKind::kExpression: out.push_back(alter + " SET DEFAULT " + c.default_value); break;
    }
    return out;
  }

  std::string DropIndex(const TableSchema& table, const IndexDef& index) const override {
    return "DROP INDEX IF EXISTS " + (table.ref.schema.empty() ? "" : Quote(table.ref.schema) + ".") +
           Quote(index.name);
  }

  Result<std::string> ColumnTypeSql(const ColumnType& t) const override {
    if (!t.declared.empty()) return t.declared;
    switch (t.kind) {
      case TypeKind::kBool: return std::string("boolean");
      case TypeKind::kInt8: return std::string("smallint");
      case TypeKind::kInt16: return std::string(t.is_unsigned ? "integer" : "smallint");
      case TypeKind::kInt24: return std::string("integer");
      case TypeKind::kInt32: return std::string(t.is_unsigned ? "bigint" : "integer");
      case TypeKind::kInt64: return std::string(t.is_unsigned ? "numeric(20,0)" : "bigint");
      case TypeKind::kDecimal:
        if (t.precision == 0) return std::string("numeric");
        if (t.precision > kMaxNumericPrecision) {
          return Status(ErrorCode::kUnsupported,
                        "decimal precision " + std::to_string(t.precision) + " exceeds PostgreSQL's 1000",
                        "Change the column to unconstrained numeric in the converted DDL.");
        }
        return "numeric(" + std::to_string(t.precision) + "," + std::to_string(t.scale) + ")";
      case TypeKind::kFloat: return std::string("real");
      case TypeKind::kDouble: return std::string("double precision");
      case TypeKind::kChar:
        if (t.length > kMaxCharLength) return std::string("text");
        return "character(" + std::to_string(t.length == 0 ? 1 : t.length) + ")";
      case TypeKind::kVarchar:
        if (t.length == 0) return std::string("character varying");
        if (t.length > kMaxCharLength) return std::string("text");
        return "character varying(" + std::to_string(t.length) + ")";
      case TypeKind::kText:
      case TypeKind::kSet:  // labels joined by ',' as text; PostgreSQL has no SET type
        return std::string("text");
      case TypeKind::kBinary:
      case TypeKind::kVarbinary:
      case TypeKind::kBlob: return std::string("bytea");
      case TypeKind::kDate: return std::string("date");
      case TypeKind::kTime: return "time(" + std::to_string(std::min(t.fsp, 6u)) + ")";
      case TypeKind::kDateTime: return "timestamp(" + std::to_string(std::min(t.fsp, 6u)) + ")";
      case TypeKind::kTimestampTz: return "timestamptz(" + std::to_string(std::min(t.fsp, 6u)) + ")";
      case TypeKind::kYear: return std::string("smallint");
      case TypeKind::kJson: return std::string(t.native == "json" ? "json" : "jsonb");
      case TypeKind::kEnum:
        return Status(ErrorCode::kUnsupported, "an enum column's type is created with its table",
                      "Use CreateTable, which creates the enum type \"<table>_<column>\" before the table.");
      case TypeKind::kUuid: return std::string("uuid");
      case TypeKind::kBit:
        if (IsVaryingBit(t)) return t.length == 0 ? "bit varying" : "bit varying(" + std::to_string(t.length) + ")";
        if (t.length == 0) return std::string("bit varying");
        return "bit(" + std::to_string(t.length) + ")";
      case TypeKind::kNative:
        if (t.native.empty()) return Status(ErrorCode::kUnsupported, "a native column type without its name");
        return t.native;
    }
    return Status(ErrorCode::kInternal, "unknown type kind");
  }

  Result<std::vector<std::string>> CreateTable(const TableSchema& table) const override {
    std::vector<std::string> out;
    const std::string qname = QualifiedName(table.ref);
    std::string sql = "CREATE TABLE " + qname + " (";
    for (size_t i = 0; i < table.columns.size(); ++i) {
      const Column& c = table.columns[i];
      std::string type;
      if (!c.type.declared.empty()) {
        type = c.type.declared;
      } else if (c.type.kind == TypeKind::kEnum) {
        std::string enum_name = EnumTypeName(table.ref, c.name);
        std::string create = "CREATE TYPE " + enum_name + " AS ENUM (";
        for (size_t l = 0; l < c.type.labels.size(); ++l) {
          if (l != 0) create += ", ";
          create += PgString(c.type.labels[l]);
        }
        out.push_back(create + ")");
        type = enum_name;
      } else if (CanBeIdentity(c) && c.type.kind == TypeKind::kInt64) {
        // BIGINT UNSIGNED AUTO_INCREMENT is MySQL's usual key; a generated
        // key never reaches 2^63, and identity needs an integer type.
        type = "bigint";
      } else {
        auto t = ColumnTypeSql(c.type);
        if (!t.ok()) return t.status().WithContext("column " + c.name + " of " + table.ref.ToString());
        type = *t;
      }
      sql += i == 0 ? "\n  " : ",\n  ";
      sql += Quote(c.name) + " " + type;
      // Only a PostgreSQL source names a collation here (ConvertTable
      // clears the others'); "default" is the database's own.
      if (!c.type.collation.empty() && c.type.collation != "default" &&
          (c.type.kind == TypeKind::kChar || c.type.kind == TypeKind::kVarchar || c.type.kind == TypeKind::kText)) {
        sql += " COLLATE " + Quote(c.type.collation);
      }
      if (CanBeIdentity(c)) sql += " GENERATED BY DEFAULT AS IDENTITY";
      if (!c.nullable) sql += " NOT NULL";
      if (!CanBeIdentity(c)) {
        switch (c.default_kind) {
          case Column::DefaultKind::kNone: break;
          case Column::DefaultKind::kNull: sql += " DEFAULT NULL"; break;
          case Column::DefaultKind::kLiteral: sql += " DEFAULT " + Literal(c.type, c.default_value); break;
          case Column::DefaultKind::kCurrentTimestamp: sql += " DEFAULT CURRENT_TIMESTAMP"; break;
          case Column::DefaultKind::kCurrentDate: sql += " DEFAULT CURRENT_DATE"; break;
          case Column::DefaultKind::kUuid: sql += " DEFAULT " + RandomUuid(c.type); break;
          case Column::DefaultKind::kExpression: sql += " DEFAULT " + c.default_value; break;
        }
      }
    }
    if (table.primary_key && !table.primary_key->columns.empty()) {
      std::vector<std::string> cols;
      for (const auto& ic : table.primary_key->columns) cols.push_back(ic.name);
      // MySQL calls every primary key PRIMARY: give it PostgreSQL's usual name.
      const std::string& pk = table.primary_key->name;
      sql += ",\n  CONSTRAINT " + Quote(ScopedIndexName(table, pk == "PRIMARY" ? "" : pk, "pkey")) + " PRIMARY KEY (" +
             ColumnList(cols) + ")";
    }
    sql += "\n)";
    out.push_back(std::move(sql));
    if (!table.comment.empty()) out.push_back("COMMENT ON TABLE " + qname + " IS " + PgString(table.comment));
    for (const auto& c : table.columns) {
      if (c.comment.empty()) continue;
      out.push_back("COMMENT ON COLUMN " + qname + "." + Quote(c.name) + " IS " + PgString(c.comment));
    }
    return out;
  }

  std::string CreateSchemaIfNotExists(std::string_view schema) const override {
    return "CREATE SCHEMA IF NOT EXISTS " + Quote(schema);
  }

  Result<std::string> CreateIndex(const TableSchema& table, const IndexDef& index) const override {
    if (!index.native_definition.empty()) {
      // Source text after our own head: one clause, or an ALTER TABLE
      // could be made to do more than add this constraint.
      RETURN_IF_ERROR(CheckOneClause(index.native_definition, Engine::kPostgres,
                                      "index " + index.name + " of " + table.ref.ToString()));
      if (index.constraint) {
        return "ALTER TABLE " + QualifiedName(table.ref) + " ADD CONSTRAINT " + Quote(index.name) + " " +
               index.native_definition;
      }
      // Same engine: the source's name, already unique in its schema.
      return std::string(index.unique ? "CREATE UNIQUE INDEX " : "CREATE INDEX ") + Quote(index.name) + " ON " +
             QualifiedName(table.ref) + " " + index.native_definition;
    }
    if (!index.unsupported_reason.empty()) {
      return Status(ErrorCode::kUnsupported, "index " + index.name + " of " + table.ref.ToString() +
                                                 " is not carried: " + index.unsupported_reason);
    }
    if (index.columns.empty()) {
      return Status(ErrorCode::kUnsupported, "index " + index.name + " of " + table.ref.ToString() + " has no columns");
    }
    if (index.kind == IndexKind::kSpatial) {
      return Status(ErrorCode::kUnsupported, "index " + index.name + " of " + table.ref.ToString() +
                                                 " is a SPATIAL index, which Godwit does not create on PostgreSQL");
    }
    std::string sql = index.unique ? "CREATE UNIQUE INDEX " : "CREATE INDEX ";
    sql += Quote(ScopedIndexName(table, index.name, "idx")) + " ON " + QualifiedName(table.ref);
    if (index.kind == IndexKind::kFulltext) {
      // MySQL's FULLTEXT (a, b) as one tsvector of the columns' text; a
      // query uses the index only with this same expression
      // (docs/type-mapping.md, "Indexes").
      std::string doc;
      for (size_t i = 0; i < index.columns.size(); ++i) {
        doc += (i ? " || ' ' || " : "") + std::string("coalesce(") + Quote(index.columns[i].name) + ", '')";
      }
      return sql + " USING gin (to_tsvector('simple', " + doc + "))";
    }
    sql += " (";
    for (size_t i = 0; i < index.columns.size(); ++i) {
      const IndexColumn& ic = index.columns[i];
      if (i != 0) sql += ", ";
      // A MySQL prefix length has no PostgreSQL equivalent (btree keys are
      // whole values): the index covers the whole column. A unique prefix
      // index becomes unique on the whole value, which is looser, so every
      // row the MySQL index accepted is accepted here too.
      sql += Quote(ic.name);
      if (ic.descending) sql += " DESC";
    }
    return sql + ")";
  }

  Result<std::string> AddForeignKey(const TableSchema& table, const ForeignKey& fk) const override {
    if (fk.columns.empty() || fk.columns.size() != fk.ref_columns.size()) {
      return Status(ErrorCode::kUnsupported,
                    "foreign key " + fk.name + " of " + table.ref.ToString() + " has mismatched column lists");
    }
    auto action = [](const std::string& a) -> Result<std::string> {
      if (a.empty() || a == "NO ACTION" || a == "RESTRICT" || a == "CASCADE" || a == "SET NULL" || a == "SET DEFAULT") {
        return a;
      }
      return Status(ErrorCode::kUnsupported, "foreign key action '" + a + "' is not known to PostgreSQL");
    };
    ASSIGN_OR_RETURN(std::string on_delete, action(fk.on_delete));
    ASSIGN_OR_RETURN(std::string on_update, action(fk.on_update));
    TableRef ref = fk.ref_table;
    if (ref.schema.empty()) ref.schema = table.ref.schema;  // same-database reference
    std::string sql = "ALTER TABLE " + QualifiedName(table.ref) + " ADD ";
    if (!fk.name.empty()) sql += "CONSTRAINT " + Quote(fk.name) + " ";
    sql += "FOREIGN KEY (" + ColumnList(fk.columns) + ") REFERENCES " + QualifiedName(ref) + " (" +
           ColumnList(fk.ref_columns) + ")";
    if (fk.match_full) sql += " MATCH FULL";
    if (!on_delete.empty()) sql += " ON DELETE " + on_delete;
    if (!on_update.empty()) sql += " ON UPDATE " + on_update;
    if (fk.deferrable) sql += fk.initially_deferred ? " DEFERRABLE INITIALLY DEFERRED" : " DEFERRABLE";
    return sql;
  }

  Result<std::string> AddCheck(const TableSchema& table, const CheckConstraint& check) const override {
    if (check.expression.empty()) {
      return Status(ErrorCode::kUnsupported, "CHECK constraint " + check.name + " has no expression");
    }
    std::string sql = "ALTER TABLE " + QualifiedName(table.ref) + " ADD ";
    if (!check.name.empty()) sql += "CONSTRAINT " + Quote(check.name) + " ";
    return sql + "CHECK (" + check.expression + ")";
  }

  Result<std::vector<std::string>> CreateView(const ViewDef& view) const override {
    if (view.definition.empty())
      return Status(ErrorCode::kUnsupported, "view " + view.ref.ToString() + " has no definition");
    std::vector<std::string> out = {"CREATE OR REPLACE VIEW " + QualifiedName(view.ref) + " AS\n" + view.definition};
    if (!view.comment.empty()) {
      out.push_back("COMMENT ON VIEW " + QualifiedName(view.ref) + " IS " + PgString(view.comment));
    }
    return out;
  }

  std::vector<std::string> AfterLoad(const TableSchema& table) const override {
    std::vector<std::string> out;
    const std::string qname = QualifiedName(table.ref);
    for (const auto& c : table.columns) {
      if (!CanBeIdentity(c)) continue;
      // pg_get_serial_sequence parses its first argument as SQL (hence the
      // quoted name) and takes the column name literally.
      std::string col = Quote(c.name);
      out.push_back("SELECT setval(pg_get_serial_sequence(" + PgString(qname) + ", " + PgString(PgIdentifier(c.name)) +
                    "), GREATEST(COALESCE(MAX(" + col + "), 0), 0) + 1, false) FROM " + qname);
    }
    return out;
  }
};

}  // namespace

std::string PgIdentifier(std::string_view name) {
  if (name.size() <= kMaxIdentifierBytes) return std::string(name);
  size_t cut = kMaxIdentifierBytes - 9;                                             // room for '_' and 8 hex digits
  while (cut > 0 && (static_cast<unsigned char>(name[cut]) & 0xC0) == 0x80) --cut;  // UTF-8 continuation byte
  char hash[10];
  std::snprintf(hash, sizeof(hash), "_%08x", Fnv1a(name));
  return std::string(name.substr(0, cut)) + hash;
}

std::string EnumTypeName(const TableRef& table, std::string_view column) {
  std::string type = Quote(table.name + "_" + std::string(column));
  return table.schema.empty() ? type : Quote(table.schema) + "." + type;
}

size_t StripUtcOffsetInPlace(char* text, size_t size) {
  std::string_view s(text, size);
  if (s.ends_with("+00")) return size - 3;
  if (s.ends_with("+00 BC")) {
    std::memmove(text + size - 6, text + size - 3, 3);
    return size - 3;
  }
  return size;  // infinity, -infinity
}

void AppendTimestampTzInput(std::string_view canonical, std::string& out) {
  if (canonical == "infinity" || canonical == "-infinity") {
    out.append(canonical);
  } else if (canonical.ends_with(" BC")) {
    out.append(canonical.substr(0, canonical.size() - 3));
    out.append("+00 BC");
  } else {
    out.append(canonical);
    out.append("+00");
  }
}

}  // namespace pg

const Dialect& PostgresDialect() {
  static const pg::PostgresDialectImpl kDialect;
  return kDialect;
}

}  // namespace godwit
