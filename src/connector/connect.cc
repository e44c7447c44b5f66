#include "connector/engines.h"

#include <xxhash.h>
#include "common/failpoint.h"
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

uint32_t ReplicaServerIdFor(const std::string& stream) {
  const uint64_t hash = XXH3_64bits(stream.data(), stream.size());
  return static_cast<uint32_t>(0x40000000u | (hash & 0x3fffffffu));
}

CaptureTraits CaptureTraitsFor(Engine engine) {
  switch (engine) {
    case Engine::kMysql: return {.supported = true, .replica_server_id = true};
    case Engine::kPostgres: return {.supported = true, .named_slot = true};
    case Engine::kSqlite: return {};
  }
  return {};  // not reached: every engine is listed above
}

namespace {

Status NoChangeLog() {
  return Status(ErrorCode::kUnsupported,
                "change capture needs a MySQL/MariaDB or PostgreSQL database: SQLite keeps no change log to read",
                "Migrate from SQLite without incremental synchronization (migration_type [schema, full], or "
                "godwit migrate without --incremental).");
}

}  // namespace

Result<std::unique_ptr<ChangeCapture>> OpenChangeCapture(const Endpoint& db, const CaptureNames& names) {
  switch (db.engine) {
    case Engine::kMysql: return OpenBinlogCapture(db, names);
    case Engine::kPostgres: return OpenPgCapture(db, names);
    case Engine::kSqlite: return NoChangeLog();
  }
  return Status(ErrorCode::kInternal, "unknown engine");
}

Result<Position> CaptureLogEnd(const Endpoint& db, Session& session) {
  switch (db.engine) {
    case Engine::kMysql: return BinlogLogEnd(db, session);
    case Engine::kPostgres: return PgLogEnd(session);
    case Engine::kSqlite: return NoChangeLog();
  }
  return Status(ErrorCode::kInternal, "unknown engine");
}

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

const ServerChecks& ServerChecksFor(Engine engine) {
  switch (engine) {
    case Engine::kMysql: return MysqlServerChecksInstance();
    case Engine::kPostgres: return PostgresServerChecksInstance();
    case Engine::kSqlite: return SqliteServerChecksInstance();
  }
  return SqliteServerChecksInstance();  // not reached: every engine is listed above
}

}  // namespace godwit
