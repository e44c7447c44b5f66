#include "schema/dialect.h"

namespace godwit {

std::string Dialect::QualifiedName(const TableRef& ref) const {
  if (ref.schema.empty() || engine() == Engine::kSqlite) return QuoteIdent(ref.name);
  return QuoteIdent(ref.schema) + "." + QuoteIdent(ref.name);
}

std::string Dialect::SelectExpr(const Column& column) const { return QuoteIdent(column.name); }

std::string Dialect::ExactKeyExpr(const Column& column) const { return QuoteIdent(column.name); }

std::vector<std::string> Dialect::AfterLoad(const TableSchema&) const { return {}; }

}  // namespace godwit
