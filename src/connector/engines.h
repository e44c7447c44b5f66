// Entry points of the engine connectors, used by Connect(),
// OpenChangeCapture(), CaptureLogEnd() and ServerChecksFor() only.
#pragma once

#include <memory>

#include "connector/change_capture.h"
#include "connector/server_checks.h"
#include "connector/session.h"

namespace godwit {

Result<std::unique_ptr<Session>> ConnectMysql(const Endpoint& endpoint);
Result<std::unique_ptr<Session>> ConnectPostgres(const Endpoint& endpoint);
Result<std::unique_ptr<Session>> ConnectSqlite(const Endpoint& endpoint);

Result<std::unique_ptr<ChangeCapture>> OpenBinlogCapture(const Endpoint& db, const CaptureNames& names);
Result<std::unique_ptr<ChangeCapture>> OpenPgCapture(const Endpoint& db, const CaptureNames& names);
Result<Position> BinlogLogEnd(const Endpoint& db, Session& session);
Result<Position> PgLogEnd(Session& session);

const ServerChecks& MysqlServerChecksInstance();
const ServerChecks& PostgresServerChecksInstance();
const ServerChecks& SqliteServerChecksInstance();

}  // namespace godwit
