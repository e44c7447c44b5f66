// The helpers session.h declares over any Session: they need no engine,
// so they sit below the engine libraries, which use them too.
#include "connector/session.h"

#include "common/failpoint.h"
#include "model/row_collector.h"

namespace godwit {

Status ExecuteDdl(Session& session, bool transactional, std::span<const std::string> statements, size_t* failed) {
  // One statement is a transaction of its own everywhere.
  const bool atomic = transactional && statements.size() > 1;
  if (atomic) RETURN_IF_ERROR(session.Execute("BEGIN"));
  for (size_t i = 0; i < statements.size(); ++i) {
    if (Status st = session.Execute(statements[i]); !st.ok()) {
      if (atomic) session.Execute("ROLLBACK").IgnoreBecause("the statement's error is the one to report");
      if (failed) *failed = i;
      return st;
    }
    GODWIT_FAILPOINT("schema_statement");
  }
  return atomic ? session.Execute("COMMIT") : Status();
}

TableRef InDefaultSchema(const Session& session, TableRef table) {
  if (table.schema.empty()) table.schema = session.default_schema();
  return table;
}

Result<std::vector<TextRow>> QueryTextRows(Session& session, std::string_view sql, size_t columns) {
  std::vector<ColumnType> types(columns, TypeOf(TypeKind::kText));
  RowCollector rows;
  RETURN_IF_ERROR(session.Query(sql, types, rows, BatchLimits{}));
  return std::move(rows.rows);
}

Result<std::vector<std::string>> QueryFirstRow(Session& session, std::string_view sql, size_t columns) {
  ASSIGN_OR_RETURN(std::vector<TextRow> rows, QueryTextRows(session, sql, columns));
  std::vector<std::string> out(columns);
  if (rows.empty()) return out;
  for (size_t i = 0; i < columns && i < rows[0].size(); ++i) out[i] = rows[0][i].value_or("");
  return out;
}

}  // namespace godwit
