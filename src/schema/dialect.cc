#include "schema/dialect.h"

#include <cctype>

namespace godwit {

std::string Dialect::QualifiedName(const TableRef& ref) const {
  if (ref.schema.empty() || engine() == Engine::kSqlite) return QuoteIdent(ref.name);
  return QuoteIdent(ref.schema) + "." + QuoteIdent(ref.name);
}

std::string Dialect::SelectExpr(const Column& column) const { return QuoteIdent(column.name); }

std::string Dialect::ExactKeyExpr(const Column& column) const { return QuoteIdent(column.name); }

std::string Dialect::NullSafeEqual(std::string_view lhs, std::string_view rhs) const {
  return std::string(lhs) + " IS NOT DISTINCT FROM " + std::string(rhs);
}

std::string Dialect::UpsertSuffix(const std::vector<std::string>& key_columns,
                                  const std::vector<std::string>& update_columns) const {
  std::string out = " ON CONFLICT (";
  for (size_t i = 0; i < key_columns.size(); ++i) out += (i ? ", " : "") + QuoteIdent(key_columns[i]);
  out += ")";
  if (update_columns.empty()) return out + " DO NOTHING";
  out += " DO UPDATE SET ";
  for (size_t i = 0; i < update_columns.size(); ++i) {
    const std::string q = QuoteIdent(update_columns[i]);
    out += (i ? ", " : "") + q + " = excluded." + q;
  }
  return out;
}

std::vector<std::string> Dialect::AfterLoad(const TableSchema&) const { return {}; }

Result<std::vector<std::string>> Dialect::AddColumn(const TableSchema& table, const Column& column) const {
  TableSchema one;
  one.ref = table.ref;
  one.columns = {column};
  ASSIGN_OR_RETURN(std::vector<std::string> create, CreateTable(one));
  std::vector<std::string> out;
  bool found = false;
  for (const std::string& stmt : create) {
    if (found || stmt.rfind("CREATE TABLE ", 0) != 0) {
      out.push_back(stmt);  // enum types before, comments after
      continue;
    }
    // "CREATE TABLE <name> (<definition>)": keep the definition.
    std::string prefix;
    for (const std::string& name : {QualifiedName(table.ref), QuoteIdent(table.ref.name)}) {
      if (stmt.rfind("CREATE TABLE " + name + " (", 0) == 0) prefix = "CREATE TABLE " + name + " (";
    }
    // The definition ends at the parenthesis that closes the column list
    // (table options such as MySQL's ENGINE=... may follow it).
    size_t end = std::string::npos;
    if (!prefix.empty()) {
      int depth = 0;
      char quote = 0;
      for (size_t i = prefix.size(); i < stmt.size() && end == std::string::npos; ++i) {
        char ch = stmt[i];
        if (quote) {
          if (ch == quote) quote = 0;  // a doubled quote reopens at the next character
        } else if (ch == '\'' || ch == '"' || ch == '`') {
          quote = ch;
        } else if (ch == '(') {
          ++depth;
        } else if (ch == ')') {
          if (depth == 0) end = i;
          --depth;
        }
      }
    }
    if (end == std::string::npos) {
      return Status(ErrorCode::kInternal, "cannot derive the definition of column " + column.name + " from: " + stmt);
    }
    std::string def = stmt.substr(prefix.size(), end - prefix.size());
    while (!def.empty() && std::isspace(static_cast<unsigned char>(def.front()))) def.erase(def.begin());
    while (!def.empty() && std::isspace(static_cast<unsigned char>(def.back()))) def.pop_back();
    out.push_back("ALTER TABLE " + QualifiedName(table.ref) + " ADD COLUMN " + def);
    found = true;
  }
  if (!found) return Status(ErrorCode::kInternal, "no CREATE TABLE rendered for column " + column.name);
  return out;
}

std::string Dialect::DropColumn(const TableRef& table, std::string_view column) const {
  return "ALTER TABLE " + QualifiedName(table) + " DROP COLUMN " + QuoteIdent(column);
}

std::string Dialect::RenameColumn(const TableRef& table, std::string_view from, std::string_view to) const {
  return "ALTER TABLE " + QualifiedName(table) + " RENAME COLUMN " + QuoteIdent(from) + " TO " + QuoteIdent(to);
}

std::string Dialect::RenameTable(const TableRef& from, const TableRef& to) const {
  return "ALTER TABLE " + QualifiedName(from) + " RENAME TO " + QuoteIdent(to.name);
}

}  // namespace godwit
