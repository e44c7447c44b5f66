// MySQL/MariaDB dialect: backtick quoting, canonical -> native types, DDL.
// Target: MariaDB 10.7+ (UUID type) and MySQL-compatible DDL otherwise.
#include <algorithm>
#include <cctype>
#include <set>

#include "common/text.h"
#include "schema/dialects.h"
#include "schema/literal_text.h"

namespace godwit {
namespace {

bool IsMysqlTimestamp(const std::string& native) {
  return native == "timestamp" || (native.rfind("timestamp(", 0) == 0 && native.find(' ') == std::string::npos);
}

// Index and key columns of unbounded text/blob kinds need a bounded type
// or a prefix in MySQL (3072 bytes of key, 768 utf8mb4 characters).
bool UnboundedForKeys(const ColumnType& t) {
  return (t.kind == TypeKind::kText) || (t.kind == TypeKind::kBlob) ||
         (t.kind == TypeKind::kVarchar && (t.length == 0 || t.length > 768)) ||
         (t.kind == TypeKind::kVarbinary && (t.length == 0 || t.length > 3072)) || t.kind == TypeKind::kJson;
}

// The kinds a CHARACTER SET/COLLATE clause is written for (JSON and UUID
// have their own, fixed comparison).
bool CarriesCollation(TypeKind k) {
  return k == TypeKind::kChar || k == TypeKind::kVarchar || k == TypeKind::kText || k == TypeKind::kEnum ||
         k == TypeKind::kSet;
}

class MysqlDialectImpl : public Dialect {
 public:
  Engine engine() const override { return Engine::kMysql; }

  std::string QuoteIdent(std::string_view name) const override {
    std::string out = "`";
    for (char c : name) {
      if (c == '`') out += '`';
      out += c;
    }
    return out + "`";
  }

  // A data value's literal. Numbers bare only in their strict shape (`1--`
  // would comment out the rest of the line), bits as b'..' only when they
  // are 0s and 1s. A value holding a quote, a backslash or a NUL is written
  // _utf8mb4 X'hex': the same value whether the session escapes with
  // backslashes or runs with NO_BACKSLASH_ESCAPES (where 'x\'' would end at
  // the backslash's quote), so a corrections file means the same in any
  // DBA's session. Other values as a plain '...', which both modes read alike.
  std::string Literal(const ColumnType& type, std::string_view v) const override {
    if (v.data() == nullptr) return "NULL";
    if (type.IsBinary()) return "X'" + HexUpper(v) + "'";
    if (type.kind == TypeKind::kBit && IsBitText(v)) return "b'" + std::string(v) + "'";
    if ((type.IsInteger() || type.kind == TypeKind::kBool || type.kind == TypeKind::kYear) && IsIntegerText(v)) {
      return std::string(v);
    }
    if (v.find_first_of(std::string_view("'\\\0", 3)) != std::string_view::npos)
      return "_utf8mb4 X'" + HexUpper(v) + "'";
    return "'" + std::string(v) + "'";
  }

  // Schema text (enum labels, comments), where only a plain string literal
  // is allowed: escaped for Godwit's own sessions, whose sql_mode never has
  // NO_BACKSLASH_ESCAPES.
  static std::string SchemaString(std::string_view v) {
    std::string out = "'";
    for (char c : v) {
      if (c == '\'' || c == '\\') out += '\\';
      if (c == '\0') {
        out += "\\0";
        continue;
      }
      out += c;
    }
    return out + "'";
  }

  // A column default: Literal's, but a plain escaped string where Literal
  // would write hex. MariaDB cannot re-read `DEFAULT (_utf8mb4 X'..')` (it
  // stores the expression printed back as _utf8mb4'..', which then fails to
  // parse); DDL runs only in Godwit's sessions, whose sql_mode it knows.
  std::string DefaultLiteral(const ColumnType& type, std::string_view v) const {
    std::string lit = Literal(type, v);
    return lit.starts_with("_utf8mb4 X'") ? SchemaString(v) : lit;
  }

  std::string SelectExpr(const Column& c) const override {
    // MariaDB prints FLOAT with 6 significant digits; as DOUBLE it prints
    // the exact value of the float, which every engine reads back exactly.
    if (c.type.kind == TypeKind::kFloat) return "CAST(" + QuoteIdent(c.name) + " AS DOUBLE)";
    return QuoteIdent(c.name);
  }

  std::string ExactKeyExpr(const Column& c) const override {
    // Text columns compare by their collation, usually case- and
    // accent-insensitive ('Ab' = 'ab'). VARCHAR/TEXT keep the bytes written,
    // so their binary form is exact; CHAR drops trailing blanks on read,
    // which utf8mb4_bin ignores too (PAD SPACE) while minding case and
    // accents. CONVERT first: the column may have another character set.
    switch (c.type.kind) {
      case TypeKind::kVarchar:
      case TypeKind::kText: return "CAST(CONVERT(" + QuoteIdent(c.name) + " USING utf8mb4) AS BINARY)";
      case TypeKind::kChar: return "(CONVERT(" + QuoteIdent(c.name) + " USING utf8mb4) COLLATE utf8mb4_bin)";
      default: return QuoteIdent(c.name);
    }
  }

  bool TransactionalDdl() const override { return false; }

  // The character set and sql_mode every Godwit connection sets
  // (connector/mysql/mysql_session.cc).
  std::vector<std::string> ScriptSettings() const override {
    return {"SET NAMES utf8mb4",
            "SET SESSION sql_mode = "
            "'STRICT_ALL_TABLES,NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION,ERROR_FOR_DIVISION_BY_ZERO'"};
  }

  // MySQL's own statement: BEGIN is an alias the server accepts outside
  // stored programs only (inside, it opens a BEGIN ... END block). The
  // same transaction for Godwit's sessions, and the form a DBA's script
  // (a corrections file) is expected to read.
  std::string BeginTransaction() const override { return "START TRANSACTION"; }

  std::string NullSafeEqual(std::string_view lhs, std::string_view rhs) const override {
    return std::string(lhs) + " <=> " + std::string(rhs);
  }

  // VALUES(c) names the value the row would have been inserted with
  // (MariaDB; MySQL 8.0.20+ still accepts it, with a deprecation note).
  std::string UpsertSuffix(const std::vector<std::string>& key_columns,
                           const std::vector<std::string>& update_columns) const override {
    std::string out = " ON DUPLICATE KEY UPDATE ";
    if (update_columns.empty()) {
      // Only the key: a no-op assignment keeps the existing row.
      const std::string q = QuoteIdent(key_columns.front());
      return out + q + " = " + q;
    }
    for (size_t i = 0; i < update_columns.size(); ++i) {
      const std::string q = QuoteIdent(update_columns[i]);
      out += (i ? ", " : "") + q + " = VALUES(" + q + ")";
    }
    return out;
  }

  // MySQL forbids a subquery on the table being changed; LIMIT 1 does it.
  Result<std::vector<std::string>> ModifyColumn(const TableSchema& table, const Column& column) const override {
    // MODIFY takes the whole definition, as CREATE TABLE writes it.
    ASSIGN_OR_RETURN(std::vector<std::string> add, AddColumn(table, column));
    const std::string marker = " ADD COLUMN ";
    std::string& stmt = add.back();
    size_t at = stmt.find(marker);
    if (at == std::string::npos) return Status(ErrorCode::kInternal, "unexpected ADD COLUMN form: " + stmt);
    stmt = stmt.substr(0, at) + " MODIFY COLUMN " + stmt.substr(at + marker.size());
    return add;
  }

  std::string DropIndex(const TableSchema& table, const IndexDef& index) const override {
    return "DROP INDEX " + QuoteIdent(index.name) + " ON " + QualifiedName(table.ref);
  }

  std::string RenameTable(const TableRef& from, const TableRef& to) const override {
    return "RENAME TABLE " + QualifiedName(from) + " TO " + QualifiedName(TableRef{from.schema, to.name});
  }

  std::string OneRowCondition(const TableSchema&, std::string_view predicate) const override {
    return std::string(predicate) + " LIMIT 1";
  }

  Result<std::string> ColumnTypeSql(const ColumnType& t) const override {
    std::string u = t.is_unsigned ? " UNSIGNED" : "";
    switch (t.kind) {
      case TypeKind::kBool: return std::string("TINYINT(1)");
      case TypeKind::kInt8: return "TINYINT" + u;
      case TypeKind::kInt16: return "SMALLINT" + u;
      case TypeKind::kInt24: return "MEDIUMINT" + u;
      case TypeKind::kInt32: return "INT" + u;
      case TypeKind::kInt64: return "BIGINT" + u;
      case TypeKind::kDecimal:
        if (t.precision == 0) return std::string("DECIMAL(65,30)");
        if (t.precision > 65 || t.scale > 38) {
          return Status(ErrorCode::kUnsupported,
                        "DECIMAL(" + std::to_string(t.precision) + "," + std::to_string(t.scale) +
                            ") exceeds MySQL's DECIMAL(65,38)",
                        "Reduce the column's precision on the source, or create the table on MySQL by hand with a "
                        "type of your choice.");
        }
        return "DECIMAL(" + std::to_string(t.precision) + "," + std::to_string(t.scale) + ")" + u;
      case TypeKind::kFloat: return "FLOAT" + u;
      case TypeKind::kDouble: return "DOUBLE" + u;
      case TypeKind::kChar:
        if (t.length == 0) return std::string("CHAR(1)");
        if (t.length <= 255) return "CHAR(" + std::to_string(t.length) + ")";
        return "VARCHAR(" + std::to_string(t.length) + ")";
      case TypeKind::kVarchar:
        if (t.length == 0) return std::string("LONGTEXT");
        if (t.length <= 16383) return "VARCHAR(" + std::to_string(t.length) + ")";
        return TextType(t.length);
      case TypeKind::kText: return TextType(t.length);
      case TypeKind::kBinary: return "BINARY(" + std::to_string(t.length ? t.length : 1) + ")";
      case TypeKind::kVarbinary:
        if (t.length == 0) return std::string("LONGBLOB");
        if (t.length <= 65532) return "VARBINARY(" + std::to_string(t.length) + ")";
        return BlobType(t.length);
      case TypeKind::kBlob: return BlobType(t.length);
      case TypeKind::kDate: return std::string("DATE");
      case TypeKind::kTime: return "TIME(" + std::to_string(t.fsp) + ")";
      case TypeKind::kDateTime: return "DATETIME(" + std::to_string(t.fsp) + ")";
      case TypeKind::kTimestampTz:
        return (IsMysqlTimestamp(t.native) ? "TIMESTAMP(" : "DATETIME(") + std::to_string(t.fsp) + ")";
      case TypeKind::kYear: return std::string("YEAR");
      case TypeKind::kJson: return std::string("JSON");
      case TypeKind::kEnum:
      case TypeKind::kSet: {
        std::string s = t.kind == TypeKind::kEnum ? "ENUM(" : "SET(";
        for (size_t i = 0; i < t.labels.size(); ++i) s += (i ? "," : "") + SchemaString(t.labels[i]);
        if (t.kind == TypeKind::kSet && t.labels.size() > 64) {
          return Status(ErrorCode::kUnsupported, "a MySQL SET holds at most 64 members",
                        "Create the column as text by hand.");
        }
        return s + ")";
      }
      case TypeKind::kUuid: return std::string("UUID");
      case TypeKind::kBit:
        if (t.length > 64) {
          return Status(ErrorCode::kUnsupported, "BIT(" + std::to_string(t.length) + ") exceeds MySQL's BIT(64)",
                        "Create the column by hand (for example as VARCHAR holding the bit string).");
        }
        return "BIT(" + std::to_string(t.length ? t.length : 1) + ")";
      case TypeKind::kNative: return t.native;
    }
    return Status(ErrorCode::kInternal, "unknown type kind");
  }

  Result<std::vector<std::string>> CreateTable(const TableSchema& t) const override {
    std::string sql = "CREATE TABLE " + QualifiedName(t.ref) + " (";
    std::set<std::string> key_columns;
    if (t.primary_key) {
      for (auto& c : t.primary_key->columns) key_columns.insert(c.name);
    }
    for (size_t i = 0; i < t.columns.size(); ++i) {
      const Column& c = t.columns[i];
      ColumnType type = c.type;
      if (key_columns.count(c.name) && UnboundedForKeys(type)) {
        // A key over unbounded text: bound it to what a MySQL key can hold.
        if (type.IsBinary()) {
          type.kind = TypeKind::kVarbinary;
          type.length = 3072;
        } else {
          type.kind = TypeKind::kVarchar;
          type.length = 768;
        }
      }
      ASSIGN_OR_RETURN(std::string type_sql, ColumnTypeSql(type));
      sql += (i ? ", " : "") + QuoteIdent(c.name) + " " + type_sql;
      if (!c.type.charset.empty() && CarriesCollation(c.type.kind)) {
        sql += " CHARACTER SET " + c.type.charset + (c.type.collation.empty() ? "" : " COLLATE " + c.type.collation);
      }
      sql += c.nullable ? " NULL" : " NOT NULL";
      switch (c.default_kind) {
        case Column::DefaultKind::kNone: break;
        case Column::DefaultKind::kNull: sql += " DEFAULT NULL"; break;
        case Column::DefaultKind::kLiteral:
          // BLOB/TEXT literal defaults need the expression form in MariaDB.
          sql += " DEFAULT " + (c.type.IsBinary() || c.type.kind == TypeKind::kText || c.type.kind == TypeKind::kJson
                                    ? "(" + DefaultLiteral(c.type, c.default_value) + ")"
                                    : DefaultLiteral(c.type, c.default_value));
          break;
        case Column::DefaultKind::kCurrentTimestamp:
          if (c.type.kind == TypeKind::kDateTime || c.type.kind == TypeKind::kTimestampTz) {
            sql += " DEFAULT CURRENT_TIMESTAMP" + (c.type.fsp ? "(" + std::to_string(c.type.fsp) + ")" : std::string());
          } else if (c.type.kind == TypeKind::kDate) {
            sql += " DEFAULT (CURRENT_DATE)";
          }
          break;
        case Column::DefaultKind::kExpression: sql += " DEFAULT (" + c.default_value + ")"; break;
        case Column::DefaultKind::kCurrentDate: sql += " DEFAULT (CURRENT_DATE)"; break;
        // MariaDB 10.11 accepts an expression default of uuid() on UUID and text columns.
        case Column::DefaultKind::kUuid: sql += " DEFAULT (UUID())"; break;
      }
      if (c.on_update_current_timestamp &&
          (c.type.kind == TypeKind::kDateTime || c.type.kind == TypeKind::kTimestampTz)) {
        sql += " ON UPDATE CURRENT_TIMESTAMP" + (c.type.fsp ? "(" + std::to_string(c.type.fsp) + ")" : std::string());
      }
      if (c.auto_increment && c.type.IsInteger()) sql += " AUTO_INCREMENT";
      if (!c.comment.empty()) sql += " COMMENT " + SchemaString(c.comment);
    }
    if (t.primary_key) {
      sql += ", PRIMARY KEY (" + KeyColumns(t, *t.primary_key) + ")";
    }
    // AUTO_INCREMENT needs a key; when the column is not the primary key's
    // first column, the unique index comes later, so give it a plain key now.
    for (const Column& c : t.columns) {
      if (c.auto_increment && c.type.IsInteger() && !(t.primary_key && t.primary_key->columns.front().name == c.name)) {
        sql += ", KEY " + QuoteIdent(c.name + "_autoinc") + " (" + QuoteIdent(c.name) + ")";
      }
    }
    // The source's default collation, MySQL to MySQL (ConvertTable clears
    // it otherwise); only names of letters, digits and _ are written.
    const std::string& dc = t.default_collation;
    const bool own_default = !dc.empty() && dc.find('_') != std::string::npos &&
                             std::all_of(dc.begin(), dc.end(), [](char ch) {
                               return std::isalnum(static_cast<unsigned char>(ch)) || ch == '_';
                             });
    sql += own_default ? ") ENGINE=InnoDB DEFAULT CHARSET=" + dc.substr(0, dc.find('_')) + " COLLATE=" + dc
                       : std::string(") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci");
    if (!t.comment.empty()) sql += " COMMENT=" + SchemaString(t.comment);
    return std::vector<std::string>{sql};
  }

  std::string CreateSchemaIfNotExists(std::string_view schema) const override {
    return "CREATE DATABASE IF NOT EXISTS " + QuoteIdent(schema) + " CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci";
  }

  Result<std::string> CreateIndex(const TableSchema& t, const IndexDef& idx) const override {
    const char* kind = idx.kind == IndexKind::kFulltext ? "FULLTEXT "
                       : idx.kind == IndexKind::kSpatial ? "SPATIAL "
                       : idx.unique                      ? "UNIQUE "
                                                         : "";
    return std::string("CREATE ") + kind + "INDEX " + QuoteIdent(idx.name) + " ON " + QualifiedName(t.ref) + " (" +
           KeyColumns(t, idx) + ")";
  }

  Result<std::string> AddForeignKey(const TableSchema& t, const ForeignKey& fk) const override {
    std::string cols, refs;
    for (size_t i = 0; i < fk.columns.size(); ++i) cols += (i ? ", " : "") + QuoteIdent(fk.columns[i]);
    for (size_t i = 0; i < fk.ref_columns.size(); ++i) refs += (i ? ", " : "") + QuoteIdent(fk.ref_columns[i]);
    std::string sql = "ALTER TABLE " + QualifiedName(t.ref) + " ADD CONSTRAINT " + QuoteIdent(fk.name) +
                      " FOREIGN KEY (" + cols + ") REFERENCES " + QualifiedName(fk.ref_table) + " (" + refs + ")";
    if (!fk.on_delete.empty()) sql += " ON DELETE " + fk.on_delete;
    if (!fk.on_update.empty()) sql += " ON UPDATE " + fk.on_update;
    return sql;
  }

  Result<std::string> AddCheck(const TableSchema& t, const CheckConstraint& ck) const override {
    return "ALTER TABLE " + QualifiedName(t.ref) + " ADD CONSTRAINT " + QuoteIdent(ck.name) + " CHECK (" +
           ck.expression + ")";
  }

  Result<std::vector<std::string>> CreateView(const ViewDef& v) const override {
    return std::vector<std::string>{"CREATE OR REPLACE VIEW " + QualifiedName(v.ref) + " AS " + v.definition};
  }

 private:
  static std::string TextType(uint32_t length) {
    if (length == 0) return "LONGTEXT";
    if (length <= 255) return "TINYTEXT";
    if (length <= 65535) return "TEXT";
    if (length <= 16777215) return "MEDIUMTEXT";
    return "LONGTEXT";
  }
  static std::string BlobType(uint32_t length) {
    if (length == 0) return "LONGBLOB";
    if (length <= 255) return "TINYBLOB";
    if (length <= 65535) return "BLOB";
    if (length <= 16777215) return "MEDIUMBLOB";
    return "LONGBLOB";
  }

  std::string KeyColumns(const TableSchema& t, const IndexDef& idx) const {
    std::string out;
    for (size_t i = 0; i < idx.columns.size(); ++i) {
      const IndexColumn& ic = idx.columns[i];
      out += (i ? ", " : "") + QuoteIdent(ic.name);
      uint32_t prefix = ic.prefix_length;
      const Column* c = t.FindColumn(ic.name);
      // FULLTEXT and SPATIAL indexes take whole columns, never a prefix.
      if (idx.kind != IndexKind::kBtree) prefix = 0;
      if (prefix == 0 && c && !idx.primary && UnboundedForKeys(c->type) && !idx.unique && idx.kind == IndexKind::kBtree) {
        prefix = c->type.IsBinary() ? 3072 : 768;
      }
      if (prefix) out += "(" + std::to_string(prefix) + ")";
      if (ic.descending) out += " DESC";
    }
    return out;
  }
};

}  // namespace

const Dialect& MysqlDialect() {
  static const MysqlDialectImpl kDialect;
  return kDialect;
}

}  // namespace godwit
