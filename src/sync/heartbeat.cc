#include "sync/heartbeat.h"

#include <chrono>

#include "model/row_collector.h"
#include "model/object_mapping.h"
#include "schema/dialect.h"

namespace godwit {
namespace {

std::string Row(const Dialect& d, const std::string& stream_id, int64_t seq) {
  return "(" + d.Literal(ColumnType{}, stream_id) + ", " + d.Literal(TypeOf(TypeKind::kInt64), std::to_string(seq)) +
         ", " + d.Literal(TypeOf(TypeKind::kInt64), std::to_string(NowMicros())) + ")";
}

Status Wrap(const Status& st, const std::string& what, const TableRef& table) {
  if (st.ok()) return st;
  return Status(st.code(), what + " " + table.ToString() + ": " + st.message(),
                "Godwit measures replication lag from a heartbeat row it updates every second on the source; grant "
                "the migration user CREATE, INSERT, UPDATE and DELETE on " +
                    table.ToString() +
                    "'s schema, or run without the heartbeat (lag is then measured from your own writes only).",
                st.native_code());
}

}  // namespace

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TableRef HeartbeatTable(Session& source) { return TableRef{source.default_schema(), kHeartbeatTableName}; }

Status EnsureHeartbeat(Session& source, const std::string& stream_id) {
  const Dialect& d = DialectFor(source.engine());
  const TableRef table = HeartbeatTable(source);
  ASSIGN_OR_RETURN(std::string id_sql, d.ColumnTypeSql(TypeOf(TypeKind::kVarchar, 191)));
  ASSIGN_OR_RETURN(std::string int_sql, d.ColumnTypeSql(TypeOf(TypeKind::kInt64)));
  const std::string create = "CREATE TABLE IF NOT EXISTS " + d.QualifiedName(table) + " (" + d.QuoteIdent("stream_id") +
                             " " + id_sql + " NOT NULL PRIMARY KEY, " + d.QuoteIdent("seq") + " " + int_sql +
                             " NOT NULL, " + d.QuoteIdent("written_us") + " " + int_sql + " NOT NULL)";
  RETURN_IF_ERROR(Wrap(source.Execute(create), "creating the heartbeat table", table));
  const std::string insert = "INSERT INTO " + d.QualifiedName(table) + " (" + d.QuoteIdent("stream_id") + ", " +
                             d.QuoteIdent("seq") + ", " + d.QuoteIdent("written_us") + ") VALUES " +
                             Row(d, stream_id, 0) + d.UpsertSuffix({"stream_id"}, {"written_us"});
  return Wrap(source.Execute(insert), "writing the heartbeat row in", table);
}

Status WriteHeartbeat(Session& source, const std::string& stream_id, int64_t seq) {
  const Dialect& d = DialectFor(source.engine());
  const TableRef table = HeartbeatTable(source);
  const std::string sql = "UPDATE " + d.QualifiedName(table) + " SET " + d.QuoteIdent("seq") + " = " +
                          d.Literal(TypeOf(TypeKind::kInt64), std::to_string(seq)) + ", " + d.QuoteIdent("written_us") +
                          " = " + d.Literal(TypeOf(TypeKind::kInt64), std::to_string(NowMicros())) + " WHERE " +
                          d.QuoteIdent("stream_id") + " = " + d.Literal(ColumnType{}, stream_id);
  return Wrap(source.Execute(sql), "writing the heartbeat row in", table);
}

Result<bool> DropHeartbeat(Session& source, const std::string& stream_id) {
  const Dialect& d = DialectFor(source.engine());
  const TableRef table = HeartbeatTable(source);
  auto catalog = source.ReadCatalog([&](const TableRef& ref) { return ref == table; });
  if (!catalog.ok()) return catalog.status();
  if (catalog->tables.empty()) return false;
  const std::string where = " WHERE " + d.QuoteIdent("stream_id") + " = " + d.Literal(ColumnType{}, stream_id);
  ASSIGN_OR_RETURN(
      auto own,
      QueryTextRows(source, "SELECT " + d.QuoteIdent("stream_id") + " FROM " + d.QualifiedName(table) + where, 1));
  RETURN_IF_ERROR(source.Execute("DELETE FROM " + d.QualifiedName(table) + where));
  ASSIGN_OR_RETURN(
      auto others,
      QueryTextRows(source, "SELECT " + d.QuoteIdent("stream_id") + " FROM " + d.QualifiedName(table) + " LIMIT 1", 1));
  // Another stream still beats here: the table stays.
  if (others.empty()) RETURN_IF_ERROR(source.Execute("DROP TABLE IF EXISTS " + d.QualifiedName(table)));
  return !own.empty();
}

std::optional<Beat> ParseBeat(const ChangeEvent& e, const TableRef& table, const std::string& stream_id) {
  if ((e.kind != ChangeKind::kInsert && e.kind != ChangeKind::kUpdate) || !(e.table == table)) return std::nullopt;
  int id = -1, seq = -1, written = -1;
  for (size_t i = 0; i < e.columns.size(); ++i) {
    if (e.columns[i] == "stream_id") id = static_cast<int>(i);
    if (e.columns[i] == "seq") seq = static_cast<int>(i);
    if (e.columns[i] == "written_us") written = static_cast<int>(i);
  }
  if (id < 0 || seq < 0 || written < 0 || e.after.size() != e.columns.size()) return std::nullopt;
  auto value = [&](int i) -> const FieldValue& { return e.after[i]; };
  if (value(id).state != FieldValue::State::kValue || value(id).bytes != stream_id) return std::nullopt;
  if (value(seq).state != FieldValue::State::kValue || value(written).state != FieldValue::State::kValue) {
    return std::nullopt;
  }
  try {
    return Beat{std::stoll(value(seq).bytes), std::stoll(value(written).bytes)};
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace godwit
