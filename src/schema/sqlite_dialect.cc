#include "schema/sqlite_dialect.h"

#include <cctype>
#include <cstdlib>

#include "common/text.h"
#include "schema/dialects.h"
#include "schema/literal_text.h"

namespace godwit {
namespace {

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string WithLength(const char* name, uint32_t n) {
  return n ? std::string(name) + "(" + std::to_string(n) + ")" : std::string(name);
}

std::string SizedName(uint32_t length, const char* tiny, const char* normal, const char* medium,
                      const char* long_name) {
  if (length == 0) return normal;
  if (length <= 255) return tiny;
  if (length <= 65535) return normal;
  if (length <= 16777215) return medium;
  return long_name;
}

class SqliteDialectImpl : public Dialect {
 public:
  Engine engine() const override { return Engine::kSqlite; }

  std::string QuoteIdent(std::string_view name) const override {
    std::string out = "\"";
    for (char c : name) {
      if (c == '"') out += '"';
      out += c;
    }
    return out + "\"";
  }

  std::string Literal(const ColumnType& type, std::string_view v) const override {
    if (v.data() == nullptr) return "NULL";
    if (type.IsBinary()) return "X'" + HexUpper(v) + "'";
    bool numeric_kind = type.IsInteger() || type.kind == TypeKind::kBool || type.kind == TypeKind::kYear ||
                        type.kind == TypeKind::kFloat || type.kind == TypeKind::kDouble;
    if (numeric_kind) {
      if (v == "Infinity") return "9e999";
      if (v == "-Infinity") return "-9e999";
      // Bare only in the strict shape of a number: `1--` would comment out
      // the rest of the line. Anything else is stored as the text it is.
      if (IsNumberText(v)) return std::string(v);
    }
    return SqlStringLiteral(v);
  }

  std::string BeginTransaction() const override { return "BEGIN IMMEDIATE"; }
  bool ConcurrentWriters() const override { return false; }

  std::string NullSafeEqual(std::string_view lhs, std::string_view rhs) const override {
    return std::string(lhs) + " IS " + std::string(rhs);
  }

  // A table without a key always has a rowid (WITHOUT ROWID needs a
  // primary key).
  Result<std::vector<std::string>> ModifyColumn(const TableSchema& table, const Column& column) const override {
    // SQLite cannot alter a column; its dynamic typing stores the new
    // values as they come, so the old declaration is kept.
    (void)table;
    (void)column;
    return std::vector<std::string>{};
  }

  std::string DropIndex(const TableSchema&, const IndexDef& index) const override {
    return "DROP INDEX IF EXISTS " + QuoteIdent(index.name);
  }

  std::string OneRowCondition(const TableSchema& table, std::string_view predicate) const override {
    return "rowid = (SELECT rowid FROM " + QualifiedName(table.ref) + " WHERE " + std::string(predicate) + " LIMIT 1)";
  }

  std::string ExactKeyExpr(const Column& c) const override {
    // A table created beforehand may declare NOCASE or RTRIM.
    if (c.type.kind == TypeKind::kChar || c.type.kind == TypeKind::kVarchar || c.type.kind == TypeKind::kText) {
      return QuoteIdent(c.name) + " COLLATE BINARY";
    }
    return QuoteIdent(c.name);
  }

  Result<std::string> ColumnTypeSql(const ColumnType& t) const override {
    switch (t.kind) {
      case TypeKind::kBool: return std::string("BOOLEAN");
      case TypeKind::kInt8: return std::string(t.is_unsigned ? "TINYINT UNSIGNED" : "TINYINT");
      case TypeKind::kInt16: return std::string(t.is_unsigned ? "SMALLINT UNSIGNED" : "SMALLINT");
      case TypeKind::kInt24: return std::string(t.is_unsigned ? "MEDIUMINT UNSIGNED" : "MEDIUMINT");
      case TypeKind::kInt32: return std::string(t.is_unsigned ? "INT UNSIGNED" : "INT");
      case TypeKind::kInt64:
        // Above INT64_MAX SQLite would store a lossy REAL: keep it as text.
        return std::string(t.is_unsigned ? "DECIMAL_TEXT(20,0)" : "BIGINT");
      case TypeKind::kDecimal:
        if (t.precision == 0) return std::string("DECIMAL_TEXT");
        return "DECIMAL_TEXT(" + std::to_string(t.precision) + "," + std::to_string(t.scale) + ")";
      case TypeKind::kFloat: return std::string("FLOAT");
      case TypeKind::kDouble: return std::string("DOUBLE");
      case TypeKind::kChar: return WithLength("CHAR", t.length);
      case TypeKind::kVarchar: return WithLength("VARCHAR", t.length);
      case TypeKind::kText: return std::string(SizedName(t.length, "TINYTEXT", "TEXT", "MEDIUMTEXT", "LONGTEXT"));
      case TypeKind::kBinary: return WithLength("BINARY", t.length);
      case TypeKind::kVarbinary: return WithLength("VARBINARY", t.length);
      case TypeKind::kBlob: return std::string(SizedName(t.length, "TINYBLOB", "BLOB", "MEDIUMBLOB", "LONGBLOB"));
      case TypeKind::kDate: return std::string("DATE");
      // Fractional digits always spelled out: a bare DATETIME reads back as
      // microsecond precision (see SqliteColumnType).
      case TypeKind::kTime: return "TIME(" + std::to_string(t.fsp) + ")";
      case TypeKind::kDateTime: return "DATETIME(" + std::to_string(t.fsp) + ")";
      case TypeKind::kTimestampTz: return "TIMESTAMPTZ(" + std::to_string(t.fsp) + ")";
      case TypeKind::kYear: return std::string("YEAR");
      case TypeKind::kJson: return std::string("JSON_TEXT");
      case TypeKind::kEnum: return std::string("ENUM_TEXT");
      case TypeKind::kSet: return std::string("SET_TEXT");
      case TypeKind::kUuid: return std::string("UUID");
      case TypeKind::kBit: return WithLength("BIT_TEXT", t.length);
      case TypeKind::kNative: return t.native;
    }
    return Status(ErrorCode::kInternal, "unknown type kind");
  }

  Result<std::vector<std::string>> CreateTable(const TableSchema& t) const override {
    std::string sql = "CREATE TABLE " + QuoteIdent(t.ref.name) + " (";
    bool inline_pk = false;
    for (size_t i = 0; i < t.columns.size(); ++i) {
      const Column& c = t.columns[i];
      ASSIGN_OR_RETURN(std::string type, ColumnTypeSql(c.type));
      if (i) sql += ", ";
      sql += QuoteIdent(c.name) + " ";
      bool rowid_pk = c.auto_increment && c.type.IsInteger() &&
                      !(c.type.kind == TypeKind::kInt64 && c.type.is_unsigned) && t.primary_key &&
                      t.primary_key->columns.size() == 1 && t.primary_key->columns[0].name == c.name;
      if (rowid_pk) {
        // Only the exact spelling INTEGER makes the column the rowid.
        sql += "INTEGER PRIMARY KEY AUTOINCREMENT";
        inline_pk = true;
        continue;
      }
      sql += type;
      if (!c.nullable) sql += " NOT NULL";
      switch (c.default_kind) {
        case Column::DefaultKind::kNone: break;
        case Column::DefaultKind::kNull: sql += " DEFAULT NULL"; break;
        case Column::DefaultKind::kLiteral: sql += " DEFAULT " + Literal(c.type, c.default_value); break;
        case Column::DefaultKind::kCurrentTimestamp: sql += " DEFAULT CURRENT_TIMESTAMP"; break;
        case Column::DefaultKind::kExpression: sql += " DEFAULT (" + c.default_value + ")"; break;
        case Column::DefaultKind::kCurrentDate: sql += " DEFAULT CURRENT_DATE"; break;
        case Column::DefaultKind::kUuid: break;  // none in SQLite; ConvertTable warns
      }
    }
    if (t.primary_key && !inline_pk) {
      sql += ", PRIMARY KEY (";
      for (size_t i = 0; i < t.primary_key->columns.size(); ++i) {
        sql += (i ? ", " : "") + QuoteIdent(t.primary_key->columns[i].name);
      }
      sql += ")";
    }
    // SQLite cannot add constraints to an existing table, so they are part
    // of CREATE TABLE; foreign keys are not enforced during the load
    // (foreign_keys=OFF on Godwit's connections).
    for (const ForeignKey& fk : t.foreign_keys) sql += ", " + ForeignKeyClause(fk);
    for (const CheckConstraint& ck : t.checks) {
      sql += ", CONSTRAINT " + QuoteIdent(ck.name) + " CHECK (" + ck.expression + ")";
    }
    sql += ")";
    return std::vector<std::string>{sql};
  }

  std::string CreateSchemaIfNotExists(std::string_view) const override { return ""; }

  Result<std::string> CreateIndex(const TableSchema& t, const IndexDef& idx) const override {
    if (idx.kind != IndexKind::kBtree) {
      return Status(ErrorCode::kUnsupported, "index " + idx.name + " of " + t.ref.ToString() +
                                                 " is a FULLTEXT or SPATIAL index, which SQLite has no equivalent of");
    }
    std::string sql = std::string("CREATE ") + (idx.unique ? "UNIQUE " : "") + "INDEX IF NOT EXISTS " +
                      QuoteIdent(idx.name) + " ON " + QuoteIdent(t.ref.name) + " (";
    for (size_t i = 0; i < idx.columns.size(); ++i) {
      sql += (i ? ", " : "") + QuoteIdent(idx.columns[i].name) + (idx.columns[i].descending ? " DESC" : "");
    }
    return sql + ")";
  }

  Result<std::string> AddForeignKey(const TableSchema&, const ForeignKey&) const override { return std::string(); }
  Result<std::string> AddCheck(const TableSchema&, const CheckConstraint&) const override { return std::string(); }

  Result<std::vector<std::string>> CreateView(const ViewDef& v) const override {
    return std::vector<std::string>{"CREATE VIEW IF NOT EXISTS " + QuoteIdent(v.ref.name) + " AS " + v.definition};
  }

 private:
  std::string ForeignKeyClause(const ForeignKey& fk) const {
    std::string s = "CONSTRAINT " + QuoteIdent(fk.name) + " FOREIGN KEY (";
    for (size_t i = 0; i < fk.columns.size(); ++i) s += (i ? ", " : "") + QuoteIdent(fk.columns[i]);
    s += ") REFERENCES " + QuoteIdent(fk.ref_table.name) + " (";
    for (size_t i = 0; i < fk.ref_columns.size(); ++i) s += (i ? ", " : "") + QuoteIdent(fk.ref_columns[i]);
    s += ")";
    if (!fk.on_delete.empty()) s += " ON DELETE " + fk.on_delete;
    if (!fk.on_update.empty()) s += " ON UPDATE " + fk.on_update;
    return s;
  }
};

}  // namespace

ColumnType SqliteColumnType(std::string_view declared) {
  ColumnType t;
  t.native = std::string(declared);
  std::string up = Upper(declared);
  // Split "NAME WORDS(a, b)" into the words and the arguments.
  std::string words = up, args;
  if (size_t open = up.find('('); open != std::string::npos) {
    words = up.substr(0, open);
    size_t close = up.find(')', open);
    args = up.substr(open + 1, close == std::string::npos ? std::string::npos : close - open - 1);
  }
  while (!words.empty() && words.back() == ' ') words.pop_back();
  uint32_t a1 = 0, a2 = 0;
  if (!args.empty()) {
    a1 = static_cast<uint32_t>(std::strtoul(args.c_str(), nullptr, 10));
    if (size_t comma = args.find(','); comma != std::string::npos) {
      a2 = static_cast<uint32_t>(std::strtoul(args.c_str() + comma + 1, nullptr, 10));
    }
  }
  bool is_unsigned = words.find("UNSIGNED") != std::string::npos;
  std::string base = words.substr(0, words.find(' '));
  auto set = [&](TypeKind k) {
    t.kind = k;
    t.is_unsigned = is_unsigned;
    return t;
  };
  if (base == "BOOLEAN" || base == "BOOL") return set(TypeKind::kBool);
  if (base == "TINYINT") return set(TypeKind::kInt8);
  if (base == "SMALLINT") return set(TypeKind::kInt16);
  if (base == "MEDIUMINT") return set(TypeKind::kInt24);
  if (base == "INT") return set(TypeKind::kInt32);
  if (base == "INTEGER" || base == "BIGINT") return set(TypeKind::kInt64);
  if (base == "DECIMAL" || base == "NUMERIC" || base == "DECIMAL_TEXT") {
    t.precision = a1;
    t.scale = a2;
    return set(TypeKind::kDecimal);
  }
  if (base == "FLOAT") return set(TypeKind::kFloat);
  if (base == "REAL" || base == "DOUBLE") return set(TypeKind::kDouble);
  if (base == "CHAR" || base == "CHARACTER" || base == "NCHAR") {
    if (words.find("VARYING") != std::string::npos) {
      t.length = a1;
      return set(TypeKind::kVarchar);
    }
    t.length = a1;
    return set(TypeKind::kChar);
  }
  if (base == "VARCHAR" || base == "NVARCHAR") {
    t.length = a1;
    return set(TypeKind::kVarchar);
  }
  if (base == "TINYTEXT") return t.length = 255, set(TypeKind::kText);
  if (base == "TEXT" || base == "CLOB") return set(TypeKind::kText);
  if (base == "MEDIUMTEXT") return t.length = 16777215, set(TypeKind::kText);
  if (base == "LONGTEXT") return t.length = 4294967295u, set(TypeKind::kText);
  if (base == "TINYBLOB") return t.length = 255, set(TypeKind::kBlob);
  if (base == "BLOB") return set(TypeKind::kBlob);
  if (base == "MEDIUMBLOB") return t.length = 16777215, set(TypeKind::kBlob);
  if (base == "LONGBLOB") return t.length = 4294967295u, set(TypeKind::kBlob);
  if (base == "BINARY") return t.length = a1, set(TypeKind::kBinary);
  if (base == "VARBINARY") return t.length = a1, set(TypeKind::kVarbinary);
  if (base == "DATE") return set(TypeKind::kDate);
  // SQLite stores times as text of any precision: without a declared
  // precision assume microseconds, so that no fraction is cut on the way.
  const uint32_t fsp = args.empty() ? 6 : a1;
  if (base == "TIME") return t.fsp = fsp, set(TypeKind::kTime);
  if (base == "DATETIME" || base == "TIMESTAMP") return t.fsp = fsp, set(TypeKind::kDateTime);
  if (base == "TIMESTAMPTZ") return t.fsp = fsp, set(TypeKind::kTimestampTz);
  if (base == "YEAR") return set(TypeKind::kYear);
  if (base == "JSON" || base == "JSON_TEXT") return set(TypeKind::kJson);
  if (base == "UUID") return set(TypeKind::kUuid);
  if (base == "BIT" || base == "BIT_TEXT") return t.length = a1, set(TypeKind::kBit);
  if (base == "ENUM_TEXT" || base == "SET_TEXT") return set(TypeKind::kText);
  // SQLite's own affinity rules for everything else.
  if (up.empty()) return set(TypeKind::kText);
  if (up.find("INT") != std::string::npos) return set(TypeKind::kInt64);
  if (up.find("CHAR") != std::string::npos || up.find("CLOB") != std::string::npos ||
      up.find("TEXT") != std::string::npos) {
    return set(TypeKind::kText);
  }
  if (up.find("BLOB") != std::string::npos) return set(TypeKind::kBlob);
  if (up.find("REAL") != std::string::npos || up.find("FLOA") != std::string::npos ||
      up.find("DOUB") != std::string::npos) {
    return set(TypeKind::kDouble);
  }
  return set(TypeKind::kDecimal);
}

const Dialect& SqliteDialect() {
  static const SqliteDialectImpl kDialect;
  return kDialect;
}

}  // namespace godwit
