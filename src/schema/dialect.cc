#include "schema/dialect.h"

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

}  // namespace godwit
