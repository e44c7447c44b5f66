#include "connector/engines.h"
#include "model/row_collector.h"

namespace godwit {

Result<std::unique_ptr<Session>> Connect(const Endpoint& endpoint) {
  switch (endpoint.engine) {
    case Engine::kMysql: return ConnectMysql(endpoint);
    case Engine::kPostgres: return ConnectPostgres(endpoint);
    case Engine::kSqlite: return ConnectSqlite(endpoint);
  }
  return Status(ErrorCode::kInternal, "unknown engine");
}

Result<std::vector<std::string>> QueryFirstRow(Session& session, std::string_view sql, size_t columns) {
  std::vector<ColumnType> types(columns);
  for (auto& t : types) t.kind = TypeKind::kText;
  RowCollector rows;
  RETURN_IF_ERROR(session.Query(sql, types, rows, BatchLimits{}));
  std::vector<std::string> out(columns);
  if (rows.rows.empty()) return out;
  for (size_t i = 0; i < columns && i < rows.rows[0].size(); ++i) out[i] = rows.rows[0][i].value_or("");
  return out;
}

}  // namespace godwit
