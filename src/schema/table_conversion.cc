#include "schema/table_conversion.h"

#include <cctype>

namespace godwit {
namespace {

bool IsIdentChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$'; }

// Removes PostgreSQL "::type" casts, including multi-word types
// ("::character varying", "::timestamp without time zone") and arrays.
std::string StripPgCasts(const std::string& s) {
  static const char* kTypeWords[] = {"character varying", "double precision", "timestamp without time zone",
                                     "timestamp with time zone", "time without time zone", "time with time zone",
                                     "bit varying"};
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    if (s[i] == '\'') {  // copy string literal verbatim
      size_t j = i + 1;
      while (j < s.size()) {
        if (s[j] == '\'' && j + 1 < s.size() && s[j + 1] == '\'') {
          j += 2;
          continue;
        }
        if (s[j] == '\'') break;
        ++j;
      }
      out.append(s, i, j - i + 1);
      i = j + 1;
      continue;
    }
    if (s[i] == ':' && i + 1 < s.size() && s[i + 1] == ':') {
      size_t j = i + 2;
      bool matched = false;
      for (const char* w : kTypeWords) {
        std::string word(w);
        if (s.compare(j, word.size(), word) == 0) {
          j += word.size();
          matched = true;
          break;
        }
      }
      if (!matched) {
        if (j < s.size() && s[j] == '"') {
          j = s.find('"', j + 1);
          j = j == std::string::npos ? s.size() : j + 1;
        } else {
          while (j < s.size() && (IsIdentChar(s[j]) || s[j] == '.')) ++j;
        }
      }
      if (j < s.size() && s[j] == '(') {
        size_t close = s.find(')', j);
        j = close == std::string::npos ? s.size() : close + 1;
      }
      while (j + 1 < s.size() && s[j] == '[' && s[j + 1] == ']') j += 2;
      i = j;
      continue;
    }
    out.push_back(s[i++]);
  }
  return out;
}

// Re-quotes identifiers quoted with `from_quote` using `to_quote`.
std::string Requote(const std::string& s, char from_quote, char to_quote) {
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (c == '\'') {
      size_t j = i + 1;
      while (j < s.size()) {
        if (s[j] == '\\' && from_quote == '`') {
          j += 2;
          continue;
        }
        if (s[j] == '\'' && j + 1 < s.size() && s[j + 1] == '\'') {
          j += 2;
          continue;
        }
        if (s[j] == '\'') break;
        ++j;
      }
      out.append(s, i, std::min(j, s.size() - 1) - i + 1);
      i = j + 1;
      continue;
    }
    if (c == from_quote) {
      std::string name;
      size_t j = i + 1;
      while (j < s.size()) {
        if (s[j] == from_quote && j + 1 < s.size() && s[j + 1] == from_quote) {
          name.push_back(from_quote);
          j += 2;
          continue;
        }
        if (s[j] == from_quote) break;
        name.push_back(s[j++]);
      }
      out.push_back(to_quote);
      for (char n : name) {
        if (n == to_quote) out.push_back(to_quote);
        out.push_back(n);
      }
      out.push_back(to_quote);
      i = j + 1;
      continue;
    }
    out.push_back(c);
    ++i;
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
      auto ends_with = [&](std::string_view s) { return c.size() >= s.size() && c.compare(c.size() - s.size(), s.size(), s) == 0; };
      return c == "binary" || ends_with("_bin") || ends_with("_cs");
    }
  }
  return true;
}

// Whether a MySQL expression names `name`: `name` quoted, or bare as a
// whole word outside string literals (case-insensitive, as MySQL's
// column names are).
bool MentionsIdentifier(const std::string& expr, const std::string& name) {
  std::string quoted = "`";
  for (char c : name) {
    if (c == '`') quoted += '`';
    quoted += c;
  }
  quoted += '`';
  if (expr.find(quoted) != std::string::npos) return true;
  auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  std::string e = lower(expr), n = lower(name);
  bool in_string = false;
  for (size_t i = 0; i < e.size(); ++i) {
    if (e[i] == '\'') in_string = !in_string;
    if (in_string || e.compare(i, n.size(), n) != 0) continue;
    bool left = i == 0 || !IsIdentChar(e[i - 1]);
    bool right = i + n.size() >= e.size() || !IsIdentChar(e[i + n.size()]);
    if (left && right) return true;
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

}  // namespace

std::string TranslateExpression(const std::string& expr, Engine from, Engine to) {
  if (from == to) return expr;
  std::string out = expr;
  if (from == Engine::kPostgres) out = StripPgCasts(out);
  if (from == Engine::kMysql) out = Requote(out, '`', '"');
  if (to == Engine::kMysql) out = Requote(out, '"', '`');
  return out;
}

Result<ConvertedTable> ConvertTable(const TableSchema& source, const TableRef& destination_ref, Engine source_engine,
                                    const Dialect& destination) {
  ConvertedTable out;
  TableSchema& t = out.table;
  t = source;
  t.ref = destination_ref;
  const Engine dst_engine = destination.engine();
  const bool same_engine = source_engine == dst_engine;

  for (Column& c : t.columns) {
    ConvertCollation(c, source_engine, dst_engine);
    if (c.type.kind == TypeKind::kNative && !same_engine) {
      return Status(ErrorCode::kUnsupported,
                    "column " + c.name + " of " + source.ref.ToString() + " has type " + c.type.native + ", which " +
                        std::string(EngineName(dst_engine)) + " cannot hold",
                    "Exclude the table, change the column's type on the source, or create the table on the "
                    "destination by hand with a type of your choice (Godwit loads into an existing empty table).");
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
  std::vector<IndexDef> kept;
  for (IndexDef& idx : t.indexes) {
    if (!idx.unsupported_reason.empty()) {
      out.warnings.push_back("index " + idx.name + " of " + source.ref.ToString() + " was skipped: " +
                             idx.unsupported_reason + "; create it on the destination by hand");
      continue;
    }
    if (dst_engine != Engine::kMysql) {
      for (auto& ic : idx.columns) ic.prefix_length = 0;  // prefixes exist only in MySQL
    }
    kept.push_back(idx);
  }
  t.indexes = std::move(kept);

  for (CheckConstraint& ck : t.checks) ck.expression = TranslateExpression(ck.expression, source_engine, dst_engine);
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
