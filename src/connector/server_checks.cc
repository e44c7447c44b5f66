// The helpers every engine's ServerChecks shares (server_checks.h);
// ServerChecksFor is in connect.cc with the other dispatches by engine.
#include "connector/server_checks.h"

namespace godwit {

std::string NameList(const std::vector<std::string>& names, size_t limit, const std::string& separator) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < limit; ++i) out += (i ? separator : "") + names[i];
  if (names.size() > limit) out += separator + "and " + std::to_string(names.size() - limit) + " more";
  return out;
}

Result<std::vector<TextRow>> QueryTextRows(Session& session, std::string_view sql, size_t columns) {
  std::vector<ColumnType> types(columns);  // default ColumnType is unbounded text
  RowCollector rows;
  RETURN_IF_ERROR(session.Query(sql, types, rows, BatchLimits{}));
  return std::move(rows.rows);
}

}  // namespace godwit
