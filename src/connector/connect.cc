#include "connector/engines.h"

#include <xxhash.h>

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

const ServerChecks& ServerChecksFor(Engine engine) {
  switch (engine) {
    case Engine::kMysql: return MysqlServerChecksInstance();
    case Engine::kPostgres: return PostgresServerChecksInstance();
    case Engine::kSqlite: return SqliteServerChecksInstance();
  }
  return SqliteServerChecksInstance();  // not reached: every engine is listed above
}

}  // namespace godwit
